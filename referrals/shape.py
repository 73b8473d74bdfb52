"""The shape of a referral, declared once per kind.

From these declarations follow the keys ``referrals.validation`` accepts and the checks of
each plain field, the OpenAPI schema of ``POST /api/v1/referrals/`` (``referrals.api``),
the ``details`` of ``/api/v1/meta/``, and the questions the referral pages ask
(``referrals.forms``). Rules across fields (risk from the DASH answers, the FGM duty's
age, MAPPA category with level) stay in the validator.
"""

from __future__ import annotations

from cases.catalogue import DASH_ANSWERS, RISK_TOOLS
from cases.models import CaseKind, DiscoveredHow, NeedStatus, NeedType, RiskLevel, SubjectRole
from web.shapes import Field

MAX_SUMMARY = 5000

IDENTIFIERS: tuple[Field, ...] = (
    Field("prison_number", "string", "Prison number, like A1234BC.", max_length=7),
    Field("probation_case_reference", "string", "Case reference number (CRN).", max_length=7),
    Field("pnc_id", "string", "Police National Computer id.", max_length=20),
    Field("nhs_number", "string", "NHS number.", max_length=12),
)

SAFE_CONTACT: tuple[Field, ...] = (
    Field("safe_to_call", "boolean", "It is safe to phone the victim."),
    Field("safe_phone", "string", "A number that is safe to call.", max_length=30),
    Field("safe_times", "string", "When contact is safe.", max_length=200),
    Field("safe_to_email", "boolean", "It is safe to email the victim."),
    Field("notes", "string", "Anything else about safe contact.", max_length=1000),
)

SUBJECT: tuple[Field, ...] = (
    Field(
        "role",
        "string",
        "The person's part in it; the roles each kind takes are in /api/v1/meta/.",
        required=True,
        choices=tuple(SubjectRole.values),
    ),
    Field("full_name", "string", "Full name.", required=True, max_length=200),
    Field("date_of_birth", "date", "YYYY-MM-DD."),
    Field(
        "age",
        "integer",
        "Age in years, when the date of birth is not known.",
        minimum=0,
        maximum=120,
    ),
    Field(
        "identifiers",
        "object",
        "Identifiers other services know the person by.",
        children=IDENTIFIERS,
        component="SubjectIdentifiers",
    ),
    Field(
        "safe_contact",
        "object",
        "How to reach a VAWG victim safely (VAWG victims only).",
        children=SAFE_CONTACT,
        component="SafeContact",
    ),
    Field(
        "do_not_disclose",
        "boolean",
        "Do not disclose to the other party: only the lead agency, your agency and the "
        "safeguarding team on the case see who the person is. Left out: true for a victim, "
        "complainant, witness or child, false otherwise. Always true for a VAWG victim.",
    ),
    Field(
        "school",
        "string",
        "A child's school (role 'child' only; optional): for Operation Encompass.",
        max_length=200,
    ),
)

SUBJECT_ROLES: dict[str, set[str]] = {
    CaseKind.ASB: {
        SubjectRole.VICTIM,
        SubjectRole.COMPLAINANT,
        SubjectRole.PERPETRATOR,
        SubjectRole.WITNESS,
    },
    # A child in the household is a victim in their own right (Domestic Abuse Act 2021 s3).
    CaseKind.VAWG: {
        SubjectRole.VICTIM,
        SubjectRole.PERPETRATOR,
        SubjectRole.WITNESS,
        SubjectRole.CHILD,
    },
    CaseKind.EARLY_RELEASE: {SubjectRole.OFFENDER},
}

NEED: tuple[Field, ...] = (
    Field("need", "string", "The kind of need.", required=True, choices=tuple(NeedType.values)),
    Field(
        "status",
        "string",
        "Where it stands; identified when left out.",
        choices=tuple(NeedStatus.values),
    ),
    Field("agency", "string", "Code of the agency it is referred to.", max_length=20),
    Field("notes", "string", "Notes (at most 1000 characters).", max_length=1000),
)

