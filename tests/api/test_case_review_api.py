"""The ASB case review API's answers to bad input: a problem document naming the field,
nothing half-written, 405 for a method it does not take, never a 500."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.security.conftest import api_client
from tests.workflows.flows import case_in, new_case
from workflows.models import TransitionLog
from workflows.review.models import CaseReviewApplication

pytestmark = pytest.mark.django_db


def fields(answer: Any) -> set[str]:
    assert answer["Content-Type"] == "application/problem+json", answer.content
    return {e["field"] for e in answer.json().get("errors", [])}


def application(people: Any, case: Any = None) -> tuple[Any, str]:
    case = case or new_case(people, "asb")
    client = api_client(people.asb_coordinator)
    answer = client.post(
        f"/api/v1/cases/{case.pk}/case-reviews/",
        {
            "applicant_name": "Rita Applicant",
            "applicant_is_victim": True,
            "received_at": timezone.now().isoformat(),
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    return case, f"/api/v1/cases/{case.pk}/case-reviews/{answer.json()['results'][0]['id']}"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"applicant_is_victim": True}, "applicant_name"),
        ({"applicant_name": "A", "applicant_is_victim": False}, "victim_consent"),
        ({"applicant_name": "A", "applicant_is_victim": True, "colour": 1}, "colour"),
        (
            {"applicant_name": "A", "applicant_is_victim": True, "received_by": "nobody"},
            "received_by",
        ),
        (
            {"applicant_name": "A", "applicant_is_victim": True, "referrals": [{"reference": "X"}]},
            "referrals.0.reference",
        ),
        (
            {
                "applicant_name": "A",
                "applicant_is_victim": True,
                "other_complaints": [{"body": "B", "complained_on": "2026-01-01"}],
            },
            "other_complaints.0.behaviour_on",
        ),
    ],
)
def test_recording_refuses_bad_input_naming_the_field(people: Any, body: Any, field: str) -> None:
    case = new_case(people, "asb")
    body.setdefault("received_at", timezone.now().isoformat())
    answer = api_client(people.asb_coordinator).post(
        f"/api/v1/cases/{case.pk}/case-reviews/", body, format="json"
    )
    assert answer.status_code == 400
    assert field in fields(answer)
    assert not CaseReviewApplication.objects.filter(case=case).exists()


def test_received_in_the_future_is_refused(people: Any) -> None:
    case = new_case(people, "asb")
    answer = api_client(people.asb_coordinator).post(
        f"/api/v1/cases/{case.pk}/case-reviews/",
        {
            "applicant_name": "A",
            "applicant_is_victim": True,
            "received_at": (timezone.now() + timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert answer.status_code == 400
    assert "received_at" in fields(answer)


def test_an_application_on_a_closed_case_through_the_api(people: Any) -> None:
    # s104: available after closure; the case stays closed.
    case, _ = application(people, case_in(people, "asb", "closed"))
    case.refresh_from_db()
    assert case.state == "closed"


def test_the_steps_refuse_bad_input_naming_the_field(people: Any) -> None:
    case, base = application(people)
    client = api_client(people.asb_coordinator)
    logged = TransitionLog.objects.filter(case=case).count()
    # s104(6): the decision's reasons are told to the applicant, so they are required.
    no_reasons = client.post(f"{base}/threshold/", {"met": True, "reasons": ""}, format="json")
    assert no_reasons.status_code == 400
    assert "reasons" in fields(no_reasons)
    early = client.post(f"{base}/meeting/", {"meeting_on": "2026-01-01", "agencies": ["x"]})
    assert early.status_code == 400  # unknown agency code, before any state question
    assert "agencies.0" in fields(early)
    assert TransitionLog.objects.filter(case=case).count() == logged
    decided = client.post(f"{base}/threshold/", {"met": True, "reasons": "Met"}, format="json")
    assert decided.status_code == 200
    again = client.post(f"{base}/threshold/", {"met": False, "reasons": "No"}, format="json")
    assert again.status_code == 409
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    future = client.post(
        f"{base}/meeting/", {"meeting_on": tomorrow, "agencies": ["council-asb"]}, format="json"
    )
    assert future.status_code == 400
    assert "meeting_on" in fields(future)
    outcome_first = client.post(f"{base}/outcome/", {"recommendations": ""}, format="json")
    assert outcome_first.status_code == 409


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_405_problems(people: Any, method: str) -> None:
    case, base = application(people)
    client = api_client(people.asb_coordinator)
    for url in (f"/api/v1/cases/{case.pk}/case-reviews/", f"{base}/threshold/"):
        answer = getattr(client, method)(url, {}, format="json")
        assert answer.status_code == 405
        assert answer["Content-Type"] == "application/problem+json"
    assert client.get(f"{base}/threshold/").status_code == 405


def test_a_missing_application_is_404(people: Any) -> None:
    case = new_case(people, "asb")
    answer = api_client(people.asb_coordinator).post(
        f"/api/v1/cases/{case.pk}/case-reviews/999999/threshold/",
        {"met": True, "reasons": "x"},
        format="json",
    )
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/problem+json"


def test_the_endpoints_are_in_the_openapi_schema(people: Any) -> None:
    schema = api_client(people.asb_coordinator).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert "post" in paths["/api/v1/cases/{id}/case-reviews/"]
    assert "get" in paths["/api/v1/cases/{id}/case-reviews/"]
    for step in ("threshold", "decision-told", "meeting", "outcome", "outcome-told"):
        assert f"/api/v1/cases/{{id}}/case-reviews/{{application_id}}/{step}/" in paths


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"received_at": "0001-01-01T00:00:00Z"}, "received_at"),
        ({"received_at": "2014-10-19T12:00:00Z"}, "received_at"),
        (
            {
                "other_complaints": [
                    {"body": "B", "complained_on": "9999-12-31", "behaviour_on": "9999-12-31"}
                ]
            },
            "complaints",
        ),
        (
            {
                "other_complaints": [
                    {"body": "B", "complained_on": "0001-01-02", "behaviour_on": "0001-01-01"}
                ]
            },
            "complaints",
        ),
    ],
)
def test_dates_outside_the_case_reviews_life_are_a_400_never_a_500(
    people: Any, body: Any, field: str
) -> None:
    # s104 came into force on 20 October 2014; nothing it counts is older or in the future
    # (a fuzzer's year 1 or 9999 once overflowed the threshold's date arithmetic).
    case = new_case(people, "asb")
    payload = {"applicant_name": "A", "applicant_is_victim": True, **body}
    payload.setdefault("received_at", timezone.now().isoformat())
    answer = api_client(people.asb_coordinator).post(
        f"/api/v1/cases/{case.pk}/case-reviews/", payload, format="json"
    )
    assert answer.status_code == 400, answer.content
    assert field in fields(answer)
    assert not CaseReviewApplication.objects.filter(case=case).exists()
