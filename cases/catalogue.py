"""What can be reported: categories per kind, the DASH checklist, and their mappings.

Category codes are stable identifiers used by the API, reports and routing rules; each maps
to a police.uk crime category so committee reports line up with published police data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from cases.models import RISK_ORDER, CaseKind, RiskLevel


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    group: str  # ASB: personal / nuisance / environmental; VAWG: the strand
    police_uk: str


ASB_CATEGORIES = [
    Category("dangerous_dogs", "Dangerous dogs", "nuisance", "anti-social-behaviour"),
    Category("licensed_premises", "Licensed premises", "nuisance", "anti-social-behaviour"),
    Category("town_centre_disorder", "Town-centre disorder", "nuisance", "public-order"),
    Category("drug_dealing", "Drug dealing", "nuisance", "drugs"),
    Category("noise", "Noise", "nuisance", "anti-social-behaviour"),
    Category("vehicle_nuisance", "Vehicle nuisance", "nuisance", "anti-social-behaviour"),
    Category("criminal_damage", "Criminal damage", "environmental", "criminal-damage-arson"),
    Category("fly_tipping", "Fly-tipping and littering", "environmental", "anti-social-behaviour"),
    Category("hate_related", "Hate-related", "personal", "public-order"),
    Category("neighbour_dispute", "Neighbour intimidation", "personal", "anti-social-behaviour"),
    Category("street_drinking", "Street drinking", "nuisance", "anti-social-behaviour"),
]

VAWG_CATEGORIES = [
    Category("domestic_abuse", "Domestic abuse", "domestic", "violent-crime"),
    Category("sexual_violence", "Sexual violence", "sexual", "violent-crime"),
    Category("stalking", "Stalking", "harassment", "violent-crime"),
    Category("harassment", "Harassment", "harassment", "violent-crime"),
    Category("fgm", "Female genital mutilation (FGM)", "harmful_practice", "violent-crime"),
    Category("honour_based_abuse", "Honour-based abuse", "harmful_practice", "violent-crime"),
    Category("forced_marriage", "Forced marriage", "harmful_practice", "other-crime"),
    # Offences under the Health and Care Act 2022, Part 5: categories in their own right.
    Category("hymenoplasty", "Hymenoplasty", "harmful_practice", "other-crime"),
    Category("virginity_testing", "Virginity testing", "harmful_practice", "other-crime"),
    Category("spiking", "Spiking", "sexual", "violent-crime"),
    Category("online_abuse", "Online abuse", "harassment", "public-order"),
]

# For early release the category is the release scheme.
EARLY_RELEASE_CATEGORIES = [
    Category("sds40", "SDS40 (release at 40% of sentence)", "release", "other-crime"),
    Category("standard", "Standard automatic release", "release", "other-crime"),
    Category("hdc", "Home Detention Curfew", "release", "other-crime"),
    Category("other", "Other release", "release", "other-crime"),
]

CATEGORIES: dict[str, list[Category]] = {
    CaseKind.ASB: ASB_CATEGORIES,
    CaseKind.VAWG: VAWG_CATEGORIES,
    CaseKind.EARLY_RELEASE: EARLY_RELEASE_CATEGORIES,
}


def category(kind: str, code: str) -> Category | None:
    return next((c for c in CATEGORIES.get(kind, []) if c.code == code), None)


# The SafeLives DASH risk identification checklist (2009), 24 questions, in short form,
# worded neutrally: "the person causing harm", not "the abuser" (issue 13: nothing is
# presumed of a person who may be only alleged to have done it).
DASH_QUESTIONS: list[tuple[str, str]] = [
    ("q1", "Has the current incident resulted in injury?"),
    ("q2", "Is the victim very frightened?"),
    ("q3", "Is the victim afraid of further injury or violence?"),
    ("q4", "Does the victim feel isolated from family or friends?"),
    ("q5", "Is the victim feeling depressed or having suicidal thoughts?"),
    ("q6", "Has the victim separated or tried to separate within the past year?"),
    ("q7", "Is there conflict over child contact?"),
    (
        "q8",
        "Does the person causing harm constantly text, call, contact, follow, stalk or harass?",
    ),
    ("q9", "Is the victim pregnant, or have they had a baby in the last 18 months?"),
    ("q10", "Is the abuse happening more often?"),
    ("q11", "Is the abuse getting worse?"),
    (
        "q12",
        "Does the person causing harm try to control everything or show excessive jealousy?",
    ),
    ("q13", "Has the person causing harm ever used weapons or objects to hurt the victim?"),
    ("q14", "Has the person causing harm ever threatened to kill the victim or someone else?"),
    (
        "q15",
        "Has the person causing harm ever attempted to strangle, choke, suffocate or drown "
        "the victim?",
    ),
    (
        "q16",
        "Does the person causing harm do or say things of a sexual nature that hurt or degrade?",
    ),
    ("q17", "Is there any other person who has threatened the victim or whom the victim fears?"),
    ("q18", "Does the victim know if the person causing harm has hurt anyone else?"),
    ("q19", "Has the person causing harm ever mistreated an animal or the family pet?"),
    ("q20", "Are there any financial issues?"),
    (
        "q21",
        "Has the person causing harm had problems with drugs, alcohol or mental health in the "
        "past year?",
    ),
    ("q22", "Has the person causing harm ever threatened or attempted suicide?"),
    (
        "q23",
        "Has the person causing harm ever broken bail, an injunction or a formal contact "
        "agreement?",
    ),
    (
        "q24",
        "Is the person causing harm known to have a criminal history or trouble with the police?",
    ),
]
# Which risk tool an assessment used. Police forces use their own version of DASH or the
# College of Policing's Domestic Abuse Risk Assessment (DARA, 2022); only the SafeLives
# checklist is recorded answer by answer here, the others by the grading they gave.
SAFELIVES_DASH = "safelives_dash"
RISK_TOOLS: list[tuple[str, str]] = [
    (SAFELIVES_DASH, "SafeLives DASH checklist (24 questions)"),
    ("police_dash", "A police force's own version of DASH"),
    ("dara", "DARA, Domestic Abuse Risk Assessment (College of Policing)"),
]
DASH_ANSWERS = ("yes", "no", "not_known")
# SafeLives: 14 or more "yes" answers is visible high risk and meets the MARAC threshold.
MARAC_THRESHOLD = 14
# What pages and /api/v1/meta/ say of the medium band, so that nobody takes it for SafeLives'.
DASH_MEDIUM_NOTE = (
    "The medium band is this partnership's local convention (setting DASH_MEDIUM_FROM); "
    "SafeLives sets only the MARAC threshold."
)


def dash_medium_from() -> int:
    """The score the local "medium" band starts at (settings.DASH_MEDIUM_FROM, 10 unless the
    partnership sets another): a local convention, where MARAC_THRESHOLD is SafeLives'."""
    return int(settings.DASH_MEDIUM_FROM)


