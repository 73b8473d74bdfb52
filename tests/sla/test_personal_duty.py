"""A personal duty outlives its case: closing a case with the FGM report still owed leaves
the report's deadlines running until the person who owes it records the report."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases.models import Case, DutyStatus, PersonalDuty
from notifications.models import OutboxEvent
from partners.models import Role
from tests.factories import AgencyFactory, member
from tests.personas import raise_referral
from tests.sla.support import deadline, fgm_case, frozen, go, london
from workflows.actions import (
    FgmDiscovery,
    case_fgm_discovery_record,
    deadlines_scan,
    duty_not_owed_record,
    duty_report_record,
)
from workflows.errors import InvalidTransitionData, TransitionForbidden, TransitionNotAvailable
from workflows.models import (
    Deadline,
    DeadlineStatus,
    DurationUnit,
    SlaPolicy,
    SlaTrigger,
    TransitionLog,
)
from workflows.selectors import duty_last_day

pytestmark = pytest.mark.django_db

REPORT = "vawg_fgm_police_report"
LIMIT = "vawg_fgm_police_report_limit"


def closed_fgm_case(people: Any) -> Case:
    """Known FGM in a girl, raised by the school nurse on Thursday 2 April 2026 at 15:00;
    the IDVA service offers support, it is declined, and the case closes at 16:00."""
    with frozen(london(2026, 4, 2, 15)):
        case = fgm_case(people.nurse)
    with frozen(london(2026, 4, 2, 16)):
        for name in ("assess_risk", "offer_support", "record_support_declined", "close"):
            case = go(case, name, people.idva)
    assert case.state == "closed"
    return case


def test_closing_the_case_leaves_the_personal_duty_running_and_cancels_the_rest(
    people: Any,
) -> None:
    # A lead-agency clock that is still running when the case closes.
    SlaPolicy.objects.create(
        code="vawg_declined_follow_up",
        name="Declined support followed up within 5 working days",
        kind="vawg",
        trigger=SlaTrigger.STATE,
        trigger_state="support_declined",
        duration_unit=DurationUnit.WORKING_DAYS,
        duration_value=5,
        met_by=["activate_safety_plan"],
        source="Test policy",
    )
    case = closed_fgm_case(people)
    for code in (REPORT, LIMIT):
        owed = deadline(case, code)
        assert (owed.status, owed.cancel_reason, owed.responsible_user) == (
            DeadlineStatus.OPEN,
            "",
            people.nurse,
        )
    follow_up = deadline(case, "vawg_declined_follow_up")
    assert (follow_up.status, follow_up.cancel_reason) == (DeadlineStatus.CANCELLED, "case_closed")


def test_an_unreported_duty_on_a_closed_case_still_breaches_at_its_deadline(
    people: Any,
) -> None:
    case = closed_fgm_case(people)
    report = deadline(case, REPORT)
    deadlines_scan(now=report.due_at + timedelta(minutes=1))
    report.refresh_from_db()
    assert (report.status, report.breached_at) == (DeadlineStatus.BREACHED, report.due_at)
    breach = OutboxEvent.objects.get(type="deadline.breached")
    assert breach.data["responsible_user"] == people.nurse.pk


def report(case: Case, by: Any, **overrides: Any) -> PersonalDuty:
    """Record ``by``'s FGM report on ``case`` (their own duty), as the page and API do."""
    duty = PersonalDuty.objects.get(case=case, owed_by=by)
    fields: dict[str, Any] = {
        "reported_at": timezone.now(),
        "method": "oral",
        "police_force": "Kestrel Police",
        "police_reference": "4471",
        **overrides,
    }
    return duty_report_record(duty_id=duty.pk, by=by, **fields)


def test_the_person_who_owes_it_records_the_report_after_the_case_closed(people: Any) -> None:
    case = closed_fgm_case(people)
    with frozen(london(2026, 4, 7, 10)):
        duty = report(case, people.nurse, reported_at=london(2026, 4, 7, 9, 30))
    # FGM Act 2003 s5B(5): to the force where she lives, orally or in writing; the
    # Home Office procedural information asks that the police reference be kept.
    assert (duty.status, duty.police_reference, duty.police_force, duty.report_method) == (
        DutyStatus.REPORTED,
        "4471",
        "Kestrel Police",
        "oral",
    )
    log = TransitionLog.objects.get(case=case, transition="report_fgm_to_police")
    assert (log.actor, log.source, log.target, log.at) == (
        people.nurse,
        "closed",
        "closed",
        london(2026, 4, 7, 10),
    )
    for code in (REPORT, LIMIT):
        met = deadline(case, code)
        assert (met.status, met.met_by, met.met_at) == (
            DeadlineStatus.MET,
            "report_fgm_to_police",
            london(2026, 4, 7, 10),
        )
    event = OutboxEvent.objects.get(type="duty.reported")
    assert event.data == {"duty": "fgm_mandatory_report", "id": duty.pk}
    case.refresh_from_db()
    assert case.state == "closed"
    with pytest.raises(TransitionNotAvailable, match="already recorded"):
        report(case, people.nurse)


