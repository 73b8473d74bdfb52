"""The FGM mandatory reporting duty: a discovery recorded, a duty owed, reported or found
not owed (FGM Act 2003 s5B; the rule of who owes it is ``cases.duties``).

Each is a change on the case's chain. A duty is one person's: it starts its own clocks
from that person's discovery (``workflows.sla.planning``), which end only when that person
records the report or that the duty is not owed, whether or not the case is still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from cases.duties import FGM_DUTY, FGM_DUTY_BASIS, fgm_duty_profession
from cases.models import (
    Case,
    DiscoveredHow,
    DutyStatus,
    PersonalDuty,
    ReportMethod,
)
from partners.models import Agency
from workflows.actions.children import case_child_safeguarding_refer
from workflows.actions.unit import CaseChange, case_change
from workflows.calendar import LONDON
from workflows.errors import InvalidTransitionData, TransitionForbidden, TransitionNotAvailable
from workflows.policy import duty_refusal, fgm_discovery_agency, fgm_discovery_refusal

# The names these changes take on the chain; planning starts the duty's clocks on the
# first (workflows/sla/policies.py: trigger_event) and ends them after the other two.
RECORD_FGM_DUTY = "record_fgm_duty"
RECORD_FGM_DISCOVERY = "record_fgm_discovery"
REPORT_FGM_TO_POLICE = "report_fgm_to_police"
RECORD_FGM_NOT_OWED = "record_fgm_duty_not_owed"


@dataclass(frozen=True)
class FgmDiscovery:
    """What a professional says about FGM they found: when they first discovered it, how
    (she told them, or they saw signs), whether it is known or only suspected, and her
    age when they discovered it."""

    discovered_on: date
    how: str
    known: bool
    age_at_discovery: int | None

    def problems(self, *, today: date) -> dict[str, str]:
        errors: dict[str, str] = {}
        if self.discovered_on > today:
            errors["discovered_on"] = "The date of discovery cannot be in the future."
        if self.how not in DiscoveredHow.values:
            errors["discovered_how"] = "Say whether she told you (disclosed) or you saw signs."
        if self.age_at_discovery is not None and not 0 <= self.age_at_discovery <= 120:
            errors["age_at_discovery"] = "Give her age as a whole number from 0 to 120."
        return errors


def duty_record_in(
    change: CaseChange, *, discovery: FgmDiscovery, agency: Agency, referral_reference: str
) -> PersonalDuty | None:
    """Inside ``change``: the duty ``discovery`` puts on the person making the change, if it
    puts one on them and they do not already owe it on this case (their first discovery
    anchors it). Renames the change to ``record_fgm_duty``, which starts its clocks."""
    profession = fgm_duty_profession(
        known=discovery.known, age_at_discovery=discovery.age_at_discovery, agency_kind=agency.kind
    )
    if profession is None or discovery.age_at_discovery is None:
        return None
    if PersonalDuty.objects.filter(case=change.case, duty=FGM_DUTY, owed_by=change.by).exists():
        return None
    duty = PersonalDuty.objects.create(
        case=change.case,
        duty=FGM_DUTY,
        owed_by=change.by,
        agency=agency,
        profession=profession,
        basis=FGM_DUTY_BASIS,
        referral=referral_reference,
        discovered_on=discovery.discovered_on,
        discovered_how=discovery.how,
        age_at_discovery=discovery.age_at_discovery,
        recorded_at=change.now,
    )
    change.name = RECORD_FGM_DUTY
    change.reason = f"{FGM_DUTY_BASIS}; discovered {discovery.discovered_on.isoformat()}"
    change.log_data = {
        **(change.log_data or {}),
        "duty": duty.pk,
        "owed_by": change.by.pk,
        "discovered_on": discovery.discovered_on.isoformat(),
    }
    # Ids only: a discovery late for the month is flagged by its clock, already breached.
    change.emit(type="duty.recorded", data={"duty": FGM_DUTY, "id": duty.pk})
    return duty


def case_personal_duty_record(
    *,
    case: Case,
    discovery: FgmDiscovery,
    referral_reference: str,
    by: Any,
    agency: Agency,
    now: datetime,
) -> PersonalDuty | None:
    """Intake: the duty a referral's FGM puts on the person raising it, if any, recorded
    in the intake's own transaction (the caller holds the case row lock)."""
    with case_change(
        case=case, by=by, agency=agency, now=now, name=RECORD_FGM_DUTY, reason=FGM_DUTY_BASIS
    ) as change:
        duty = duty_record_in(
            change, discovery=discovery, agency=agency, referral_reference=referral_reference
        )
        if duty is None:
            change.nothing()
        else:
            change.changed("updated_at")
    return duty