MAPPA_CATEGORIES = (
    ("", "Not managed under MAPPA"),
    ("1", "Category 1: registered sexual offender"),
    ("2", "Category 2: violent offender (12 months' custody or more)"),
    ("3", "Category 3: other dangerous offender"),
    ("4", "Category 4: terrorism risk"),
)
MAPPA_LEVELS = (("", "No level"), ("1", "Level 1"), ("2", "Level 2"), ("3", "Level 3"))

DETAILS: dict[str, tuple[Field, ...]] = {
    CaseKind.ASB: (
        Field(
            "victim_vulnerable",
            "boolean",
            "The victim is vulnerable (raises the risk to medium).",
            required=True,
            question="Is the victim vulnerable?",
            hint="For example, because of age, disability, mental health or being targeted "
            "for who they are.",
            blank="Select yes if the victim is vulnerable",
        ),
        Field(
            "repeat_incident",
            "boolean",
            "This has happened before.",
            required=True,
            question="Has this happened before?",
            blank="Select yes if this has happened before",
        ),
        Field(
            "vulnerability_notes",
            "string",
            "Why the victim is vulnerable (at most 1000 characters).",
            max_length=1000,
            question="About the vulnerability (optional)",
        ),
    ),
    CaseKind.VAWG: (
        Field(
            "dash",
            "object",
            "DASH answers: each of q1..q24 is yes, no or not_known.",
            choices=DASH_ANSWERS,
        ),
        Field(
            "risk_tool",
            "string",
            "The risk tool used: safelives_dash (its answers in dash; the default), "
            "police_dash (a force's own version) or dara (College of Policing); for the "
            "last two give tool_grading, not dash.",
            choices=tuple(code for code, _ in RISK_TOOLS),
            question="Which risk tool did you use? (optional)",
            hint="Police forces may use their own version of DASH or DARA: give its grading "
            "below rather than the SafeLives checklist.",
            options=(("", "SafeLives DASH checklist, or none"), *RISK_TOOLS[1:]),
        ),
        Field(
            "tool_grading",
            "string",
            "The grading a police DASH version or DARA gave: standard, medium or high.",
            choices=tuple(RiskLevel.values),
            question="The grading that tool gave",
            blank="Select the grading the tool gave",
            options=(("", "Not graded with another tool"), *RiskLevel.choices),
        ),
        Field(
            "professional_judgement",
            "string",
            "May raise the DASH risk level, never lower it.",
            choices=tuple(RiskLevel.values),
            question="Your professional judgement of the risk (optional)",
            hint="It can raise the risk level found by the checklist, never lower it.",
            options=(("", "No professional judgement recorded"), *RiskLevel.choices),
        ),
        Field(
            "escalation",
            "boolean",
            "Potential escalation (commonly 3+ incidents in 12 months): high risk.",
            question="Is the abuse escalating (for example, 3 or more incidents in 12 months)?",
        ),
        Field(
            "victim_age",
            "integer",
            "0-120. Required for FGM, as her age when the FGM was discovered (the reporting "
            "duty applies under 18 at discovery; from her date of birth when given). Under 16 "
            "the case is child protection, led by children's social care; under 18 children's "
            "social care is told. Left out: the victim's age or date of birth; if both are "
            "given they must agree.",
            minimum=0,
            maximum=120,
        ),
        Field(
            "fgm_known",
            "boolean",
            "Required for FGM: disclosed or seen (known, not suspected).",
            question="If this is about FGM: is it known, because it was disclosed or seen?",
            hint="Answer only for FGM. Health and social care professionals and teachers must "
            "report known FGM in a girl under 18 to the police themselves (FGM Act 2003, "
            "section 5B).",
            blank="Select yes if the FGM is known (disclosed or seen)",
        ),
        Field(
            "fgm_discovered_on",
            "date",
            "Required for known FGM: the day you first discovered it. The one month to report "
            "it to the police runs from then (FGM Act 2003 s5B(5)(c)).",
            question="If the FGM is known: when did you first discover it?",
            hint="The one month to report it to the police runs from this day, not from today.",
            blank="Enter the date you first discovered the FGM",
        ),
        Field(
            "fgm_discovered_how",
            "string",
            "Required for known FGM: disclosed (she told you) or observed (you saw physical "
            "signs) (FGM Act 2003 s5B(3)-(4)).",
            choices=tuple(DiscoveredHow.values),
            question="If the FGM is known: how did you discover it?",
            blank="Select how you discovered the FGM",
            options=tuple(DiscoveredHow.choices),
        ),
        Field(
            "children_in_household",
            "boolean",
            "Children live in the household. When true, give children_count or name each "
            "child in subjects (role 'child').",
            question="Are there children in the household?",
        ),
        Field(
            "children_count",
            "integer",
            "How many children live in the household (1-20); at least the children named.",
            minimum=1,
            maximum=20,
            question="How many children live in the household?",
        ),
    ),
    CaseKind.EARLY_RELEASE: (
        Field(
            "prison_number",
            "string",
            "Like A1234BC.",
            required=True,
            max_length=7,
            question="Prison number",
            hint="For example, A1234BC",
            blank="Enter the prison number",
        ),
        Field(
            "probation_case_reference",
            "string",
            "Case reference number (CRN), like X123456.",
            required=True,
            max_length=7,
            question="Case reference number (CRN)",
            hint="For example, X123456",
            blank="Enter the case reference number (CRN)",
        ),
        Field(
            "expected_release_date",
            "date",
            "YYYY-MM-DD.",
            required=True,
            missing="Enter the expected release date.",
            question="Expected release date",
            hint="For example, 14 5 2026",
            blank="Enter the expected release date",
        ),
        Field(
            "mappa_category",
            "integer",
            "MAPPA category 1-4; give it with the level or neither.",
            minimum=1,
            maximum=4,
            question="MAPPA category",
            options=MAPPA_CATEGORIES,
        ),
        Field(
            "mappa_level",
            "integer",
            "MAPPA level 1-3; level 2 is medium risk, level 3 high.",
            minimum=1,
            maximum=3,
            question="MAPPA level",
            options=MAPPA_LEVELS,
        ),
        Field(
            "needs",
            "array",
            "Support needs: objects of need, status, agency (code) and notes; each need once.",
            choices=tuple(NeedType.values),
            children=NEED,
            component="SupportNeedInput",
        ),
    ),
}

