"""A living demo: 300 fictional cases across every ward, category and state of every flow.

Every case is raised through ``referral_raise`` and moved only by ``case_transition``, so
the demo's history, events and audit rows are exactly what real use would leave. Each
demo referral's summary ends with its key (``[demo 042]``): a re-run finds the cases it
already made, finishes any a previous run left part-way and adds nothing else; a case
somebody has used since is left as they left it.
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.catalogue import ASB_CATEGORIES, DASH_QUESTIONS, VAWG_CATEGORIES
from cases.models import CaseKind
from partners.demo import WARDS, ward_code
from partners.models import Agency
from referrals.models import Referral, RoutingRule
from referrals.services import referral_raise
from referrals.validation import validate_referral
from workflows.actions import case_transition
from workflows.errors import WorkflowError

logger = logging.getLogger(__name__)
Step = tuple[str, dict[str, Any]]
TAG_RE = re.compile(r"\[demo (\d{3})\]$")
# Log rows that record facts about a case rather than a step of its workflow.
NOT_STEPS = (
    "open",
    "set_risk",
    "flag_case_review",
    "record_fgm_duty",
    "referral_joined",
    # Intake's facts about children (workflows/actions/children.py), not steps of the path.
    "refer_child_safeguarding",
    "flag_operation_encompass",
)

# (kind, category or '' for any, agency code): the partnership's default routing, any ward.
DEFAULT_ROUTING = [
    (CaseKind.ASB, "", "council-asb"),
    (CaseKind.ASB, "licensed_premises", "council-licensing"),
    (CaseKind.VAWG, "", "victim-services"),
    (CaseKind.EARLY_RELEASE, "", "probation"),
]

# How many demo cases end in each state. Every state of every flow appears.
ASB_TARGETS = {
    "reported": 14,
    "triaged": 14,
    "assigned": 14,
    "in_progress": 30,
    "resolved": 16,
    "closed": 32,
    "no_further_action": 12,
}
VAWG_TARGETS = {
    "reported": 10,
    "risk_assessed": 10,
    "marac_referred": 10,
    "marac_heard": 10,
    "support_offered": 12,
    "support_declined": 8,
    "safety_plan_active": 15,
    "closed": 15,
}
ER_TARGETS = {
    "notified": 8,
    "pre_release_planning": 10,
    "released": 8,
    "supervision_active": 14,
    "recalled": 6,
    "licence_ended": 6,
    "closed": 8,
}
# Places with repeated reports: the third and fourth meet the ASB case review threshold.
HOTSPOTS = [
    (9, "Bus station, Quay Street", "street_drinking"),
    (3, "Dunmore Parade shops", "vehicle_nuisance"),
    (16, "Riverside Court stairwell", "drug_dealing"),
]
HOTSPOT_TARGETS = ["in_progress", "resolved", "case_review", "reviewed"]
ASB_WEIGHTS = {"noise": 5, "neighbour_dispute": 4, "fly_tipping": 3, "vehicle_nuisance": 3}
VAWG_COMMON = ["domestic_abuse"] * 6 + ["stalking", "harassment", "sexual_violence", "spiking"]
LICENSED_PREMISES = 6

FIRST = [
    "Amelia", "Oliver", "Isla", "George", "Ava", "Harry", "Mia", "Noah", "Ivy", "Jack",
    "Freya", "Leo", "Grace", "Arthur", "Lily", "Oscar", "Rosie", "Jacob", "Zara", "Alfie",
    "Maya", "Theo", "Ella", "Yusuf", "Chloe", "Kai", "Sofia", "Reuben", "Hana", "Ewan",
]  # fmt: skip
LAST = [
    "Ashby", "Brennan", "Carver", "Dalton", "Ellery", "Fairley", "Garside", "Hollins",
    "Ingram", "Jessop", "Kettle", "Lowther", "Marlow", "Nettles", "Oakes", "Pilling",
    "Quarry", "Rudd", "Stannard", "Tallis", "Upton", "Varley", "Wragg", "Yardley",
]  # fmt: skip
MEN = ["Darren", "Lee", "Craig", "Wayne", "Dean", "Shaun", "Kieran", "Ryan", "Gary", "Jason"]
STREETS = [
    "Abbey Road", "Brook Lane", "Castle Street", "Dunmore Avenue", "Elm Close",
    "Fenwick Way", "Gallows Lane", "Harbour Row", "Ivy Terrace", "Kestrel Street",
    "Lark Rise", "Mill Lane", "North Street", "Orchard Way", "Priory Walk", "Queens Road",
    "River View", "St Aldate's Street", "Thorn Grove", "Cliff Road",
]  # fmt: skip

ASB_SUMMARIES = {
    "dangerous_dogs": "A large dog off its lead at {place} rushed at a child; the owner laughed.",
    "licensed_premises": "Crowds leaving {place} after closing, shouting and fighting in the road.",
    "town_centre_disorder": "Group of youths throwing bottles and abusing shoppers near {place}.",
    "drug_dealing": "Suspected dealing from a car outside {place}, several visitors an hour.",
    "noise": "Loud music and shouting from {place} most nights until 3am.",
    "vehicle_nuisance": "Mopeds racing up and down by {place} late at night.",
    "criminal_damage": "Windows of {place} smashed and graffiti sprayed on the door.",
    "fly_tipping": "Mattresses and rubble dumped again behind {place}.",
    "hate_related": "Resident at {place} subjected to racist abuse by neighbours.",
    "neighbour_dispute": "Neighbour at {place} is intimidating the complainant and filming her.",
    "street_drinking": "Street drinking and urinating in doorways at {place}.",
}
VAWG_SUMMARIES = {
    "domestic_abuse": "Victim disclosed controlling behaviour and threats from her partner.",
    "sexual_violence": "Victim reported a sexual assault by an acquaintance after a night out.",
    "stalking": "Former partner repeatedly waiting outside the victim's workplace.",
    "harassment": "Victim receiving abusive messages and visits from an ex-partner's family.",
    "fgm": "School nurse was told by the pupil that she had been cut during a trip abroad.",
    "honour_based_abuse": "Victim threatened by relatives for refusing an arranged engagement.",
    "forced_marriage": "Young woman fears she will be taken abroad to be married this summer.",
    "hymenoplasty": "Clinic enquiry suggests a hymenoplasty being arranged for the victim.",
    "virginity_testing": "Victim disclosed family pressure to undergo a virginity test.",
    "spiking": "Victim believes her drink was spiked at a bar; felt unwell within minutes.",
    "online_abuse": "Intimate images of the victim shared online by her former partner.",
}
ER_SUMMARIES = {
    "sds40": "SDS40 release; accommodation on the day of release is not yet secured.",
    "standard": "Automatic release at the halfway point; wants help finding work.",
    "hdc": "Home Detention Curfew release to his mother's address; tag fitted on release.",
    "other": "Release on licence after recall; substance-misuse treatment to continue.",
}
# A second sentence for some summaries, so no two cases read quite alike.
EXTRA = {
    CaseKind.ASB: [
        "Third call this month.",
        "Complainant is afraid to leave the house after dark.",
        "Neighbours have signed a letter about it.",
        "CCTV from the shop opposite may have caught it.",
        "Happens mostly at weekends.",
    ],
    CaseKind.VAWG: [
        "Police attended and made an arrest.",
        "Children were in the house at the time.",
        "Victim is staying with her sister for now.",
        "She has asked that no letters are sent to her home.",
        "Previous incidents were not reported.",
    ],
    CaseKind.EARLY_RELEASE: [
        "History of missed appointments on a previous licence.",
        "Family support is available.",
        "On a methadone script in custody.",
        "Victim contact scheme applies.",
    ],
}
REASONS = {
    "triage": "Read the report and the history at this address; risk set.",
    "assign": "Allocated to the team best placed to act.",
    "start_work": "Visit booked and warning letter sent.",
    "request_case_review": "Victim asked for an ASB case review; threshold met.",
    "complete_case_review": "Case review panel met and agreed an action plan.",
    "resolve": "Behaviour has stopped after the Community Protection Warning.",
    "reopen": "Complainant reports the problem has started again.",
    "close": "No further reports for eight weeks; closed with the complainant's agreement.",
    "no_further_action": "Civil matter between neighbours; advice given, nothing to pursue.",
    "assess_risk": "DASH completed with the victim by phone at a safe time.",
    "refer_to_marac": "High risk on DASH: referred to the next MARAC.",
    "record_marac_hearing": "Heard at MARAC; actions agreed with police and housing.",
    "offer_support": "IDVA support offered; victim to think it over.",
    "record_support_declined": "Victim declined support for now; given helpline numbers.",
    "activate_safety_plan": "Safety plan agreed: sanctuary scheme, code word with neighbour.",
    "start_planning": "Pre-release planning meeting booked with the prison offender manager.",
    "record_release": "Released as planned; collected at the gate by the practitioner.",
    "start_supervision": "First appointment attended; licence conditions explained.",
    "recall": "Licence conditions breached; recalled to custody.",
    "end_licence": "Licence period ended without further offending.",
}
CLOSE_REASONS: dict[str, str] = {
    CaseKind.VAWG: "Victim safe and engaged with support; case closed by agreement.",
    CaseKind.EARLY_RELEASE: "Case complete; supervision record closed.",
}

ASB_PATHS: dict[str, list[Step]] = {
    "reported": [],
    "triaged": [("triage", {"risk": "standard"})],
    "assigned": [("triage", {"risk": "medium"}), ("assign", {"officer": "asb_coordinator"})],
    "in_progress": [("triage", {"risk": "medium"}), ("assign", {}), ("start_work", {})],
    "resolved": [("triage", {}), ("assign", {}), ("start_work", {}), ("resolve", {})],
    "closed": [("triage", {}), ("assign", {}), ("start_work", {}), ("resolve", {}), ("close", {})],
    "no_further_action": [("no_further_action", {})],
}
_WORK: list[Step] = [("triage", {"risk": "high"}), ("assign", {}), ("start_work", {})]
ASB_PATHS["case_review"] = [*_WORK, ("request_case_review", {})]
ASB_PATHS["reviewed"] = [*_WORK, ("request_case_review", {}), ("complete_case_review", {})]

VAWG_PATHS: dict[str, list[Step]] = {
    "reported": [],
    "risk_assessed": [("assess_risk", {})],
    "marac_referred": [("assess_risk", {}), ("refer_to_marac", {})],
    "marac_heard": [("assess_risk", {}), ("refer_to_marac", {}), ("record_marac_hearing", {})],
    "support_offered": [("assess_risk", {}), ("offer_support", {})],
    "support_declined": [
        ("assess_risk", {}),
        ("offer_support", {}),
        ("record_support_declined", {}),
    ],
}
VAWG_PATHS["safety_plan_active"] = [*VAWG_PATHS["marac_heard"], ("activate_safety_plan", {})]
VAWG_PATHS["closed"] = [*VAWG_PATHS["support_declined"], ("close", {})]
VAWG_HIGH = {"marac_referred", "marac_heard", "safety_plan_active"}

ER_PATHS: dict[str, list[Step]] = {
    "notified": [],
    "pre_release_planning": [("start_planning", {})],
    "released": [("start_planning", {}), ("record_release", {})],
    "supervision_active": [
        ("start_planning", {}),
        ("record_release", {}),
        ("start_supervision", {}),
    ],
    "recalled": [("start_planning", {}), ("record_release", {}), ("recall", {})],
}
ER_PATHS["licence_ended"] = [*ER_PATHS["supervision_active"], ("end_licence", {})]
ER_PATHS["closed"] = [*ER_PATHS["recalled"], ("close", {})]

_USERNAMES = ("officer", "asb_coordinator", "idva", "probation", "caseworker", "nurse")
DRIVERS = {
    CaseKind.ASB: "asb_coordinator",
    CaseKind.VAWG: "idva",
    CaseKind.EARLY_RELEASE: "probation",
}


@dataclass
class DemoCase:
    """One planned demo case: the referral to raise and the steps to take afterwards."""

    key: int
    kind: str
    raised_by: str
    body: dict[str, Any]
    path: list[Step] = field(default_factory=list)


def _dash(rng: random.Random, yes: int) -> dict[str, str]:
    codes = [code for code, _ in DASH_QUESTIONS]
    chosen = set(rng.sample(codes, yes))
    return {c: "yes" if c in chosen else rng.choice(["no", "no", "not_known"]) for c in codes}


class _Planner:
    """Builds the plan deterministically: the same keys, categories and paths every run."""

    def __init__(self, now: datetime) -> None:
        self.rng = random.Random(2026)  # fictional data: any fixed seed will do
        self.now = now
        self.cases: list[DemoCase] = []
        self.seen: dict[str, int] = {}  # cases planned so far per target state

    def _name(self) -> str:
        """A name no other demo case uses (so reports add up to a case review only where
        the plan means them to)."""
        n = len(self.cases)
        return f"{FIRST[n % len(FIRST)]} {LAST[(n * 7 + n // len(FIRST)) % len(LAST)]}"

    def _man(self) -> str:
        n = len(self.cases)
        return f"{MEN[n % len(MEN)]} {LAST[(n * 5 + 3) % len(LAST)]}"

    def _when(self, max_days: int, min_days: int = 1) -> datetime:
        hours = self.rng.uniform(min_days * 24, max_days * 24)
        return (self.now - timedelta(hours=hours)).replace(microsecond=0)

    def _add(self, kind: str, raised_by: str, body: dict[str, Any], path: list[Step]) -> None:
        key = len(self.cases) + 1
        occurred = body["occurred_at"]
        reported = min(occurred + timedelta(hours=self.rng.randint(1, 30)), self.now)
        body["occurred_at"] = occurred.isoformat()
        body["reported_at"] = reported.isoformat()
        extra = f" {self.rng.choice(EXTRA[CaseKind(kind)])}" if self.rng.random() < 0.6 else ""
        body["summary"] = f"{body['summary']}{extra} [demo {key:03d}]"
        self.cases.append(DemoCase(key, kind, raised_by, body, path))

    def asb(
        self, category: str, ward: int, target: str, *, place: str = "", days: int = 365
    ) -> None:
        n = len(self.cases) + 1
        place = place or f"{n} {STREETS[ward]}"
        people: list[dict[str, Any]] = [
            {"role": self.rng.choice(["complainant", "victim"]), "full_name": self._name()}
        ]
        if category in ("neighbour_dispute", "hate_related", "noise"):
            people.append({"role": "perpetrator", "full_name": f"Occupant of {place}"})
        vulnerable = self.rng.random() < 0.2
        body: dict[str, Any] = {
            "kind": "asb",
            "ward": ward_code(ward),
            "category": category,
            "summary": ASB_SUMMARIES[category].format(place=place),
            "occurred_at": self._when(days),
            "location_text": place,
            "postcode": f"KV{ward + 1} {n % 9 + 1}{'ABDEFGHJ'[n % 8]}{'LNPQRSTU'[n % 8]}",
            "subjects": people,
            "details": {"victim_vulnerable": vulnerable, "repeat_incident": bool(n % 3)},
        }
        if vulnerable:
            body["details"]["vulnerability_notes"] = "Lives alone; long-term health condition."
        path = list(ASB_PATHS[target])
        self.seen[target] = seen = self.seen.get(target, 0) + 1
        if target == "assigned" and seen % 4 == 0:
            # Some cases are handed over to Licensing at assignment, and wait there.
            path = [("triage", {"risk": "medium"}), ("assign", {"agency": "council-licensing"})]
        if target == "in_progress" and seen % 6 == 0:
            # The problem came back after it was resolved.
            path = [*ASB_PATHS["resolved"], ("reopen", {})]
        raised_by = self.rng.choice(["officer", "officer", "asb_coordinator", "caseworker"])
        self._add(CaseKind.ASB, raised_by, body, path)

    def vawg(self, category: str, ward: int, target: str) -> None:
        if target in ("marac_referred", "marac_heard"):
            high = True
        elif target in ("reported", "risk_assessed", "safety_plan_active"):
            high = self.rng.random() < 0.5
        else:
            high = False  # support offered, declined, closed: the standard route
        yes = self.rng.randint(14, 19) if high else self.rng.randint(2, 12)
        age = self.rng.randint(19, 58)
        details: dict[str, Any] = {"children_in_household": self.rng.random() < 0.4}
        if details["children_in_household"]:
            details["children_count"] = 1 + len(self.cases) % 3  # a yes says how many
        if category == "fgm":
            # One girl under 18 with known FGM: the referrer's personal reporting duty. At 17
            # the case stays with the IDVA service, children's social care taking part.
            under_18 = not any(c.body["category"] == "fgm" for c in self.cases)
            age = 17 if under_18 else age
            details["fgm_known"] = under_18
        if target != "reported" or self.rng.random() < 0.6:
            details["dash"] = _dash(self.rng, yes)
        victim = {"role": "victim", "full_name": self._name(), "age": age}
        if self.rng.random() < 0.7:
            victim["safe_contact"] = {
                "safe_to_call": True,
                "safe_times": self.rng.choice(["weekdays 10-12", "after 6pm", "school hours"]),
            }
        body: dict[str, Any] = {
            "kind": "vawg",
            "ward": ward_code(ward),
            "category": category,
            "summary": VAWG_SUMMARIES[category],
            "occurred_at": self._when(365),
            "subjects": [victim, {"role": "perpetrator", "full_name": self._man()}],
            "details": details,
        }
        if details.get("fgm_known"):
            # She told the nurse on the day of the referral's incident (s5B(3)).
            details["fgm_discovered_on"] = timezone.localdate(body["occurred_at"]).isoformat()
            details["fgm_discovered_how"] = "disclosed"
        path = list(VAWG_PATHS[target])
        if target == "safety_plan_active" and not high:  # via support, not MARAC
            path = [*VAWG_PATHS["support_offered"], ("activate_safety_plan", {})]
        # FGM comes from the school nurse, who is under the reporting duty (an IDVA is not).
        raised_by = "nurse" if category == "fgm" else self.rng.choice(["officer", "idva"])
        self._add(CaseKind.VAWG, raised_by, body, path)

    def early_release(self, scheme: str, ward: int, target: str) -> None:
        n = len(self.cases) + 1
        notified = self._when(300, 20) if target != "notified" else self._when(20)
        if target in ("notified", "pre_release_planning"):
            release = self.now.date() + timedelta(days=self.rng.randint(3, 60))
        else:
            release = min(notified.date() + timedelta(days=14), self.now.date())
        mappa = self.rng.random() < 0.3
        needs = [{"need": "accommodation", "status": "referred", "agency": "housing"}]
        if n % 2:
            needs.append(
                {"need": "substance_misuse", "status": "identified", "agency": "public-health"}
            )
        body: dict[str, Any] = {
            "kind": "early_release",
            "ward": ward_code(ward),
            "category": scheme,
            "summary": ER_SUMMARIES[scheme],
            "occurred_at": notified,
            "subjects": [
                {
                    "role": "offender",
                    "full_name": self._name(),
                    "date_of_birth": date(1970 + n % 35, n % 12 + 1, n % 28 + 1).isoformat(),
                }
            ],
            "details": {
                "prison_number": f"A{1000 + n:04d}{'BCDFG'[n % 5]}{'HJKLM'[n % 5]}",
                "probation_case_reference": f"X{100000 + n:06d}",
                "expected_release_date": release.isoformat(),
                "mappa_category": 2 if mappa else None,
                "mappa_level": (n % 3) + 1 if mappa else None,
                "needs": needs,
            },
        }
        body["details"] = {k: v for k, v in body["details"].items() if v is not None}
        path = [
            (name, {"actual_release_date": release.isoformat()} if name == "record_release" else {})
            for name, _ in ER_PATHS[target]
        ]
        self._add(CaseKind.EARLY_RELEASE, "probation", body, path)


def _spread(targets: dict[str, int]) -> list[str]:
    """The targets interleaved, so categories and wards fall across every state."""
    pool = [state for state, n in targets.items() for _ in range(n)]
    return [pool[(i * 37) % len(pool)] for i in range(len(pool))]


def demo_plan(*, now: datetime) -> list[DemoCase]:
    """The 300 demo cases, in the order they are raised.

    The first cases of each kind take every ward and category in turn, so all appear;
    the rest are drawn at random (seeded), commoner problems more often.
    """
    planner = _Planner(now)
    rng = planner.rng

    def ward(i: int) -> int:
        return i if i < len(WARDS) else rng.randrange(len(WARDS))

    asb_codes = [c.code for c in ASB_CATEGORIES if c.code != "licensed_premises"]
    weights = [ASB_WEIGHTS.get(code, 1) for code in asb_codes]
    for i, target in enumerate(_spread(ASB_TARGETS)):
        code = asb_codes[i] if i < len(asb_codes) else rng.choices(asb_codes, weights)[0]
        planner.asb(code, ward(i), target)
    for i in range(LICENSED_PREMISES):
        planner.asb("licensed_premises", (9 + i * 3) % len(WARDS), "reported")
    for hotspot_ward, place, code in HOTSPOTS:
        for target in HOTSPOT_TARGETS:
            planner.asb(code, hotspot_ward, target, place=place, days=150)
    vawg_codes = [c.code for c in VAWG_CATEGORIES]
    for i, target in enumerate(_spread(VAWG_TARGETS)):
        code = vawg_codes[i] if i < len(vawg_codes) else rng.choice(VAWG_COMMON)
        planner.vawg(code, ward(i), target)
    er_codes = ["sds40", "standard", "hdc", "other"]
    for i, target in enumerate(_spread(ER_TARGETS)):
        code = (
            er_codes[i] if i < len(er_codes) else rng.choice(["sds40", "sds40", "standard", "hdc"])
        )
        planner.early_release(code, ward(i), target)
    return planner.cases


def routing_rules_ensure() -> int:
    """Create the default routing rules that do not exist yet; returns how many were made."""
    made = 0
    for kind, code, agency in DEFAULT_ROUTING:
        # A rule changed (or added beside it) in the admin is left as it is.
        if not RoutingRule.objects.filter(kind=kind, category=code, ward=None).exists():
            RoutingRule.objects.create(
                kind=kind,
                category=code,
                ward=None,
                agency=Agency.objects.get(code=agency),
                priority=10 if code else 100,
            )
            made += 1
    return made


def _reason(kind: str, name: str) -> str:
    if name == "close" and kind in CLOSE_REASONS:
        return CLOSE_REASONS[kind]
    return REASONS[name]


def seed_demo_cases() -> dict[str, int]:
    """Raise the demo referrals and walk each case to its planned state. Idempotent: a
    case already raised is walked on from where it stands; one somebody has changed since
    (a step off its plan, or a step it can no longer take) is skipped with an INFO line."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=_USERNAMES)}
    missing = set(_USERNAMES) - set(users)
    if missing:
        raise LookupError(f"seed the partnership first: no demo users {sorted(missing)}")
    created = {
        "routing_rules": routing_rules_ensure(),
        "cases": 0,
        "transitions": 0,
        "skipped": 0,
    }
    existing = _existing_cases()
    for planned in demo_plan(now=timezone.now()):
        case = existing.get(planned.key)
        if case is None:
            referral = referral_raise(
                clean=validate_referral(planned.body), raised_by=users[planned.raised_by]
            )
            case = referral.case
            created["cases"] += 1
        done = list(
            case.transition_logs.exclude(transition__in=NOT_STEPS).values_list(
                "transition", flat=True
            )
        )
        planned_steps = [name for name, _ in planned.path]
        if planned_steps[: len(done)] != done:
            # Someone used the demo: the case is theirs now, and stays as they left it.
            logger.info(
                "Demo case %s (%s) was changed since it was seeded (%s): left as it is.",
                planned.key,
                case.reference,
                done[-1] if done else "no steps",
            )
            created["skipped"] += 1
            continue
        driver = users[DRIVERS[CaseKind(planned.kind)]]
        for name, data in planned.path[len(done) :]:
            try:
                case_transition(
                    case_id=case.pk,
                    name=name,
                    by=driver,
                    reason=_reason(planned.kind, name),
                    data=data,
                )
            except WorkflowError as exc:
                # A change made by hand (risk, people, a pause) can bar the planned step.
                logger.info(
                    "Demo case %s (%s) cannot take its planned step %s (%s): left as it is.",
                    planned.key,
                    case.reference,
                    name,
                    exc,
                )
                created["skipped"] += 1
                break
            created["transitions"] += 1
    return created


def _existing_cases() -> dict[int, Any]:
    """Demo cases already raised, by key (read from their referral's summary tag)."""
    found = {}
    for referral in Referral.objects.filter(summary__contains="[demo ").select_related("case"):
        match = TAG_RE.search(referral.summary)
        if match:
            found[int(match.group(1))] = referral.case
    return found