def case_fgm_discovery_record(
    *, case_id: int, discovery: FgmDiscovery, by: Any, now: datetime | None = None
) -> PersonalDuty | None:
    """FGM discovered on a case already open (say, by a nurse who sees the girl later). The
    discovery is on the chain whoever records it; a regulated professional who discovered
    known FGM in a girl under 18 also owes the report from that day (returned)."""
    now = now or timezone.now()
    errors = discovery.problems(today=now.astimezone(LONDON).date())
    if errors:
        raise InvalidTransitionData(errors)
    with case_change(
        case_id=case_id,
        by=by,
        now=now,
        name=RECORD_FGM_DISCOVERY,
        reason="FGM discovered: " + ("known" if discovery.known else "suspected"),
        durable=True,
    ) as change:
        agency = fgm_discovery_agency(user=by, case=change.case)
        if refusal := fgm_discovery_refusal(user=by, case=change.case):
            raise (TransitionForbidden if agency is None else TransitionNotAvailable)(refusal)
        assert agency is not None
        change.agency = agency
        change.log_data = {
            "discovered_on": discovery.discovered_on.isoformat(),
            "discovered_how": discovery.how,
            "known": discovery.known,
            "under_18": discovery.age_at_discovery is not None and discovery.age_at_discovery < 18,
        }
        change.case.details = {**change.case.details, "fgm_discovered": True}
        change.changed("details")
        duty = duty_record_in(change, discovery=discovery, agency=agency, referral_reference="")
        change.emit(type="case.fgm_discovery_recorded", data={})
        # FGM, known or suspected, in a girl under 18 is child abuse: children's social care
        # is told and an FGM Protection Order considered (FGM Act 2003 s5A; Multi-agency
        # statutory guidance on FGM), whoever found it.
        case_child_safeguarding_refer(
            case=change.case,
            victim_age=discovery.age_at_discovery,
            by=by,
            agency=agency,
            now=change.now,
            practice="fgm",
        )
    return duty


def duty_report_record(
    *,
    duty_id: int,
    by: Any,
    reported_at: datetime,
    method: str,
    police_force: str,
    police_reference: str,
    now: datetime | None = None,
) -> PersonalDuty:
    """The person who owes the duty made the report (s5B(5)): to the force for the area
    where the girl lives, orally or in writing, keeping the police reference. Meets their
    clocks, on an open or a closed case."""
    now = now or timezone.now()
    case_id = PersonalDuty.objects.values_list("case_id", flat=True).get(pk=duty_id)
    with case_change(
        case_id=case_id,
        by=by,
        now=now,
        name=REPORT_FGM_TO_POLICE,
        reason="FGM reported to the police (FGM Act 2003 s5B)",
        durable=True,
    ) as change:
        duty = _owed_duty(duty_id, by=by)
        errors: dict[str, str] = {}
        police_force, police_reference = police_force.strip(), police_reference.strip()
        if method not in ReportMethod.values:
            errors["method"] = "Say whether you reported it orally or in writing."
        if not police_force:
            errors["police_force"] = "Name the police force for the area where the girl lives."
        elif len(police_force) > 100:
            errors["police_force"] = "Use 100 characters or fewer."
        if not police_reference:
            errors["police_reference"] = "Give the reference the police gave you."
        elif len(police_reference) > 50:
            errors["police_reference"] = "Use 50 characters or fewer."
        if reported_at > now:
            errors["reported_at"] = "The time of the report cannot be in the future."
        elif reported_at.astimezone(LONDON).date() < duty.discovered_on:
            errors["reported_at"] = "The report cannot be before you discovered the FGM."
        if errors:
            raise InvalidTransitionData(errors)
        duty.status = DutyStatus.REPORTED
        duty.reported_at = reported_at
        duty.report_method = method
        duty.police_force = police_force
        duty.police_reference = police_reference
        duty.closed_at = now
        duty.save()
        change.agency = duty.agency
        change.changed("updated_at")
        # The reference stays in the duty, read by those who see the case in full.
        change.log_data = {"duty": duty.pk, "reported_at": reported_at.isoformat()}
        change.emit(type="duty.reported", data={"duty": FGM_DUTY, "id": duty.pk})
    return duty


def duty_not_owed_record(
    *, duty_id: int, by: Any, notified_by: str, reason: str, now: datetime | None = None
) -> PersonalDuty:
    """s5B(6): the person has reason to believe that someone in the same profession has
    already notified the police of the same act, so the duty does not apply to them. They
    say who and why; their clocks are cancelled, not met."""
    now = now or timezone.now()
    case_id = PersonalDuty.objects.values_list("case_id", flat=True).get(pk=duty_id)
    with case_change(
        case_id=case_id,
        by=by,
        now=now,
        name=RECORD_FGM_NOT_OWED,
        reason=reason,
        durable=True,
        require_reason=False,
    ) as change:
        duty = _owed_duty(duty_id, by=by)
        errors: dict[str, str] = {}
        notified_by, reason = notified_by.strip(), reason.strip()
        if not notified_by:
            errors["notified_by"] = (
                f"Name the {duty.get_profession_display().lower()} who already notified the police."
            )
        elif len(notified_by) > 200:
            errors["notified_by"] = "Use 200 characters or fewer."
        if not reason:
            errors["reason"] = "Say why you believe they have already notified the police."
        if errors:
            raise InvalidTransitionData(errors)
        duty.status = DutyStatus.EXEMPT
        duty.exemption_notified_by = notified_by
        duty.exemption_reason = reason
        duty.closed_at = now
        duty.save()
        change.agency = duty.agency
        change.reason = reason
        change.changed("updated_at")
        change.log_data = {"duty": duty.pk}
        change.emit(type="duty.not_owed", data={"duty": FGM_DUTY, "id": duty.pk})
    return duty


def _owed_duty(duty_id: int, *, by: Any) -> PersonalDuty:
    """The duty, locked under its case's lock, if ``by`` owes it and it is still owed."""
    duty = PersonalDuty.objects.select_related("agency").get(pk=duty_id)
    if refusal := duty_refusal(duty=duty, user=by):
        if duty.owed_by_id != getattr(by, "pk", None):
            raise TransitionForbidden(refusal)
        raise TransitionNotAvailable(refusal)
    return duty