def test_nobody_else_may_record_it_after_the_case_closed_either(people: Any) -> None:
    # The duty is personal: it cannot be discharged by a colleague or the safeguarding lead.
    case = closed_fgm_case(people)
    duty = PersonalDuty.objects.get(case=case)
    for other in (people.idva, people.officer, people.manager, people.auditor):
        with pytest.raises(TransitionForbidden, match="someone else's personal duty"):
            duty_report_record(
                duty_id=duty.pk,
                by=other,
                reported_at=timezone.now(),
                method="oral",
                police_force="Kestrel Police",
                police_reference="1",
            )
        with pytest.raises(TransitionForbidden, match="someone else's personal duty"):
            duty_not_owed_record(duty_id=duty.pk, by=other, notified_by="Me", reason="I did")
    assert deadline(case, REPORT).status == DeadlineStatus.OPEN
    assert not TransitionLog.objects.filter(transition="report_fgm_to_police").exists()


def test_a_report_names_its_force_method_and_reference_and_is_not_dated_before_discovery(
    people: Any,
) -> None:
    with frozen(london(2026, 4, 2, 15)):
        case = fgm_case(people.nurse)
    with frozen(london(2026, 4, 3, 10)):
        with pytest.raises(InvalidTransitionData) as missing:
            report(case, people.nurse, police_reference=" ", police_force="", method="fax")
        assert set(missing.value.errors) == {"police_reference", "police_force", "method"}
        with pytest.raises(InvalidTransitionData) as early:
            report(case, people.nurse, reported_at=london(2026, 4, 1, 23))
        assert early.value.errors == {
            "reported_at": "The report cannot be before you discovered the FGM."
        }
        with pytest.raises(InvalidTransitionData) as future:
            report(case, people.nurse, reported_at=london(2026, 4, 3, 11))
        assert set(future.value.errors) == {"reported_at"}
    assert PersonalDuty.objects.get(case=case).status == DutyStatus.OWED
    assert not TransitionLog.objects.filter(transition="report_fgm_to_police").exists()


def test_the_month_runs_from_the_discovery_not_from_the_referral(people: Any) -> None:
    # FGM Act 2003 s5B(5)(c): "before the end of one month from the time when the person
    # making the notification first discovers" it. Told on 20 March, referred on 2 April.
    with frozen(london(2026, 4, 2, 15)):
        case = fgm_case(people.nurse, found=date(2026, 3, 20))
    limit = deadline(case, LIMIT)
    assert limit.clock_from == london(2026, 3, 20, 0)
    assert limit.due_at == london(2026, 4, 20, 0)
    assert duty_last_day(PersonalDuty.objects.get(case=case)) == date(2026, 4, 19)
    # By the end of the next working day after the discovery: already past when referred.
    best = deadline(case, REPORT)
    assert best.due_at < london(2026, 4, 2, 15)


def test_a_discovery_over_a_month_ago_is_flagged_at_once(people: Any) -> None:
    # Discovered on 1 February, referred on 2 April: out of time when recorded.
    with frozen(london(2026, 4, 2, 15)):
        case = fgm_case(people.nurse, found=date(2026, 2, 1))
        deadlines_scan(now=timezone.now())
    limit = deadline(case, LIMIT)
    assert (limit.status, limit.breached_at) == (DeadlineStatus.BREACHED, london(2026, 3, 1, 0))
    breach = OutboxEvent.objects.filter(type="deadline.breached", data__policy=LIMIT).get()
    assert breach.data["responsible_user"] == people.nurse.pk
    # Reported late: met, and the breach stays on record.
    with frozen(london(2026, 4, 2, 16)):
        report(case, people.nurse)
    limit.refresh_from_db()
    assert (limit.status, limit.breached_at) == (DeadlineStatus.MET, london(2026, 3, 1, 0))


