"""Named personas from the demo partnership, and a helper to raise referrals as them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from cases.catalogue import DASH_QUESTIONS
from partners.demo import seed_partnership, ward_code
from partners.models import Agency
from referrals.models import Referral, RoutingRule
from referrals.services import referral_raise
from referrals.validation import validate_referral

WARD = ward_code(9)  # Kestrel Town Centre
OTHER_WARD = ward_code(2)


PERSONA_NAMES = (
    "officer",
    "asb_coordinator",
    "idva",
    "probation",
    "caseworker",
    "nurse",
    "manager",
    "auditor",
    "outsider",
    "social_worker",
)
PASSWORD = "persona-pass-2026"


def seed_personas() -> None:
    """The demo partnership, its personas and the licensing routing rule (idempotent)."""
    seed_partnership(password=PASSWORD)
    RoutingRule.objects.get_or_create(
        kind="asb",
        category="licensed_premises",
        ward=None,
        defaults={"agency": Agency.objects.get(code="council-licensing"), "priority": 10},
    )


class Personas:
    """officer, asb_coordinator, idva, probation, caseworker, nurse, manager, auditor,
    outsider, social_worker (children's social care).

    The test session seeds them once, after the test database is made (tests/conftest.py):
    a test that rolls back finds them there and only reads them. A transactional test's
    flush removes them, so the next one seeds them again.
    """

    def __init__(self) -> None:
        users = {u.username: u for u in User.objects.filter(username__in=PERSONA_NAMES)}
        if (
            len(users) < len(PERSONA_NAMES)
            or not RoutingRule.objects.filter(
                kind="asb", category="licensed_premises", ward=None
            ).exists()
        ):
            seed_personas()
            users = {u.username: u for u in User.objects.filter(username__in=PERSONA_NAMES)}
        for name in PERSONA_NAMES:
            setattr(self, name, users[name])
        self.licensing = Agency.objects.get(code="council-licensing")

    def user(self, name: str) -> User:
        user: User = getattr(self, name)
        return user


def dash(yes: int) -> dict[str, str]:
    """A complete DASH checklist with ``yes`` answers of yes and the rest no/not known."""
    return {
        code: "yes" if i < yes else ("not_known" if i % 5 == 0 else "no")
        for i, (code, _) in enumerate(DASH_QUESTIONS)
    }


def fgm_found_today() -> dict[str, str]:
    """The details that say when and how known FGM was discovered: disclosed today."""
    return {
        "fgm_discovered_on": timezone.localdate().isoformat(),
        "fgm_discovered_how": "disclosed",
    }


def payload(kind: str, **overrides: Any) -> dict[str, Any]:
    occurred = (timezone.now() - timedelta(hours=2)).isoformat()
    payloads: dict[str, dict[str, Any]] = {
        "asb": {
            "kind": "asb",
            "ward": WARD,
            "category": "noise",
            "summary": "Loud music every night after midnight from the flat above.",
            "occurred_at": occurred,
            "location_text": "14 Quay Street",
            "subjects": [{"role": "complainant", "full_name": "Jane Resident"}],
            "details": {"victim_vulnerable": False, "repeat_incident": True},
        },
        "vawg": {
            "kind": "vawg",
            "ward": WARD,
            "category": "domestic_abuse",
            "summary": "Victim disclosed controlling behaviour and threats from partner.",
            "occurred_at": occurred,
            "subjects": [
                {
                    "role": "victim",
                    "full_name": "Alice Victim",
                    "age": 34,
                    "safe_contact": {"safe_to_call": True, "safe_times": "weekdays 10-12"},
                },
                {"role": "perpetrator", "full_name": "Bob Partner"},
            ],
            "details": {"dash": dash(15)},
        },
        "early_release": {
            "kind": "early_release",
            "ward": WARD,
            "category": "sds40",
            "summary": "SDS40 release; no fixed abode on release.",
            "occurred_at": occurred,
            "subjects": [
                {"role": "offender", "full_name": "Carl Released", "date_of_birth": "1990-04-01"}
            ],
            "details": {
                "prison_number": "A1234BC",
                "probation_case_reference": "X123456",
                "expected_release_date": (timezone.localdate() + timedelta(days=10)).isoformat(),
                "mappa_category": 2,
                "mappa_level": 1,
                "needs": [{"need": "accommodation", "status": "identified", "agency": "housing"}],
            },
        },
    }
    base = payloads[kind]
    base.update(overrides)
    age = (base.get("details") or {}).get("victim_age")
    if kind == "vawg" and "subjects" not in overrides and age is not None:
        # The victim's age is given once: a victim_age the test chose is the victim's age
        # too (intake refuses two ages that disagree).
        base["subjects"][0]["age"] = age
    return base


def raise_referral(by: User, kind: str, **overrides: Any) -> Referral:
    return referral_raise(clean=validate_referral(payload(kind, **overrides)), raised_by=by)
