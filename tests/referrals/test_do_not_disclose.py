"""Intake marks the people on the reporting or harmed side "do not disclose to the other
party" (issue 13, item 9), records which agency named them, and never lets a VAWG victim
be disclosed."""

from __future__ import annotations

from typing import Any

import pytest

from partners.models import Agency
from referrals.validation import ReferralInvalid, validate_referral
from tests.personas import payload, raise_referral
from tests.security.conftest import api_client

pytestmark = pytest.mark.django_db


def marks(referral: Any) -> dict[str, bool]:
    return {s.role: s.withhold_from_other_party for s in referral.subjects.all()}


@pytest.mark.parametrize(
    ("kind", "subjects", "expected"),
    [
        (
            "asb",
            [
                {"role": "complainant", "full_name": "Ann One"},
                {"role": "victim", "full_name": "Ben Two"},
                {"role": "witness", "full_name": "Cat Three"},
                {"role": "perpetrator", "full_name": "Dan Four"},
            ],
            {"complainant": True, "victim": True, "witness": True, "perpetrator": False},
        ),
        (
            "vawg",
            [
                {"role": "victim", "full_name": "Eve Five"},
                {"role": "perpetrator", "full_name": "Fay Six"},
            ],
            {"victim": True, "perpetrator": False},
        ),
        ("early_release", None, {"offender": False}),
    ],
)
def test_the_reporting_and_harmed_side_is_withheld_unless_the_referrer_says_otherwise(
    people: Any, kind: str, subjects: list[dict[str, Any]] | None, expected: dict[str, bool]
) -> None:
    overrides = {"subjects": subjects} if subjects else {}
    referral = raise_referral(people.officer, kind, **overrides)

    assert marks(referral) == expected
    police = Agency.objects.get(code="kestrel-police")
    assert {s.recorded_by_agency for s in referral.subjects.all()} == {police}


def test_the_referrer_may_say_either_way_for_an_asb_person(people: Any) -> None:
    referral = raise_referral(
        people.officer,
        "asb",
        subjects=[
            {"role": "complainant", "full_name": "Ann One", "do_not_disclose": False},
            {"role": "perpetrator", "full_name": "Dan Four", "do_not_disclose": True},
        ],
    )
    assert marks(referral) == {"complainant": False, "perpetrator": True}


def test_a_vawg_victim_is_never_disclosed_to_the_other_party(people: Any) -> None:
    body = payload("vawg")
    body["subjects"][0]["do_not_disclose"] = False

    with pytest.raises(ReferralInvalid) as refused:
        validate_referral(body)

    assert refused.value.errors == {
        "subjects[0].do_not_disclose": "A VAWG victim is never disclosed to the other party."
    }


def test_the_api_takes_the_marker_and_names_a_bad_one(people: Any) -> None:
    client = api_client(people.officer)
    body = payload("asb", summary="Graffiti on the shop front; the owner agrees to be named.")
    body["subjects"] = [{"role": "complainant", "full_name": "Ann One", "do_not_disclose": "no"}]

    bad = client.post("/api/v1/referrals/", body, format="json")
    body["subjects"][0]["do_not_disclose"] = False
    good = client.post("/api/v1/referrals/", body, format="json")

    assert bad.status_code == 400
    assert [(e["field"], e["message"]) for e in bad.json()["errors"]] == [
        ("subjects[0].do_not_disclose", "Must be true or false.")
    ]
    assert good.status_code == 201, good.content
    schema = client.get("/api/schema/?format=json").json()
    assert "do_not_disclose" in schema["components"]["schemas"]["SubjectInputRequest"]["properties"]
