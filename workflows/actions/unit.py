"""The unit of work every change to a case goes through.

``case_change`` locks the case row, takes one ``now`` and acts as the user; the action
does its work on ``change.case`` and collects events; on a clean exit the unit of work
bumps ``version`` and ``updated_at`` when the case row changed, appends the chained log
row, writes the events to the outbox and re-plans the case's deadlines, in that order,
in the one transaction. On any error nothing is written. A new kind of change is a dozen
lines inside it, never a new copy of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from cases.audit import acting_as
from cases.models import Case
from notifications.services import emit
from partners.models import Agency
from partners.selectors import user_memberships
from workflows.chain import canonical, link_hash, reason_digest, transition_fields
from workflows.errors import ConcurrentChange, InvalidTransitionData
from workflows.models import TransitionLog
from workflows.sla.planning import deadlines_on_transition


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(canonical(data))
    return result


def transition_log_append(
    *,
    case: Case,
    transition: str,
    source: str,
    target: str,
    actor: Any,
    actor_agency: Agency | None,
    reason: str,
    data: dict[str, Any],
    at: datetime,
) -> TransitionLog:
    """Append the next link of the case's chain. The caller holds the case row lock; only
    the unit of work and the open action call this."""
    last = TransitionLog.objects.filter(case=case).order_by("-seq").first()
    row = TransitionLog(
        case=case,
        seq=(last.seq + 1) if last else 1,
        transition=transition,
        source=source,
        target=target,
        actor=actor,
        actor_agency=actor_agency,
        reason=reason,
        # The hash covers this digest, not the text: the text can be erased (retention).
        reason_digest=reason_digest(reason),
        data=_json_safe(data),
        at=at,
        # The case row as this change leaves it: verify_audit compares the live row with it.
        version=case.version,
        responsible_agency_id=case.responsible_agency_id,
        prev_hash=last.hash if last else "",
    )
    row.hash = link_hash(row.prev_hash, transition_fields(row))
    row.save(force_insert=True)
    return row


def acting_agency(user: Any, *, prefer: int | None) -> Agency | None:
    """The agency ``user`` acts for: ``prefer`` (the lead or the responsible agency) if they
    belong to it, else their first membership; None for the system."""
    if user is None:
        return None
    memberships = user_memberships(user)
    for m in memberships:
        if m.agency_id == prefer:
            return m.agency
    return memberships[0].agency if memberships else None


@dataclass
class _Event:
    type: str
    data: dict[str, Any]
    agencies: list[str] | None
    occurred_at: datetime | None
    with_log_seq: bool


@dataclass
class CaseChange:
    """One change to one locked case, as an action sees it inside ``case_change``."""

    case: Case
    by: Any  # a user, or None for the system (the deadline scanner)
    agency: Agency | None
    now: datetime
    name: str
    reason: str
    source: str  # the state before the change
    # What the chained log row records; ``None`` records no row (a scanner step that only
    # tells partners about a deadline, as before this unit of work existed).
    log_data: dict[str, Any] | None = field(default_factory=dict)
    replan: bool = True
    log: TransitionLog | None = None
    _fields: set[str] | None = field(default_factory=set)
    _events: list[_Event] = field(default_factory=list)
    _nothing: bool = False
    _saved: bool = False

    def nothing(self) -> None:
        """The action found nothing to change: leave without writing anything."""
        self._nothing = True

    def changed(self, *fields: str) -> None:
        """Say the case row changed: ``fields`` by name, or every field (a transition,
        whose effects the state machine decides) when none are named."""
        if not fields or self._fields is None:
            self._fields = None
        else:
            self._fields.update(fields)

    def require_reason(self) -> None:
        """Refuse a blank reason: for actions that check availability and permission
        first, so that a refused change says why it was refused, not that a reason is
        missing."""
        if not self.reason:
            raise InvalidTransitionData({"reason": "Give a reason for this change."})

    @property
    def case_changed(self) -> bool:
        return self._fields is None or bool(self._fields)

    def emit(
        self,
        *,
        type: str,
        data: dict[str, Any] | None = None,
        agencies: list[str] | None = None,
        occurred_at: datetime | None = None,
        with_log_seq: bool = False,
    ) -> None:
        """Queue an event for the outbox; written on exit, after the log row, so that
        ``with_log_seq`` can add the row's ``log_seq``."""
        self._events.append(_Event(type, dict(data or {}), agencies, occurred_at, with_log_seq))

    def save_case(self) -> None:
        """Write the case row now rather than on exit (once per change): for an action
        whose rows beside the case should follow the case's own audit entry."""
        case = self.case
        if self.case_changed and not self._saved:
            # One new version per operation that changes the case, however many facts it
            # records (intake opens or joins a case, then may record a duty and a case review
            # flag with the same now): a reader sees each committed change as one version,
            # and a referrer who sees the version but not the flag learns nothing from it.
            if getattr(case, "_csp_version_at", None) != self.now:
                case.version += 1
                case._csp_version_at = self.now  # type: ignore[attr-defined]
            case.updated_at = self.now
            if self._fields is None:
                case.save()
            else:
                case.save(update_fields=sorted({*self._fields, "version", "updated_at"}))
            self._saved = True

    def _finish(self) -> None:
        if self._nothing:
            return
        case = self.case
        self.save_case()
        if self.log_data is not None:
            self.log = transition_log_append(
                case=case,
                transition=self.name,
                source=self.source,
                target=case.state,
                actor=self.by,
                actor_agency=self.agency,
                reason=self.reason,
                data=self.log_data,
                at=self.now,
            )
        for event in self._events:
            data = event.data
            if event.with_log_seq:
                assert self.log is not None, "log_seq asked of a change that logs no row"
                data = {**data, "log_seq": self.log.seq}
            _outbox_emit(
                type=event.type,
                case=case,
                occurred_at=event.occurred_at or self.now,
                data=data,
                agencies=event.agencies,
                actor_id=self.by.pk if self.by is not None else None,
            )
        if self.replan:
            deadlines_on_transition(
                case=case,
                name=self.name,
                source=self.source,
                target=case.state,
                now=self.now,
                by=self.by,
            )