TOP_LEVEL: tuple[Field, ...] = (
    Field(
        "kind",
        "string",
        "What the referral is about.",
        required=True,
        choices=tuple(CaseKind.values),
    ),
    Field("ward", "string", "ONS ward code; see /api/v1/meta/.", required=True, max_length=9),
    Field("category", "string", "Category code of the kind.", required=True, max_length=50),
    Field("summary", "string", "What happened.", required=True, max_length=MAX_SUMMARY),
    Field("occurred_at", "datetime", "When it happened (ISO 8601).", required=True),
    Field("reported_at", "datetime", "When it was reported; now when left out."),
    Field("location_text", "string", "Where it happened.", max_length=200),
    Field("postcode", "string", "UK postcode, like KV1 2AB.", max_length=10),
    Field("latitude", "number", "WGS84 latitude; give it with longitude.", minimum=-90, maximum=90),
    Field(
        "longitude", "number", "WGS84 longitude; give it with latitude.", minimum=-180, maximum=180
    ),
    Field(
        "subjects",
        "array",
        "The people involved (at most 20).",
        children=SUBJECT,
        component="SubjectInput",
    ),
    Field("details", "object", "Shape per kind: /api/v1/meta/."),
    Field("join_case", "integer", "Id of an open case to add this referral to (see duplicates)."),
)
