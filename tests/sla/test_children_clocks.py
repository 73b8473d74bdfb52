"""The children's clocks (issue 13, item 3): Operation Encompass and children's social
care's decision.

Sources: Operation Encompass, a statutory police duty under the Victims and Prisoners Act
2024 (the school is told before the next school day); Working Together to Safeguard
Children 2023 (a decision within one working day of a referral). Term dates and school
start times are not modelled: the local default is 08:30 on the next working day.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.personas import raise_referral
from tests.security.conftest import api_client, page_client
from tests.sla.support import deadline, frozen, london
from workflows.actions import case_milestone_record
from workflows.errors import TransitionForbidden
from workflows.models import Deadline, DeadlineStatus

pytestmark = pytest.mark.django_db

ENCOMPASS = "vawg_operation_encompass"
DECISION = "vawg_child_safeguarding_decision"
CHILD = {"role": "child", "full_name": "Robin Young", "age": 8, "school": "Priory Primary"}


def _da_with_children(by: Any, **details: Any) -> Any:
    return raise_referral(
        by,
        "vawg",
        subjects=[
            {"role": "victim", "full_name": "Ann Young", "age": 31},
            {"role": "perpetrator", "full_name": "Rob Young"},
            CHILD,
        ],
        details={"children_in_household": True, **details},
    ).case


def test_a_police_domestic_abuse_referral_with_children_prompts_operation_encompass(
    people: Any,
) -> None:
    # Victims and Prisoners Act 2024: the police notify the school before the next school day.
    with frozen(london(2026, 6, 9, 22)):  # Tuesday night
        case = _da_with_children(people.officer)
    clock = deadline(case, ENCOMPASS)
    assert clock.due_at == london(2026, 6, 10, 8, 30)  # Wednesday, before school
    assert clock.responsible_agency.code == "kestrel-police"
    assert case.details["operation_encompass"]["children"] == 1


def test_the_operation_encompass_clock_skips_the_weekend_and_bank_holidays(people: Any) -> None:
    with frozen(london(2026, 8, 28, 18)):  # Friday before the August bank holiday
        case = _da_with_children(people.officer)
    assert deadline(case, ENCOMPASS).due_at == london(2026, 9, 1, 8, 30)  # Tuesday


@pytest.mark.parametrize("by", ["nurse", "idva"])
def test_only_a_police_referral_prompts_operation_encompass(people: Any, by: str) -> None:
    case = _da_with_children(people.user(by))
    assert "operation_encompass" not in case.details
    assert not Deadline.objects.filter(case=case, policy__code=ENCOMPASS).exists()


def test_no_children_or_not_domestic_abuse_no_operation_encompass(people: Any) -> None:
    case = raise_referral(people.officer, "vawg", details={"children_in_household": False}).case
    assert "operation_encompass" not in case.details
    stalking = raise_referral(
        people.officer,
        "vawg",
        category="stalking",
        details={"children_in_household": True, "children_count": 2},
        summary="Stalking, not domestic abuse",
    ).case
    assert "operation_encompass" not in stalking.details


def test_the_referring_officer_sees_the_prompt_in_outline_and_records_the_school_notified(
    people: Any,
) -> None:
    case = _da_with_children(people.officer)
    officer_api = api_client(people.officer)
    outline = officer_api.get(f"/api/v1/cases/{case.pk}/").json()
    assert outline["visibility"] == "outline"
    assert [p["code"] for p in outline["prompts"]] == ["operation_encompass"]
    assert "subjects" not in outline  # the outline still names nobody
    page = page_client(people.officer).get(f"/cases/{case.reference}/").content.decode()
    assert "Operation Encompass" in page
    assert "Priory Primary" not in page
    assert "Robin Young" not in page
    assert f"/cases/{case.reference}/milestones/notify_school/" in page

    # Only the police record it: the IDVA service, which leads, may not.
    with pytest.raises(TransitionForbidden):
        case_milestone_record(
            case_id=case.pk, milestone="notify_school", by=people.idva, reason="x"
        )
    response = officer_api.post(
        f"/api/v1/cases/{case.pk}/milestones/",
        {"milestone": "notify_school", "reason": "Designated safeguarding lead told by phone"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["prompts"][0]["done"] is True
    clock = deadline(case, ENCOMPASS)
    assert (clock.status, clock.met_by) == (DeadlineStatus.MET, "notify_school")


def test_notify_school_is_not_offered_on_a_case_without_the_prompt(people: Any) -> None:
    case = raise_referral(people.officer, "vawg").case
    response = api_client(people.officer).post(
        f"/api/v1/cases/{case.pk}/milestones/", {"milestone": "notify_school", "reason": "x"}
    )
    assert response.status_code == 409


def test_the_childrens_social_care_decision_is_due_the_next_working_day_at_the_latest(
    people: Any,
) -> None:
    # Working Together 2023: within one working day of the referral.
    with frozen(london(2026, 6, 12, 15)):  # Friday afternoon
        case = raise_referral(
            people.officer, "vawg", subjects=[{"role": "victim", "full_name": "T", "age": 16}]
        ).case
    assert deadline(case, DECISION).due_at == london(2026, 6, 15, 17)  # Monday 17:00
    page = page_client(people.social_worker).get(f"/cases/{case.reference}/").content.decode()
    assert "Children&#x27;s social care decided what response is required" in page