def dash_box() -> dict[str, Any]:
    """What a page's DASH box (templates/referrals/_dash.html) shows beside the score."""
    return {
        "marac_threshold": MARAC_THRESHOLD,
        "dash_total": len(DASH_QUESTIONS),
        "dash_medium_from": dash_medium_from(),
        "dash_medium_note": DASH_MEDIUM_NOTE,
    }


def dash_score(answers: dict[str, str]) -> int:
    return sum(1 for code, _ in DASH_QUESTIONS if answers.get(code) == "yes")


def dash_risk(score: int) -> str:
    if score >= MARAC_THRESHOLD:
        return "high"
    return "medium" if score >= dash_medium_from() else "standard"


def dash_problems(answers: Any, path: str) -> dict[str, str]:
    """What is wrong with a DASH checklist, by field path (``<path>.q7``): each of the 24
    questions is answered yes, no or not_known, and nothing else is sent. Intake and a
    reassessment both ask this, so the two accept exactly the same checklists."""
    if not isinstance(answers, dict):
        return {path: "Answer all 24 DASH questions (yes / no / not_known)."}
    problems = {
        f"{path}.{code}": "Answer yes, no or not_known."
        for code, _ in DASH_QUESTIONS
        if answers.get(code) not in DASH_ANSWERS
    }
    for code in sorted(set(answers) - {code for code, _ in DASH_QUESTIONS}, key=str):
        problems[f"{path}.{code}"] = "Not a DASH question."
    return problems


def higher_risk(*levels: str) -> str:
    """The highest of ``levels`` that are risk levels ("" when none is)."""
    known = [RiskLevel(level) for level in levels if level in RiskLevel.values]
    return str(max(known, key=lambda level: RISK_ORDER[level])) if known else ""


def dash_level(score: int | None, *, judgement: str = "", escalation: bool = False) -> str:
    """The risk level a DASH assessment gives: the score's band, raised (never lowered) by
    the assessor's professional judgement, and high when escalation is identified
    (SafeLives, "Dash risk checklist quick start guidance"). No score (the checklist left
    for the IDVA) starts from standard."""
    level = RiskLevel(dash_risk(score)) if score is not None else RiskLevel.STANDARD
    if judgement in RiskLevel.values and RISK_ORDER[RiskLevel(judgement)] > RISK_ORDER[level]:
        level = RiskLevel(judgement)
    if escalation:
        level = RiskLevel.HIGH
    return str(level)