def _outbox_emit(*, type: str, **kwargs: Any) -> None:
    # The one call of the outbox's emit for case events (an import contract says so).
    emit(type=type, **kwargs)


def lock_case(case_id: int, *, model: type[Case] = Case, skip_locked: bool = False) -> Case | None:
    """The case row, locked until the transaction ends; None if ``skip_locked`` and busy."""
    # of=self: the lead agency joined in is read, not locked (other cases share it).
    qs = model.objects.select_for_update(skip_locked=skip_locked, of=("self",)).select_related(
        "responsible_agency"
    )
    return qs.filter(pk=case_id).first()


@contextmanager
def case_change(
    *,
    case_id: int | None = None,
    case: Case | None = None,
    by: Any,
    name: str,
    reason: str,
    expected_version: int | None = None,
    model: type[Case] = Case,
    now: datetime | None = None,
    agency: Agency | None = None,
    durable: bool = False,
    require_reason: bool = True,
) -> Iterator[CaseChange]:
    """Lock case ``case_id`` (or take ``case``, which the caller has already locked in its
    own transaction) and yield a ``CaseChange`` for the action to fill in.

    Raises ConcurrentChange (409/412) when ``expected_version`` is given and stale, and
    InvalidTransitionData when a reason is required and blank. ``durable``: the change is
    its own transaction (an action called from a page, the API or a task); otherwise it
    joins the caller's (intake records several facts about one new case together).
    """
    reason = (reason or "").strip()
    if require_reason and not reason:
        raise InvalidTransitionData({"reason": "Give a reason for this change."})
    with transaction.atomic(durable=durable):
        now = now or timezone.now()
        if case is None:
            assert case_id is not None, "case_change needs case_id or a locked case"
            locked = lock_case(case_id, model=model)
            if locked is None:
                raise model.DoesNotExist(f"no case {case_id}")
            case = locked
        if expected_version is not None and case.version != expected_version:
            raise ConcurrentChange(
                f"case {case.reference} is at version {case.version}, not {expected_version}"
            )
        change = CaseChange(
            case=case,
            by=by,
            agency=agency or acting_agency(by, prefer=case.responsible_agency_id),
            now=now,
            name=name,
            reason=reason,
            source=case.state,
        )
        # The system (by=None) keeps whatever actor the task or command set.
        with acting_as(by) if by is not None else nullcontext():
            yield change
            change._finish()
