"""The ASB case review application's steps (ASB, Crime and Policing Act 2014 s104): each
is a change on the case's chain, through the one unit of work, with an event for the
agencies working on the case. The case's own state is never touched: a review is open to
a victim whatever became of their case, closed or no further action included."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone
from django_fsm import can_proceed

from cases.models import MEMBER_ROLES, Case
from partners.models import Agency
from workflows.actions.unit import CaseChange, case_change
from workflows.calendar import LONDON
from workflows.chain import reason_digest
from workflows.errors import InvalidTransitionData, TransitionForbidden, TransitionNotAvailable
from workflows.policy import case_review_refusal
from workflows.review import names
from workflows.review.models import (
    UNDER_WAY,
    CaseReviewApplication,
    CaseReviewComplaint,
    ReviewState,
)
from workflows.review.threshold import Complaint, assess


@dataclass(frozen=True)
class ReliedOn:
    """A complaint the applicant relies on: a referral in this service or one held by
    another body, with what the threshold calculator needs to know of it."""

    complaint: Complaint
    source: str  # ComplaintSource
    description: str = ""


def _member_codes(case: Case) -> list[str]:
    """The agencies working on the case: the events go to them, never to a referrer's
    agency that is not (the applicant is on the complaining side)."""
    codes = set(
        case.case_agencies.filter(role__in=MEMBER_ROLES).values_list("agency__code", flat=True)
    )
    return sorted(codes | {case.responsible_agency.code})


# The case review came into force on 20 October 2014 (ASB, Crime and Policing Act 2014
# s104; SI 2014/2590): no application, complaint or behaviour it counts is older.
IN_FORCE = date(2014, 10, 20)


def _check_complaints(relied_on: list[ReliedOn], *, today: date) -> dict[str, str]:
    """A complaint relied on was made, about behaviour, since the case review began and
    not in the future (both its dates)."""
    keys = [r.complaint.key for r in relied_on]
    for n, r in enumerate(relied_on, start=1):
        c = r.complaint
        for day in (c.behaviour_on, c.complained_on):
            if not IN_FORCE <= day <= today:
                return {
                    "complaints": f"complaint {n}: its dates must be between "
                    f"{IN_FORCE:%d/%m/%Y} and today"
                }
        if keys.count(c.key) > 1:
            return {"complaints": f"complaint {n}: the reference {c.key} is given twice"}
        if c.complained_on < c.behaviour_on:
            return {"complaints": f"complaint {n}: the complaint is dated before the behaviour"}
        if c.same_incident_as and c.same_incident_as not in keys:
            return {
                "complaints": f"complaint {n}: same_incident_as names {c.same_incident_as}, "
                "which is not among the complaints"
            }
    return {}


def case_review_application_record(
    *,
    case_id: int,
    by: Any,
    applicant_name: str,
    applicant_is_victim: bool,
    victim_consent: bool,
    received_at: datetime,
    received_by: Agency,
    relied_on: Iterable[ReliedOn],
    now: datetime | None = None,
) -> CaseReviewApplication:
    """Record an application for an ASB case review on an ASB case in any state.

    Raises TransitionForbidden (not the lead agency's working role, not an ASB case),
    TransitionNotAvailable (an application is already under way) or InvalidTransitionData
    naming the field. Runs the threshold calculator and keeps its answer, complaint by
    complaint; the threshold is still the relevant bodies' decision (s104(3)).
    """
    relied = list(relied_on)
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if not applicant_name.strip():
        errors["applicant_name"] = "Give the applicant's name."
    if not applicant_is_victim and not victim_consent:
        errors["victim_consent"] = (
            "An application on the victim's behalf needs the victim's consent (s104)."
        )
    if received_at > now:
        errors["received_at"] = "The date the application was received cannot be in the future."
    elif received_at < datetime.combine(IN_FORCE, time(0, 0), tzinfo=LONDON):
        errors["received_at"] = (
            f"The case review began on {IN_FORCE:%d %B %Y}: give a date after it."
        )
    errors |= _check_complaints(relied, today=now.astimezone(LONDON).date())
    with case_change(
        case_id=case_id,
        by=by,
        name=names.RECORD_APPLICATION,
        reason="Application for an ASB case review received",
        now=now,
        durable=True,
    ) as change:
        case = change.case
        if refusal := case_review_refusal(user=by, case=case):
            raise TransitionForbidden(refusal)
        if errors:
            raise InvalidTransitionData(errors)
        if CaseReviewApplication.objects.filter(case=case, state__in=UNDER_WAY).exists():
            raise TransitionNotAvailable(
                f"an application for a case review of {case.reference} is already under way"
            )
        assessment = assess([r.complaint for r in relied], at=received_at)
        application = CaseReviewApplication.objects.create(
            case=case,
            applicant_name=applicant_name.strip(),
            applicant_is_victim=applicant_is_victim,
            victim_consent_recorded_at=None if applicant_is_victim else now,
            received_at=received_at,
            received_by=received_by,
            recorded_by=by,
            recorded_at=now,
            calculated_met=assessment.met,
            calculation=assessment.summary,
        )
        source = {r.complaint.key: r for r in relied}
        CaseReviewComplaint.objects.bulk_create(
            CaseReviewComplaint(
                application=application,
                source=source[c.complaint.key].source,
                reference=c.complaint.key,
                body=c.complaint.body,
                complained_on=c.complaint.complained_on,
                behaviour_on=c.complaint.behaviour_on,
                behaviour_at=c.complaint.behaviour_at,
                category=c.complaint.category,
                description=source[c.complaint.key].description,
                same_incident_as=c.complaint.same_incident_as,
                counted=c.counts,
                why=c.why,
            )
            for c in assessment.complaints
        )
        change.log_data = {
            "application": application.pk,
            "complaints": len(relied),
            "counted": assessment.counted,
            "calculated_met": assessment.met,
        }
        change.emit(
            type="case_review.received",
            data={"application": application.pk},
            agencies=_member_codes(case),
        )
    return application


@contextmanager
def _application_change(
    *, application_id: int, by: Any, name: str, reason: str, now: datetime | None = None
) -> Iterator[tuple[CaseChange, CaseReviewApplication]]:
    """One step of an application: the case's unit of work, the application row locked
    after the case (the order every step takes) and the lead agency's permission asked."""
    case_id = (
        CaseReviewApplication.objects.filter(pk=application_id)
        .values_list("case_id", flat=True)
        .first()
    )
    if case_id is None:
        raise CaseReviewApplication.DoesNotExist(f"no case review application {application_id}")
    with case_change(
        case_id=case_id, by=by, name=name, reason=reason, now=now, durable=True
    ) as change:
        if refusal := case_review_refusal(user=by, case=change.case):
            raise TransitionForbidden(refusal)
        application = CaseReviewApplication.objects.select_for_update().get(pk=application_id)
        application.case = change.case
        yield change, application


def _not_now(application: CaseReviewApplication, step: str) -> TransitionNotAvailable:
    return TransitionNotAvailable(
        f"{step}: the application is {application.get_state_display().lower()}"
    )


def case_review_threshold_decide(
    *, application_id: int, met: bool, reasons: str, by: Any, now: datetime | None = None
) -> CaseReviewApplication:
    """The relevant bodies' decision whether the threshold is met, with reasons, which the
    applicant must be told (s104(6)); the reasons are kept on the application, the chain
    holds their digest (other agencies on the case read the history, not the reasons)."""
    name = names.THRESHOLD_MET if met else names.THRESHOLD_NOT_MET
    verdict = "met" if met else "not met"
    with _application_change(
        application_id=application_id,
        by=by,
        name=name,
        reason=f"ASB case review threshold {verdict}",
        now=now,
    ) as (change, application):
        step = application.find_threshold_met if met else application.find_threshold_not_met
        if not can_proceed(step):
            raise _not_now(application, "the threshold is decided once")
        if not reasons.strip():
            raise InvalidTransitionData(
                {"reasons": "Give the reasons for the decision: the applicant is told them."}
            )
        step()
        application.decided_at = change.now
        application.decided_by = by
        application.decision_reasons = reasons.strip()
        application.save()
        change.log_data = {
            "application": application.pk,
            "met": met,
            "reasons_digest": reason_digest(reasons.strip()),
        }
        change.emit(
            type="case_review.threshold_decided",
            data={"application": application.pk, "threshold_met": met},
            agencies=_member_codes(change.case),
        )
    return application


def case_review_decision_told(
    *, application_id: int, by: Any, now: datetime | None = None
) -> CaseReviewApplication:
    """The applicant was told the threshold decision and its reasons (s104(6))."""
    with _application_change(
        application_id=application_id,
        by=by,
        name=names.TELL_DECISION,
        reason="Applicant told the case review threshold decision and its reasons",
        now=now,
    ) as (change, application):
        if application.decided_at is None or application.decision_told_at is not None:
            raise _not_now(application, "the applicant is told the decision once it is made")
        application.decision_told_at = change.now
        application.save(update_fields=["decision_told_at"])
        _told(change, application, "decision")
    return application


def case_review_meeting_record(
    *,
    application_id: int,
    meeting_on: date,
    agencies: Iterable[Agency],
    by: Any,
    now: datetime | None = None,
) -> CaseReviewApplication:
    """The review meeting was held on ``meeting_on`` (not in the future, not before the
    threshold decision) with ``agencies`` present."""
    present = list(agencies)
    with _application_change(
        application_id=application_id,
        by=by,
        name=names.RECORD_MEETING,
        reason="ASB case review meeting held",
        now=now,
    ) as (change, application):
        if not can_proceed(application.hold_meeting):
            raise _not_now(application, "a review meeting follows a decision that it is met")
        errors: dict[str, str] = {}
        today = timezone.localdate(change.now)
        assert application.decided_at is not None
        if meeting_on > today:
            errors["meeting_on"] = "The meeting date cannot be in the future."
        elif meeting_on < timezone.localdate(application.decided_at):
            errors["meeting_on"] = "The meeting cannot be before the threshold decision."
        if not present:
            errors["agencies"] = "Name the agencies present at the meeting."
        if errors:
            raise InvalidTransitionData(errors)
        application.hold_meeting()
        application.meeting_on = meeting_on
        application.save()
        application.meeting_agencies.set(present)
        change.log_data = {
            "application": application.pk,
            "meeting_on": meeting_on.isoformat(),
            "agencies": sorted(a.code for a in present),
        }
        change.emit(
            type="case_review.meeting_held",
            data={"application": application.pk},
            agencies=_member_codes(change.case),
        )
    return application


def case_review_outcome_record(
    *, application_id: int, recommendations: str, by: Any, now: datetime | None = None
) -> CaseReviewApplication:
    """The review's outcome: its recommendations, which may be none (s104(7))."""
    with _application_change(
        application_id=application_id,
        by=by,
        name=names.RECORD_OUTCOME,
        reason="ASB case review outcome recorded",
        now=now,
    ) as (change, application):
        if not can_proceed(application.record_outcome):
            raise _not_now(application, "the outcome follows the review meeting")
        application.record_outcome()
        application.outcome_recorded_at = change.now
        application.recommendations = recommendations.strip()
        application.save()
        change.log_data = {
            "application": application.pk,
            "recommendations": application.has_recommendations,
            "recommendations_digest": reason_digest(application.recommendations),
        }
        change.emit(
            type="case_review.outcome_recorded",
            data={
                "application": application.pk,
                "recommendations": application.has_recommendations,
            },
            agencies=_member_codes(change.case),
        )
    return application


def case_review_outcome_told(
    *, application_id: int, by: Any, now: datetime | None = None
) -> CaseReviewApplication:
    """The applicant was told the outcome and any recommendations (s104(8))."""
    with _application_change(
        application_id=application_id,
        by=by,
        name=names.TELL_OUTCOME,
        reason="Applicant told the case review outcome",
        now=now,
    ) as (change, application):
        if application.state != ReviewState.OUTCOME_RECORDED or application.outcome_told_at:
            raise _not_now(application, "the applicant is told the outcome once it is recorded")
        application.outcome_told_at = change.now
        application.save(update_fields=["outcome_told_at"])
        _told(change, application, "outcome")
    return application


def _told(change: CaseChange, application: CaseReviewApplication, what: str) -> None:
    change.log_data = {"application": application.pk, "told": what}
    change.emit(
        type="case_review.applicant_told",
        data={"application": application.pk, "told": what},
        agencies=_member_codes(change.case),
    )
