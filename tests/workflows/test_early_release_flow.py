from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from cases.models import SupportNeed
from tests.workflows.flows import (
    PATHS,
    case_in,
    new_case,
    refused_from,
    states,
    step,
    transitions_from,
)
from workflows.actions import case_transition
from workflows.errors import InvalidTransitionData
from workflows.models import TransitionLog

pytestmark = pytest.mark.django_db

# The early-release flow as issue 3 specifies it: state -> the transitions allowed from it.
ALLOWED = {
    "notified": {"start_planning"},
    "pre_release_planning": {"record_release"},
    "released": {"start_supervision", "recall"},
    "supervision_active": {"recall", "end_licence"},
    "recalled": {"close"},
    "licence_ended": {"close"},
    "closed": set(),
}


def _steps(case: Any) -> list[str]:
    return list(TransitionLog.objects.filter(case=case).values_list("transition", flat=True))


def test_the_early_release_machine_allows_exactly_the_specified_transitions() -> None:
    assert transitions_from("early_release") == ALLOWED
    assert set(states("early_release")) == set(ALLOWED) == set(PATHS["early_release"])


@pytest.mark.parametrize("state", sorted(ALLOWED))
def test_every_transition_not_allowed_from_an_early_release_state_is_refused(
    people, state: str
) -> None:
    assert refused_from(people, "early_release", state) == []


def test_release_supervision_and_end_of_licence_path(people) -> None:
    case = new_case(people, "early_release")
    assert case.state == "notified"
    assert case.reference.startswith("ERO-")
    assert case.responsible_agency.code == "probation"
    assert case.expected_release_date == timezone.localdate() + timedelta(days=10)
    assert SupportNeed.objects.get(case=case).agency.code == "housing"  # type: ignore[union-attr]
    pp = people.probation
    case = step(case, "start_planning", pp)
    yesterday = timezone.localdate() - timedelta(days=1)
    case = step(case, "record_release", pp, {"actual_release_date": yesterday.isoformat()})
    assert case.released_on == yesterday
    case = step(case, "start_supervision", pp, {"first_appointment_at": timezone.now().isoformat()})
    case = step(case, "end_licence", pp)
    case = step(case, "close", pp)
    assert case.state == "closed"
    assert case.closure_reason == "close for the test"
    assert _steps(case) == [
        "open",
        "start_planning",
        "record_release",
        "start_supervision",
        "end_licence",
        "close",
    ]
    release = TransitionLog.objects.get(case=case, transition="record_release")
    assert release.data == {"actual_release_date": yesterday.isoformat()}


@pytest.mark.parametrize("state", ["released", "supervision_active"])
def test_a_recalled_case_closes_with_its_reason(people, state: str) -> None:
    case = case_in(people, "early_release", state)
    case = step(case, "recall", people.probation)
    assert case.state == "recalled"
    case = case_transition(
        case_id=case.pk, name="close", by=people.probation, reason="Returned to custody"
    )
    assert case.state == "closed"
    assert case.closure_reason == "Returned to custody"
    assert _steps(case)[-2:] == ["recall", "close"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Enter the actual release date."),
        ({"actual_release_date": "next tuesday"}, "Enter a date as YYYY-MM-DD."),
        ({"actual_release_date": "2026-02-30"}, "Enter a date as YYYY-MM-DD."),
        ({"actual_release_date": 20261128}, "Enter a date as YYYY-MM-DD."),
        ({"actual_release_date": "2026-11-29"}, "The date cannot be in the future."),
    ],
    ids=["missing", "words", "impossible-date", "number", "tomorrow"],
)
def test_record_release_needs_a_valid_date_not_in_the_future(
    people, data: dict[str, Any], error: str
) -> None:
    # 23:30 UTC on 28 Nov is still the 28th in London: the 29th is tomorrow there.
    with time_machine.travel("2026-11-28T23:30:00+00:00", tick=False):
        case = case_in(people, "early_release", "pre_release_planning")
        with pytest.raises(InvalidTransitionData) as exc:
            step(case, "record_release", people.probation, data)
    assert exc.value.errors == {"data.actual_release_date": error}
    case.refresh_from_db()
    assert (case.state, case.released_on) == ("pre_release_planning", None)


def test_release_recorded_on_the_day_itself_is_accepted(people) -> None:
    with time_machine.travel("2026-07-01T23:30:00+00:00", tick=False):
        # 00:30 on 2 July in London (BST): "today" is the London date, not the UTC one.
        case = case_in(people, "early_release", "pre_release_planning")
        case = step(case, "record_release", people.probation, {"actual_release_date": "2026-07-02"})
    assert case.released_on == date(2026, 7, 2)


@pytest.mark.parametrize("state", ["recalled", "licence_ended"])
def test_closing_an_early_release_case_needs_a_reason(people, state: str) -> None:
    case = case_in(people, "early_release", state)
    with pytest.raises(InvalidTransitionData) as exc:
        case_transition(case_id=case.pk, name="close", by=people.probation, reason="")
    assert exc.value.errors == {"reason": "Give a reason for this change."}
    case.refresh_from_db()
    assert (case.state, case.closed_at) == (state, None)