def test_each_professional_owes_their_own_duty_from_their_own_discovery(people: Any) -> None:
    # The duty is personal (s5B): a teacher who later discovers the same FGM owes her own
    # report from her own discovery, and the nurse's report does not discharge it.
    with frozen(london(2026, 4, 2, 15)):
        case = fgm_case(people.nurse)
    teacher = member(Role.CASE_WORKER, agency=AgencyFactory.create(code="school", kind="education"))
    with frozen(london(2026, 4, 9, 11)):
        duty = case_fgm_discovery_record(
            case_id=case.pk,
            discovery=FgmDiscovery(
                discovered_on=date(2026, 4, 9), how="observed", known=True, age_at_discovery=15
            ),
            by=teacher,
        )
    assert duty is not None
    assert (duty.owed_by, duty.profession, duty.discovered_on) == (
        teacher,
        "teacher",
        date(2026, 4, 9),
    )
    clocks = Deadline.objects.filter(case=case, policy__code=LIMIT).order_by("due_at")
    assert [(d.responsible_user, d.due_at) for d in clocks] == [
        (people.nurse, london(2026, 5, 2, 0)),
        (teacher, london(2026, 5, 9, 0)),
    ]
    with frozen(london(2026, 4, 10, 9)):
        report(case, people.nurse)
    assert {d.responsible_user: d.status for d in clocks.all()} == {
        people.nurse: DeadlineStatus.MET,
        teacher: DeadlineStatus.OPEN,
    }
    assert PersonalDuty.objects.get(pk=duty.pk).status == DutyStatus.OWED


def test_a_colleague_in_the_same_profession_already_notified_so_the_duty_is_not_owed(
    people: Any,
) -> None:
    # s5B(6): not owed by someone with reason to believe that another person in the same
    # profession has already notified the police of the same act. Its clocks are cancelled,
    # not met, so they count neither as met nor as breached.
    with frozen(london(2026, 4, 2, 15)):
        case = fgm_case(people.nurse)
    duty = PersonalDuty.objects.get(case=case)
    with frozen(london(2026, 4, 2, 16)):
        with pytest.raises(InvalidTransitionData) as blank:
            duty_not_owed_record(duty_id=duty.pk, by=people.nurse, notified_by="", reason="")
        assert set(blank.value.errors) == {"notified_by", "reason"}
        duty = duty_not_owed_record(
            duty_id=duty.pk,
            by=people.nurse,
            notified_by="Dr A Khan, GP",
            reason="She told me she reported it on 101 this morning, ref 8812",
        )
    assert (duty.status, duty.exemption_notified_by) == (DutyStatus.EXEMPT, "Dr A Khan, GP")
    for code in (REPORT, LIMIT):
        gone = deadline(case, code)
        assert (gone.status, gone.cancel_reason) == (DeadlineStatus.CANCELLED, "not_owed_s5b6")
    log = TransitionLog.objects.get(case=case, transition="record_fgm_duty_not_owed")
    assert log.reason == "She told me she reported it on 101 this morning, ref 8812"
    with pytest.raises(TransitionNotAvailable, match="not owed"):
        report(case, people.nurse)


def test_fgm_found_in_a_girl_on_a_domestic_abuse_case_brings_in_childrens_social_care(
    people: Any,
) -> None:
    # FGM in a girl under 18 is child abuse: children's social care is told and an FGM
    # Protection Order considered (FGM Act 2003 s5A; Multi-agency statutory guidance on
    # FGM), whoever finds it, even on a case raised as domestic abuse.
    with frozen(london(2026, 4, 2, 10)):
        case = raise_referral(people.officer, "vawg").case
    assert case.category != "fgm"
    with frozen(london(2026, 4, 2, 15)):
        duty = case_fgm_discovery_record(
            case_id=case.pk,
            discovery=FgmDiscovery(
                discovered_on=date(2026, 4, 2), how="disclosed", known=True, age_at_discovery=17
            ),
            by=people.idva,
        )
    assert duty is None  # an IDVA is not in a regulated profession (s5B(2))
    case.refresh_from_db()
    assert case.details["protection_order"]["order"] == "fgm_protection_order"
    assert set(case.details["child_safeguarding"]["grounds"]) == {"aged_16_or_17", "fgm"}
    assert case.case_agencies.filter(agency__kind="social_care").exists()
    assert deadline(case, "vawg_child_safeguarding_decision").status == DeadlineStatus.OPEN
    names = list(TransitionLog.objects.filter(case=case).values_list("transition", flat=True))
    assert names[-2:] == ["refer_child_safeguarding", "record_fgm_discovery"]
