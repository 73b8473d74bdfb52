"""MARAC and VAWG risk as SafeLives practice has it (issue 13, items 1 and 2).

Sources: SafeLives, "Dash risk checklist quick start guidance" (professional judgement may
raise a level, never downgrade an actuarial 14+; any agency may refer) and the SafeLives
MARAC guidance (a repeat: any instance of abuse between the same victim and perpetrator
within 12 months of the last MARAC referral, referred again whatever the risk level).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cases.access import EVENT_BUS
from cases.models import Case, CaseAgency, CaseAgencyRole
from notifications.models import OutboxEvent
from notifications.routing import event_recipients, event_visible
from partners.models import Agency, Role
from tests.factories import member
from tests.personas import dash
from tests.sla.support import deadline
from tests.workflows.flows import case_in, new_case, step
from workflows.actions import case_milestone_record, case_set_risk
from workflows.errors import InvalidTransitionData, TransitionForbidden, TransitionNotAvailable
from workflows.models import Deadline, DeadlineStatus, MaracReferral, RiskAssessment
from workflows.policy import available_transitions

pytestmark = pytest.mark.django_db

MARAC_CLOCKS = [
    "vawg_marac_referral",
    "vawg_marac_referral_reassessed",
    "vawg_marac_repeat_referral",
]


def _manager() -> Any:
    return member(Role.MANAGER, agency="victim-services", username="vs_manager")


def _open_marac_clocks(case: Case) -> list[str]:
    return list(
        Deadline.objects.filter(
            case_id=case.pk, policy__code__in=MARAC_CLOCKS, status=DeadlineStatus.OPEN
        ).values_list("policy__code", flat=True)
    )


# --- Item 1: a high-risk victim is not kept out of MARAC unnoticed -------------------------


def test_an_idva_reassessment_keeps_the_referrers_high_judgement(people) -> None:
    case = new_case(people, "vawg", details={"dash": dash(3), "professional_judgement": "high"})
    case = step(case, "assess_risk", people.idva, {"professional_judgement": "standard"})
    assert case.risk == "high"
    assessment = RiskAssessment.objects.get(case=case)
    assert (assessment.professional_judgement, assessment.risk) == ("standard", "high")


def test_a_lower_dash_does_not_lower_the_case_by_itself(people) -> None:
    case = new_case(people, "vawg")  # the referrer's DASH: 15 yes
    case = step(case, "assess_risk", people.idva, {"dash": dash(3)})
    assert case.risk == "high"  # only a manager lowers it
    assert RiskAssessment.objects.get(case=case).risk == "standard"


def test_risk_stays_high_while_a_marac_criterion_holds_until_marac_has_heard_it(people) -> None:
    manager = _manager()
    case = step(new_case(people, "vawg"), "assess_risk", people.idva)  # DASH 15
    with pytest.raises(InvalidTransitionData) as refused:
        case_set_risk(case_id=case.pk, risk="medium", by=manager, reason="Moved away")
    assert "dash_14_plus" in refused.value.errors["risk"]
    case.refresh_from_db()
    assert case.risk == "high"

    case = step(case, "refer_to_marac", people.idva)
    with pytest.raises(InvalidTransitionData):  # referred, not yet heard
        case_set_risk(case_id=case.pk, risk="medium", by=manager, reason="Moved away")
    case = step(case, "record_marac_hearing", people.idva)
    case = case_set_risk(case_id=case.pk, risk="medium", by=manager, reason="MARAC action plan")
    assert case.risk == "medium"


def test_only_a_manager_downgrades_and_the_referrer_is_told_in_person(people) -> None:
    case = case_in(people, "vawg", "marac_heard")
    with pytest.raises(TransitionForbidden):
        case_set_risk(case_id=case.pk, risk="medium", by=people.idva, reason="Plan in place")
    case_set_risk(case_id=case.pk, risk="medium", by=_manager(), reason="Plan in place")
    event = OutboxEvent.objects.filter(case=case, type="case.risk_changed").latest("pk")
    assert event.data == {"from_risk": "high", "to_risk": "medium", "downgrade": True}
    assert people.officer in event_recipients(event).users  # the referrer
    police = Agency.objects.get(code="kestrel-police")
    assert not event_visible(event, to=police)  # not the referring agency's endpoints
    assert not event_visible(event, to=EVENT_BUS)


def test_a_running_marac_clock_ends_only_by_a_referral_or_a_recorded_decision(people) -> None:
    case = case_in(people, "vawg", "risk_assessed", details={"dash": dash(3)})
    case = step(case, "reassess_risk", people.idva, {"dash": dash(3)})
    case = case_set_risk(case_id=case.pk, risk="high", by=people.idva, reason="Threats to kill")
    assert _open_marac_clocks(case) == ["vawg_marac_referral"]
    # No MARAC criterion holds (a hand-raised level): a manager may lower it, and the
    # clock still runs, to breach if nobody decides.
    case = case_set_risk(case_id=case.pk, risk="medium", by=_manager(), reason="Order granted")
    assert _open_marac_clocks(case) == ["vawg_marac_referral"]
    with pytest.raises(InvalidTransitionData):
        case_milestone_record(
            case_id=case.pk, milestone="record_marac_decision", by=people.idva, reason=""
        )
    case_milestone_record(
        case_id=case.pk,
        milestone="record_marac_decision",
        by=people.idva,
        reason="Chair agreed: not a MARAC case; IDVA support continues",
    )
    met = deadline(case, "vawg_marac_referral")
    assert (met.status, met.met_by) == ("met", "record_marac_decision")


# --- Item 2: any agency refers, reassessment and a way back to MARAC ----------------------


def test_any_agency_working_on_the_case_may_refer_it_to_marac(people) -> None:
    case = step(new_case(people, "vawg"), "assess_risk", people.idva)
    police = Agency.objects.get(code="kestrel-police")
    assert "refer_to_marac" not in available_transitions(case=case, user=people.officer)
    with pytest.raises(TransitionForbidden):  # the referrer, not working on the case
        step(case, "refer_to_marac", people.officer)
    CaseAgency.objects.create(
        case=case, agency=police, role=CaseAgencyRole.PARTICIPANT, added_at=case.opened_at
    )
    with pytest.raises(TransitionForbidden):
        step(case, "refer_to_marac", people.auditor)
    assert "refer_to_marac" in available_transitions(case=case, user=people.officer)
    case = step(case, "refer_to_marac", people.officer)
    assert case.state == "marac_referred"
    referral = MaracReferral.objects.get(case=case)
    assert (referral.referred_by, referral.grounds) == (people.officer, ["dash_14_plus"])


def test_a_reassessment_in_a_later_state_can_raise_the_risk_and_start_one_clock(people) -> None:
    case = case_in(people, "vawg", "support_offered")
    assert case.risk == "standard"
    case = step(case, "reassess_risk", people.idva, {"dash": dash(15)})
    assert (case.state, case.risk) == ("support_offered", "high")
    assert _open_marac_clocks(case) == ["vawg_marac_referral_reassessed"]
    case = step(case, "reassess_risk", people.idva, {"dash": dash(16)})
    assert _open_marac_clocks(case) == ["vawg_marac_referral_reassessed"]  # one duty, one clock
    case = step(case, "refer_to_marac", people.idva)
    assert case.state == "marac_referred"
    assert _open_marac_clocks(case) == []


def test_a_heard_case_can_go_back_to_marac(people) -> None:
    case = case_in(people, "vawg", "safety_plan_active", details={"dash": dash(3)})
    with pytest.raises(TransitionNotAvailable, match="conditions"):
        step(case, "refer_to_marac", people.idva)  # standard risk and no repeat
    case = step(case, "reassess_risk", people.idva, {"dash": dash(3), "escalation": True})
    case = step(case, "refer_to_marac", people.idva)
    assert MaracReferral.objects.get(case=case).grounds == ["potential_escalation"]


# --- Repeats --------------------------------------------------------------------------------

VICTIM = {
    "role": "victim",
    "full_name": "Alice Victim",
    "identifiers": {"nhs_number": "9434765919"},
}
ABUSER = {"role": "perpetrator", "full_name": "Bob Partner", "identifiers": {"pnc_id": "12/34567A"}}


def _referred(people: Any) -> Case:
    case = new_case(people, "vawg", subjects=[VICTIM, ABUSER])
    case = step(case, "assess_risk", people.idva)
    return step(case, "refer_to_marac", people.idva)


def test_a_new_incident_within_12_months_is_a_repeat_referred_whatever_the_risk(people) -> None:
    _referred(people)
    again = new_case(
        people,
        "vawg",
        subjects=[VICTIM, ABUSER],
        details={"dash": dash(2)},
        summary="A further incident at the same address.",
    )
    assert again.risk == "standard"
    assert again.details["marac_repeat"]["case"] != again.reference
    assert _open_marac_clocks(again) == ["vawg_marac_repeat_referral"]
    assert "refer_to_marac" in available_transitions(case=again, user=people.idva)
    again = step(again, "refer_to_marac", people.idva)
    assert MaracReferral.objects.get(case=again).grounds == ["repeat"]
    assert _open_marac_clocks(again) == []


def test_the_repeat_flag_is_for_those_working_on_the_case_not_the_referrer(people) -> None:
    _referred(people)
    again = new_case(people, "vawg", subjects=[VICTIM, ABUSER], summary="Another incident.")
    flag = OutboxEvent.objects.get(case=again, type="case.marac_repeat")
    assert flag.data == {}
    assert not event_visible(flag, to=people.officer)  # who referred it sees an outline
    assert event_visible(flag, to=people.idva)


@pytest.mark.parametrize(
    "subjects",
    [
        # Names alone never match: a false repeat puts a stranger's case before MARAC.
        [{"role": "victim", "full_name": "Alice Victim"}, ABUSER],
        [VICTIM, {"role": "perpetrator", "full_name": "Bob Partner"}],
        [VICTIM, {**ABUSER, "identifiers": {"pnc_id": "99/99999Z"}}],
    ],
    ids=["victim-by-name-only", "perpetrator-by-name-only", "another-perpetrator"],
)
def test_no_repeat_without_the_same_victim_and_perpetrator_by_identifier(
    people, subjects: list[dict[str, Any]]
) -> None:
    _referred(people)
    other = new_case(people, "vawg", subjects=subjects, summary="A different matter.")
    assert "marac_repeat" not in other.details
    assert _open_marac_clocks(other) == []


def test_no_repeat_more_than_12_months_after_the_last_referral(people) -> None:
    first = _referred(people)
    MaracReferral.objects.filter(case=first).update(
        referred_at=first.opened_at - timedelta(days=366)
    )
    again = new_case(people, "vawg", subjects=[VICTIM, ABUSER], summary="Much later.")
    assert "marac_repeat" not in again.details


def test_the_case_page_shows_the_criteria_and_the_repeat_to_those_working_on_it(people) -> None:
    from django.test import Client

    first = _referred(people)
    again = new_case(people, "vawg", subjects=[VICTIM, ABUSER], summary="Seen on the page.")
    client = Client()
    client.force_login(people.idva)
    page = client.get(f"/cases/{again.reference}/").content.decode()
    assert "Repeat MARAC" in page
    assert f"the MARAC referral of {first.reference}" in page
    assert "dash_14_plus, repeat" in page
