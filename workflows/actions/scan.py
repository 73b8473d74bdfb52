"""The deadline scanner: warnings, breaches, escalations and pauses that reached their cap.

Four queries, each served by a partial index on ``Deadline`` named in its comment, claim
due rows with ``SELECT ... FOR UPDATE SKIP LOCKED``, so two scanners never take the same
row and each deadline raises exactly one event per step. Each row is advanced in its own
savepoint: one failing row is recorded on the row (``scan_error``) and skipped for the
rest of the scan, and the others carry on. Breaches and escalations are recorded at the
time the rule fixes (the due time; due + N hours), never the time the scan noticed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from workflows.actions.pause import deadline_resume_in
from workflows.actions.unit import CaseChange, case_change, lock_case
from workflows.models import Deadline, DeadlineStatus, EscalationLevel

logger = logging.getLogger(__name__)

AUDIENCE = {
    EscalationLevel.NONE: "responsible",
    EscalationLevel.RESPONSIBLE_AGENCY: "responsible",
    EscalationLevel.AGENCY_MANAGERS: "agency_managers",
    EscalationLevel.PARTNERSHIP_MANAGER: "partnership_manager",
}


@dataclass
class ScanResult:
    resumed: int = 0
    warned: int = 0
    breached: int = 0
    escalated: int = 0
    failed: int = 0
    busy: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _pause_expired(now: datetime) -> QuerySet[Deadline]:
    # Index deadline_pause_expiry_due.
    return Deadline.objects.filter(
        status=DeadlineStatus.OPEN, paused_at__isnull=False, pause_expires_at__lte=now
    ).order_by("pause_expires_at")


def _breach_due(now: datetime) -> QuerySet[Deadline]:
    # Index deadline_breach_due.
    return Deadline.objects.filter(
        status=DeadlineStatus.OPEN, paused_at__isnull=True, due_at__lte=now
    ).order_by("due_at")


def _warning_due(now: datetime) -> QuerySet[Deadline]:
    # Index deadline_warning_due. Rows already due are breached instead of warned.
    return Deadline.objects.filter(
        status=DeadlineStatus.OPEN,
        paused_at__isnull=True,
        warned_at__isnull=True,
        warn_at__lte=now,
        due_at__gt=now,
    ).order_by("warn_at")


def _escalation_due(now: datetime) -> QuerySet[Deadline]:
    # Index deadline_escalation_due.
    return Deadline.objects.filter(
        status=DeadlineStatus.BREACHED, escalate_next_at__isnull=False, escalate_next_at__lte=now
    ).order_by("escalate_next_at")


# Pauses first: a clock resumed at its cap may be due, and is then breached in this scan.
PHASES: tuple[Callable[[datetime], QuerySet[Deadline]], ...] = (
    _pause_expired,
    _breach_due,
    _warning_due,
    _escalation_due,
)


def deadlines_scan(
    *, now: datetime | None = None, batch_size: int | None = None, max_batches: int = 50
) -> ScanResult:
    """Advance every deadline that is due for a step; safe to run in several processes."""
    # UTC, as the database returns it: the audit chain hashes the instant's ISO text.
    now = (now or timezone.now()).astimezone(UTC)
    size = batch_size or settings.SLA_SCAN_BATCH_SIZE
    result = ScanResult()
    skip: set[int] = set()  # rows that failed or were busy: not retried in this scan
    for phase in PHASES:
        for _ in range(max_batches):
            if _scan_batch(phase(now), now=now, size=size, skip=skip, result=result) < size:
                break
    return result


def _scan_batch(
    due: QuerySet[Deadline], *, now: datetime, size: int, skip: set[int], result: ScanResult
) -> int:
    with transaction.atomic():
        rows = list(
            due.exclude(pk__in=skip)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("policy", "responsible_agency")[:size]
        )
        for deadline in rows:
            try:
                with transaction.atomic():
                    done = deadline_advance(deadline=deadline, now=now)
            except Exception as exc:
                logger.exception("deadline %s: scan failed", deadline.pk)
                skip.add(deadline.pk)
                result.failed += 1
                Deadline.objects.filter(pk=deadline.pk).update(
                    scan_failures=F("scan_failures") + 1,
                    scan_error=f"{now.isoformat()} {type(exc).__name__}: {exc}"[:2000],
                )
                continue
            if done is None:
                skip.add(deadline.pk)
                result.busy += 1
                continue
            for key, count in done.items():
                setattr(result, key, getattr(result, key) + count)
    return len(rows)


def deadline_advance(*, deadline: Deadline, now: datetime) -> dict[str, int] | None:
    """Take every step that is due on a claimed deadline row; None if its case is busy.

    The case row is taken with SKIP LOCKED: a transition holding it waits for this row,
    and the outbox insert would wait for the case, so waiting here could deadlock. The
    steps are one change to the case, made as the system: a resumed pause is a row on its
    chain; warnings, breaches and escalations are events to partners and write no row.
    """
    case = lock_case(deadline.case_id, skip_locked=True)
    if case is None:
        return None
    done = {"resumed": 0, "warned": 0, "breached": 0, "escalated": 0}
    with case_change(
        case=case, by=None, name="scan", reason="", now=now, require_reason=False
    ) as change:
        change.log_data, change.replan = None, False
        if deadline.status == DeadlineStatus.OPEN and deadline.paused_at is not None:
            assert deadline.pause_expires_at is not None
            if deadline.pause_expires_at > now:
                change.nothing()
                return done
            hours = deadline.policy.max_pause_hours
            change.name = "resume_sla"
            change.reason = f"The maximum pause of {hours} hours was reached: the clock restarted."
            deadline_resume_in(change, deadline=deadline)
            done["resumed"] += 1
        if deadline.status == DeadlineStatus.OPEN:
            if deadline.due_at <= now:
                _breach(deadline, change=change)
                done["breached"] += 1
            elif deadline.warned_at is None and deadline.warn_at <= now:
                deadline.warned_at = now
                _emit(deadline, change=change, type="deadline.approaching", occurred_at=now)
                done["warned"] += 1
        # A scanner that was down catches up one event per rung, each at its own time.
        while (
            deadline.status == DeadlineStatus.BREACHED
            and deadline.escalate_next_at is not None
            and deadline.escalate_next_at <= now
        ):
            _escalate(deadline, change=change)
            done["escalated"] += 1
        deadline.scan_error = ""
        deadline.updated_at = now
        deadline.save()
    return done


def _breach(deadline: Deadline, *, change: CaseChange) -> None:
    deadline.status = DeadlineStatus.BREACHED
    deadline.breached_at = deadline.due_at
    deadline.escalation_level = EscalationLevel.RESPONSIBLE_AGENCY
    deadline.escalated_at = deadline.due_at
    deadline.escalate_next_at = deadline.due_at + timedelta(
        hours=deadline.policy.escalate_managers_after_hours
    )
    _emit(deadline, change=change, type="deadline.breached", occurred_at=deadline.due_at)


def _escalate(deadline: Deadline, *, change: CaseChange) -> None:
    at = deadline.escalate_next_at
    assert at is not None
    deadline.escalation_level += 1
    deadline.escalated_at = at
    if deadline.escalation_level == EscalationLevel.AGENCY_MANAGERS:
        deadline.escalate_next_at = deadline.due_at + timedelta(
            hours=deadline.policy.escalate_partnership_after_hours
        )
    else:
        deadline.escalate_next_at = None
    _emit(deadline, change=change, type="deadline.escalated", occurred_at=at)


def _emit(deadline: Deadline, *, change: CaseChange, type: str, occurred_at: datetime) -> None:
    level = EscalationLevel(deadline.escalation_level)
    agencies = [deadline.responsible_agency.code]
    partnership = settings.SLA_PARTNERSHIP_AGENCY
    if level == EscalationLevel.PARTNERSHIP_MANAGER and partnership not in ("", *agencies):
        agencies.append(partnership)
    # Ids and codes only: the outbox carries no personal data.
    data: dict[str, Any] = {
        "deadline": deadline.pk,
        "policy": deadline.policy.code,
        "due_at": deadline.due_at.isoformat(),
        "level": int(level),
        "audience": AUDIENCE[level],
        "responsible_agency": deadline.responsible_agency.code,
        "responsible_user": deadline.responsible_user_id,
    }
    change.emit(type=type, data=data, agencies=agencies, occurred_at=occurred_at)
