"""POST /api/v1/cases/{id}/transitions/: each status code the issue names, and If-Match."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from cases.models import Case
from workflows.models import TransitionLog

pytestmark = pytest.mark.django_db


def _url(case: Case) -> str:
    return f"/api/v1/cases/{case.pk}/transitions/"


def _post(client: APIClient, case: Case, body: object, **headers: str) -> Any:
    return client.post(_url(case), body, format="json", headers=headers)


def test_a_transition_returns_the_case_with_its_new_state_version_and_etag(demo, as_user) -> None:
    case = demo.case("asb")
    response = _post(
        as_user("asb_coordinator"),
        case,
        {"transition": "triage", "reason": "Noise nuisance, repeat", "data": {"risk": "medium"}},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["risk"], body["version"]) == ("triaged", "medium", 2)
    assert response.headers["ETag"] == 'W/"2"'
    assert "assign" in body["available_transitions"]
    log = TransitionLog.objects.filter(case=case).order_by("-seq").get(seq=2)
    assert (log.transition, log.actor.username, log.reason) == (  # type: ignore[union-attr]
        "triage",
        "asb_coordinator",
        "Noise nuisance, repeat",
    )


def test_the_detail_etag_sent_back_as_if_match_lets_the_change_through(demo, as_user) -> None:
    client = as_user("asb_coordinator")
    case = demo.case("asb")
    etag = client.get(f"/api/v1/cases/{case.pk}/").headers["ETag"]
    response = _post(client, case, {"transition": "triage", "reason": "ok"}, **{"If-Match": etag})
    assert response.status_code == 200
    assert (
        _post(
            client, case, {"transition": "assign", "reason": "ok"}, **{"If-Match": '"2", "7"'}
        ).status_code
        == 200
    )


def test_a_stale_if_match_is_412_and_changes_nothing(demo, as_user) -> None:
    client = as_user("asb_coordinator")
    case = demo.case("asb")
    first = _post(client, case, {"transition": "triage", "reason": "ok"}, **{"If-Match": 'W/"1"'})
    assert first.status_code == 200
    stale = _post(client, case, {"transition": "assign", "reason": "ok"}, **{"If-Match": 'W/"1"'})
    assert stale.status_code == 412
    assert stale.json()["type"] == "urn:csp-casework:problem:stale-version"
    assert Case.objects.get(pk=case.pk).state == "triaged"


def test_a_malformed_if_match_is_a_400_naming_the_header(demo, as_user) -> None:
    response = _post(
        as_user("asb_coordinator"),
        demo.case("asb"),
        {"transition": "triage", "reason": "ok"},
        **{"If-Match": "yesterday"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "If-Match"


def test_if_match_star_matches_any_version(demo, as_user) -> None:
    response = _post(
        as_user("asb_coordinator"),
        demo.case("asb"),
        {"transition": "triage", "reason": "ok"},
        **{"If-Match": "*"},
    )
    assert response.status_code == 200


def test_a_transition_not_available_from_the_state_is_409(demo, as_user) -> None:
    response = _post(
        as_user("asb_coordinator"), demo.case("asb"), {"transition": "close", "reason": "done"}
    )
    assert response.status_code == 409
    assert "not available from state 'reported'" in response.json()["detail"]


def test_the_loser_of_two_changes_from_the_same_state_gets_409(demo, as_user) -> None:
    coordinator, manager = as_user("asb_coordinator"), as_user("manager")
    case = demo.case("asb")
    assert _post(coordinator, case, {"transition": "triage", "reason": "a"}).status_code == 200
    # The manager read the case in 'reported' and tries the same step: the state moved on.
    assert _post(manager, case, {"transition": "triage", "reason": "b"}).status_code == 409
    assert TransitionLog.objects.filter(case=case, transition="triage").count() == 1


def test_a_transition_outside_the_callers_role_is_403(demo, as_user) -> None:
    # The officer raised the case and sees it in full, but may not triage it.
    response = _post(as_user("officer"), demo.case("asb"), {"transition": "triage", "reason": "x"})
    assert response.status_code == 403
    assert response.json()["type"] == "urn:csp-casework:problem:forbidden"


def test_a_case_the_caller_cannot_see_is_404_not_403(demo, as_user) -> None:
    response = _post(as_user("outsider"), demo.case("asb"), {"transition": "triage", "reason": "x"})
    assert response.status_code == 404
    assert response.json()["detail"] == "Not found."


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"transition": "triage"}, "reason"),
        ({"transition": "triage", "reason": "   "}, "reason"),
        ({"transition": "triage", "reason": "ok", "data": {"risk": "extreme"}}, "data.risk"),
        ({"transition": "triage", "reason": "ok", "data": {"colour": "red"}}, "data.colour"),
        ({"transition": "triage", "reason": "ok", "data": []}, "data"),
        ({"transition": "fly_away", "reason": "ok"}, "transition"),
        ({"reason": "ok"}, "transition"),
        ({"transition": "triage", "reason": "ok", "priority": 1}, "priority"),
        ({"transition": 12, "reason": "ok"}, "transition"),
    ],
)
def test_missing_reason_and_invalid_data_are_400_naming_the_field(
    demo, as_user, body, field
) -> None:
    response = _post(as_user("asb_coordinator"), demo.case("asb"), body)
    assert response.status_code == 400, response.content
    problem = response.json()
    assert field in {e["field"] for e in problem["errors"]}
    assert Case.objects.get(pk=demo.case("asb").pk).version == 1


def test_assign_data_errors_name_the_agency_and_officer(demo, as_user) -> None:
    client = as_user("asb_coordinator")
    case = demo.case("asb")
    _post(client, case, {"transition": "triage", "reason": "ok"})
    response = _post(
        client,
        case,
        {"transition": "assign", "reason": "ok", "data": {"agency": "nowhere", "officer": "x"}},
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"data.agency", "data.officer"}
