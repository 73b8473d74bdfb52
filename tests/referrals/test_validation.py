"""Bad referrals are refused with an error naming each bad field, and write nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from referrals.models import Referral
from referrals.services import referral_raise
from referrals.validation import ReferralInvalid, validate_referral
from tests.personas import dash, payload, raise_referral

pytestmark = pytest.mark.django_db


def _dash_without(*codes: str) -> dict[str, str]:
    answers = dash(15)
    for code in codes:
        del answers[code]
    return answers


def _tomorrow() -> str:
    return (timezone.now() + timedelta(days=1)).isoformat()


def _er_details(**changes: Any) -> dict[str, Any]:
    details = dict(payload("early_release")["details"])
    details.update(changes)
    return {k: v for k, v in details.items() if v is not None}


# (id, kind, overrides, expected errors): every bad field is named, with its message.
CASES: list[tuple[str, str, dict[str, Any], dict[str, str]]] = [
    (
        "unknown-fields",
        "asb",
        {"colour": "red", "priority": 1},
        {"colour": "Unknown field.", "priority": "Unknown field."},
    ),
    ("bad-kind", "asb", {"kind": "burglary"}, {"kind": "Choose one of asb, vawg, early_release."}),
    ("unknown-ward", "asb", {"ward": "E05000000"}, {"ward": "No ward with code 'E05000000'."}),
    ("missing-ward", "asb", {"ward": ""}, {"ward": "Enter the ward's ONS code."}),
    (
        "category-of-another-kind",
        "asb",
        {"category": "domestic_abuse"},
        {"category": "Not a asb category; see /api/v1/meta/ for the codes."},
    ),
    ("missing-summary", "vawg", {"summary": "   "}, {"summary": "This field is required."}),
    (
        "summary-too-long",
        "asb",
        {"summary": "x" * 5001},
        {"summary": "Must be at most 5000 characters."},
    ),
    (
        "future-occurred-at",
        "asb",
        {"occurred_at": _tomorrow()},
        {"occurred_at": "Cannot be in the future."},
    ),
    (
        "impossible-occurred-at",
        "asb",
        {"occurred_at": "2026-02-30T21:30:00Z"},
        {"occurred_at": "Enter a date and time in ISO 8601, e.g. 2026-11-28T21:30:00Z."},
    ),
    (
        "occurred-after-reported",
        "asb",
        {"occurred_at": "2026-01-02T10:00:00Z", "reported_at": "2026-01-01T10:00:00Z"},
        {"occurred_at": "Must be before the time it was reported."},
    ),
    (
        "bad-postcode",
        "asb",
        {"postcode": "KV1 ZZZ9"},
        {"postcode": "Enter a UK postcode, e.g. KV1 2AB."},
    ),
    (
        "latitude-alone",
        "asb",
        {"latitude": 51.5},
        {"longitude": "Give both latitude and longitude."},
    ),
    (
        "latitude-off-earth",
        "asb",
        {"latitude": 91, "longitude": 0},
        {"latitude": "Must be between -90 and 90."},
    ),
    (
        "join-case-not-an-id",
        "asb",
        {"join_case": "ASB-1"},
        {"join_case": "Give the id of the open case to join."},
    ),
    (
        "subjects-not-a-list",
        "asb",
        {"subjects": {"role": "victim"}},
        {"subjects": "Must be a list of people."},
    ),
    (
        "subject-unknown-field-role-and-name",
        "asb",
        {"subjects": [{"role": "offender", "nickname": "Bo"}]},
        {
            "subjects[0].nickname": "Unknown field.",
            "subjects[0].role": "Choose one of complainant, perpetrator, victim, witness.",
            "subjects[0].full_name": "This field is required.",
        },
    ),
    (
        "subject-role-of-the-wrong-type",
        "asb",
        {"subjects": [{"role": ["victim"], "full_name": "Jo"}]},
        {"subjects[0].role": "Choose one of complainant, perpetrator, victim, witness."},
    ),
    (
        "impossible-date-of-birth",
        "early_release",
        {"subjects": [{"role": "offender", "full_name": "C R", "date_of_birth": "1990-13-01"}]},
        {"subjects[0].date_of_birth": "Enter a date as YYYY-MM-DD."},
    ),
    (
        "unknown-identifier",
        "asb",
        {"subjects": [{"role": "victim", "full_name": "V", "identifiers": {"passport": "1"}}]},
        {"subjects[0].identifiers.passport": "Unknown field."},
    ),
    (
        "safe-contact-on-a-perpetrator",
        "vawg",
        {
            "subjects": [
                {"role": "victim", "full_name": "A V", "safe_contact": {"safe_to_call": False}},
                {"role": "perpetrator", "full_name": "B P", "safe_contact": {"safe_to_call": True}},
            ]
        },
        {"subjects[1].safe_contact": "Only recorded for a VAWG victim."},
    ),
    (
        "safe-contact-on-an-asb-victim",
        "asb",
        {"subjects": [{"role": "victim", "full_name": "V", "safe_contact": {"notes": "x"}}]},
        {"subjects[0].safe_contact": "Only recorded for a VAWG victim."},
    ),
    (
        "asb-details-missing",
        "asb",
        {"details": {"colour": "red"}},
        {
            "details.colour": "Unknown field.",
            "details.victim_vulnerable": "This field is required (true or false).",
            "details.repeat_incident": "This field is required (true or false).",
        },
    ),
    (
        "vawg-without-a-victim",
        "vawg",
        {"subjects": [{"role": "perpetrator", "full_name": "B P"}]},
        {"subjects": "A VAWG referral names the victim (role 'victim')."},
    ),
    (
        "dash-incomplete",
        "vawg",
        {"details": {"dash": _dash_without("q7")}},
        {"details.dash.q7": "Answer yes, no or not_known."},
    ),
    (
        "dash-bad-answers",
        "vawg",
        {"details": {"dash": {**_dash_without("q24"), "q3": "Y", "q25": "yes"}}},
        {
            "details.dash.q25": "Not a DASH question.",
            "details.dash.q3": "Answer yes, no or not_known.",
            "details.dash.q24": "Answer yes, no or not_known.",
        },
    ),
    (
        "judgement-not-a-level",
        "vawg",
        {"details": {"dash": dash(3), "professional_judgement": "very high"}},
        {"details.professional_judgement": "Choose one of standard, medium, high."},
    ),
    (
        "fgm-without-age-or-knowledge",
        "vawg",
        {"category": "fgm", "subjects": [{"role": "victim", "full_name": "G"}], "details": {}},
        {
            "details.victim_age": "Give the victim's age: the FGM duty applies under 18.",
            "details.fgm_known": "This field is required (true or false).",
        },
    ),
    (
        "early-release-without-offender",
        "early_release",
        {"subjects": []},
        {"subjects": "Name the person being released (role 'offender')."},
    ),
    (
        "prison-number-format",
        "early_release",
        {"details": _er_details(prison_number="12345")},
        {"details.prison_number": "Enter a prison number like A1234BC."},
    ),
    (
        "case-reference-format",
        "early_release",
        {"details": _er_details(probation_case_reference="123456X")},
        {"details.probation_case_reference": "Enter a case reference number like X123456."},
    ),
    (
        "release-date-missing",
        "early_release",
        {"details": _er_details(expected_release_date=None)},
        {"details.expected_release_date": "Enter the expected release date."},
    ),
    (
        "mappa-level-without-category",
        "early_release",
        {"details": _er_details(mappa_category=None, mappa_level=2)},
        {"details.mappa_level": "Give both the MAPPA category and level, or neither."},
    ),
    (
        "mappa-out-of-range",
        "early_release",
        {"details": _er_details(mappa_category=5, mappa_level="1")},
        {
            "details.mappa_category": "Must be a whole number from 1 to 4.",
            "details.mappa_level": "Must be a whole number from 1 to 3.",
        },
    ),
    (
        "needs-unknown-agency-need-and-status",
        "early_release",
        {
            "details": _er_details(
                needs=[
                    {"need": "accommodation", "agency": "the-moon"},
                    {"need": "jetpack", "status": "sort-of"},
                    {"need": "accommodation"},
                ]
            )
        },
        {
            "details.needs[0].agency": "No active agency with code 'the-moon'.",
            "details.needs[1].need": (
                "Choose one of accommodation, substance_misuse, employment_training, "
                "health, finance, family."
            ),
            "details.needs[1].status": (
                "Choose one of identified, referred, in_progress, met, declined, not_needed."
            ),
            "details.needs[2].need": "Each need appears once.",
        },
    ),
]


@pytest.mark.parametrize(
    ("kind", "overrides", "errors"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_invalid_referral_names_each_bad_field(
    people, kind: str, overrides: dict[str, Any], errors: dict[str, str]
) -> None:
    with pytest.raises(ReferralInvalid) as exc:
        referral_raise(
            clean=validate_referral({**payload(kind), **overrides}), raised_by=people.officer
        )
    assert exc.value.errors == errors
    assert not Referral.objects.exists()


def test_several_bad_fields_are_all_named_at_once(people) -> None:
    with pytest.raises(ReferralInvalid) as exc:
        validate_referral(
            payload("asb", ward="nowhere", summary="", postcode="12345", occurred_at="yesterday")
        )
    assert set(exc.value.errors) == {"ward", "summary", "postcode", "occurred_at"}


def test_a_body_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(ReferralInvalid) as exc:
        validate_referral(["asb"])
    assert exc.value.errors == {"body": "Send a JSON object."}


def test_input_is_normalised_not_refused(people) -> None:
    referral = raise_referral(
        people.officer,
        "asb",
        ward=payload("asb")["ward"].lower(),
        postcode="kv1 2ab",
        summary="  Shouting in the car park.  ",
        occurred_at="2026-06-01T21:30:00",  # no offset: London wall-clock time (BST)
    )
    assert referral.postcode == "KV1 2AB"
    assert referral.summary == "Shouting in the car park."
    assert referral.occurred_at == datetime(2026, 6, 1, 20, 30, tzinfo=UTC)
