"""A referral's shape is declared once (referrals/shape.py); the validator, the OpenAPI
document, /api/v1/meta/ and the referral pages all follow it."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from cases.catalogue import DASH_QUESTIONS, dash_level, dash_problems
from referrals.forms import FORMS
from referrals.shape import DETAILS, NEED, SAFE_CONTACT, SUBJECT, TOP_LEVEL
from referrals.validation import ReferralInvalid, validate_referral
from tests.personas import payload
from web.shapes import Field, names

pytestmark = pytest.mark.django_db

KINDS = ["asb", "vawg", "early_release"]


def _errors(body: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ReferralInvalid) as caught:
        validate_referral(body)
    return caught.value.errors


def _components() -> dict[str, Any]:
    document = APIClient().get("/api/schema/?format=json").json()
    schemas: dict[str, Any] = document["components"]["schemas"]
    return schemas


def test_the_openapi_document_describes_the_declared_body(people) -> None:
    schemas = _components()
    assert set(schemas["ReferralInputRequest"]["properties"]) == names(TOP_LEVEL)
    assert set(schemas["ReferralInputRequest"]["required"]) == {
        f.name for f in TOP_LEVEL if f.required
    }
    assert set(schemas["SubjectInputRequest"]["properties"]) == names(SUBJECT)
    assert set(schemas["SafeContactRequest"]["properties"]) == names(SAFE_CONTACT)
    assert set(schemas["SupportNeedInputRequest"]["properties"]) == names(NEED)
    details = schemas["ReferralInputRequest"]["properties"]["details"]
    assert [d["$ref"].rsplit("/", 1)[1] for d in details["anyOf"]] == [
        "AsbDetailsRequest",
        "VawgDetailsRequest",
        "EarlyReleaseDetailsRequest",
    ]
    for kind, component in zip(KINDS, details["anyOf"], strict=True):
        shape = schemas[component["$ref"].rsplit("/", 1)[1]]
        assert set(shape["properties"]) == names(DETAILS[kind])
        assert set(shape.get("required", [])) == {f.name for f in DETAILS[kind] if f.required}


@pytest.mark.parametrize("kind", KINDS)
def test_meta_publishes_the_declared_details(people, kind) -> None:
    client = APIClient()
    client.force_authenticate(people.user("officer"))
    meta = client.get("/api/v1/meta/").json()
    published = next(k for k in meta["kinds"] if k["code"] == kind)["details"]
    assert published == [f.meta() for f in DETAILS[kind]]


@pytest.mark.parametrize(
    ("kind", "where", "path"),
    [
        ("asb", lambda b: b, "colour"),
        ("asb", lambda b: b["details"], "details.colour"),
        ("asb", lambda b: b["subjects"][0], "subjects[0].colour"),
        ("vawg", lambda b: b["subjects"][0]["safe_contact"], "subjects[0].safe_contact.colour"),
        ("early_release", lambda b: b["details"]["needs"][0], "details.needs[0].colour"),
    ],
)
def test_a_key_the_shape_does_not_declare_is_refused_by_name(people, kind, where, path) -> None:
    body = payload(kind)
    if kind == "early_release":
        body["details"]["needs"] = [{"need": "accommodation"}]
    where(body)["colour"] = "blue"
    assert _errors(body)[path] == "Unknown field."


def test_a_safe_contact_value_is_checked_as_its_shape_declares(people) -> None:
    body = payload("vawg")
    body["subjects"][0]["safe_contact"] = {"safe_to_call": "yes", "safe_times": "x" * 201}
    errors = _errors(body)
    assert errors["subjects[0].safe_contact.safe_to_call"] == "Must be true or false."
    assert errors["subjects[0].safe_contact.safe_times"] == "Must be at most 200 characters."


def test_a_detail_added_to_the_shape_reaches_validator_meta_and_page(people, monkeypatch) -> None:
    """One declaration is all a new detail needs: the validator accepts and checks it, meta
    publishes it, and the page asks it in the shape's words."""
    added = Field(
        "dog_involved",
        "boolean",
        "A dog was involved.",
        question="Was a dog involved?",
        hint="Dangerous dogs are referred to the dog warden.",
        blank="Select yes if a dog was involved",
    )
    monkeypatch.setitem(DETAILS, "asb", (*DETAILS["asb"], added))
    monkeypatch.setattr(FORMS["asb"], "asked", (*FORMS["asb"].asked, "dog_involved"))

    body = payload("asb")
    body["details"]["dog_involved"] = "often"
    assert _errors(body) == {"details.dog_involved": "Must be true or false."}
    body["details"]["dog_involved"] = True
    validate_referral(body)

    client = APIClient()
    client.force_authenticate(people.user("officer"))
    meta = client.get("/api/v1/meta/").json()
    asb = next(k for k in meta["kinds"] if k["code"] == "asb")
    assert asb["details"][-1] == added.meta()

    form = FORMS["asb"]()
    assert form.fields["dog_involved"].label == "Was a dog involved?"
    assert form.fields["dog_involved"].help_text == "Dangerous dogs are referred to the dog warden."


def test_intake_and_reassessment_ask_one_dash_check_and_one_level_rule() -> None:
    answers = {code: "yes" for code, _ in DASH_QUESTIONS}
    assert dash_problems(answers, "details.dash") == {}
    answers["q3"], answers["q25"] = "maybe", "yes"
    assert dash_problems(answers, "data.dash") == {
        "data.dash.q3": "Answer yes, no or not_known.",
        "data.dash.q25": "Not a DASH question.",
    }
    assert dash_problems("all yes", "details.dash") == {
        "details.dash": "Answer all 24 DASH questions (yes / no / not_known)."
    }
    # SafeLives: judgement raises the checklist's level and never lowers it; escalation is high.
    assert dash_level(15, judgement="standard") == "high"
    assert dash_level(3, judgement="medium") == "medium"
    assert dash_level(3, escalation=True) == "high"
    assert dash_level(None) == "standard"
