"""Retention: erasing the free-text reasons of the transition log (docs/audit.md).

A reason is often personal narrative and the log is kept for ever. Each row's hash covers
an HMAC of its reason (``workflows.chain.reason_digest``), not the text, so the text can be
blanked without breaking the chain: ``reason`` becomes '' and ``reason_erased_at`` records
when. That is the one UPDATE PostgreSQL's trigger lets through on the table (migration
0010), and only the tables' owner may run it: the app role has no UPDATE on audit tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cases.models import CLOSED_STATES, Case
from workflows.models import LONDON, TransitionLog

ERASE_BATCH = 1000


@dataclass(frozen=True)
class ReasonErasure:
    erased: int  # reasons blanked by this run (or that a dry run would blank)
    cases: int  # cases they belong to
    already_erased: int  # in scope, erased by an earlier run
    kept: int  # in scope, written before digests: the hash covers their text


def _in_scope(*, before: date, case: Case | None) -> QuerySet[TransitionLog]:
    cutoff = datetime.combine(before, time(0), tzinfo=LONDON)
    rows = TransitionLog.objects.filter(at__lt=cutoff)
    if case is not None:
        return rows.filter(case=case)
    # Retention runs from closure: a case still open, or closed since, keeps every reason.
    return rows.filter(case__state__in=CLOSED_STATES, case__closed_at__lt=cutoff)


def transition_reasons_erase(
    *, before: date, case: Case | None = None, dry_run: bool = False
) -> ReasonErasure:
    """Blank the reasons written before London's midnight starting ``before``: of cases
    closed before then, or of ``case`` alone (open or not) when it is given.

    Rows written before digests existed cannot be erased (their hash covers the text) and
    are counted as kept. Erases in batches, each its own transaction, so a long run holds
    no lock for long and can be run again after an interruption (it is idempotent).
    """
    rows = _in_scope(before=before, case=case)
    erasable = rows.exclude(reason_digest="").exclude(reason="").filter(reason_erased_at=None)
    already = rows.exclude(reason_erased_at=None).count()
    kept = rows.filter(reason_digest="").exclude(reason="").count()
    if dry_run:
        cases = erasable.order_by().values("case_id").distinct().count()
        return ReasonErasure(erasable.count(), cases, already, kept)
    now = timezone.now()
    erased, case_ids = 0, set[int]()
    while batch := list(erasable.order_by("pk").values_list("pk", "case_id")[:ERASE_BATCH]):
        with transaction.atomic():
            erased += TransitionLog.objects.filter(
                pk__in=[pk for pk, _ in batch], reason_erased_at=None
            ).update(reason="", reason_erased_at=now)
        case_ids.update(case_id for _, case_id in batch)
    return ReasonErasure(erased, len(case_ids), already, kept)
