"""A lone UTF-16 surrogate (``\\ud800``) is valid JSON but not storable text: PostgreSQL
cannot encode it. It is refused with a 400 naming the field, before anything is reserved."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cases.models import ReferenceCounter
from referrals.models import Referral
from referrals.validation import ReferralInvalid, validate_referral
from tests.personas import payload

pytestmark = pytest.mark.django_db


def _post(client, body: dict) -> Any:
    # json.dumps writes the surrogate as the escape \ud800, as an attacker's client would.
    raw = json.dumps(body).encode()
    return client.post("/api/v1/referrals/", raw, content_type="application/json")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b.update(summary="noise \ud800 at night"), "summary"),
        (lambda b: b["subjects"][0].update(full_name="Jane \udfff"), "subjects[0].full_name"),
        (
            lambda b: b["details"].update(vulnerability_notes="\ud83d"),
            "details.vulnerability_notes",
        ),
    ],
)
def test_a_lone_surrogate_is_a_400_naming_the_field_and_reserves_no_reference(
    demo, as_user, change, field
) -> None:
    counters = list(ReferenceCounter.objects.values_list("prefix", "last"))
    referrals = Referral.objects.count()
    body = payload("asb")
    change(body)
    response = _post(as_user("officer"), body)
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == [
        {"field": field, "message": "Text may not contain unpaired surrogate characters."}
    ]
    assert list(ReferenceCounter.objects.values_list("prefix", "last")) == counters
    assert Referral.objects.count() == referrals


def test_a_lone_surrogate_in_a_field_name_is_refused(demo, as_user) -> None:
    body = {**payload("asb"), "x\ud800": 1}
    response = _post(as_user("officer"), body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"


def test_a_proper_surrogate_pair_is_an_ordinary_character(demo, as_user) -> None:
    body = payload("asb", summary="Shouting \U0001f4e2 and music")
    response = _post(as_user("officer"), body)
    assert response.status_code == 201, response.content
    assert Referral.objects.get(pk=response.json()["id"]).summary == "Shouting \U0001f4e2 and music"


def test_a_transition_reason_with_a_lone_surrogate_is_a_400_not_a_500(demo, as_user) -> None:
    case = demo.case("asb")
    raw = json.dumps({"transition": "triage", "reason": "checked \ud800"}).encode()
    response = as_user("asb_coordinator").post(
        f"/api/v1/cases/{case.pk}/transitions/", raw, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "reason"


def test_intake_validation_refuses_it_whatever_the_channel(demo) -> None:
    with pytest.raises(ReferralInvalid) as refused:
        validate_referral(payload("asb", location_text="Quay \ud800 Street"))
    assert refused.value.errors == {
        "location_text": "Text may not contain unpaired surrogate characters."
    }
