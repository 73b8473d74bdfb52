"""Tamper evidence for the audit trail: the per-case seal chain and the verifier.

Every django-auditlog entry about a case (the case row, its subjects, agencies, needs, risk
assessments, MARAC referrals and referrals) gets an ``AuditSeal``: the next link of that
case's HMAC chain, keyed with ``settings.AUDIT_HMAC_KEY`` like the transition log's chain.

Seals are written from auditlog's ``post_log`` signal. That is audit infrastructure, not
workflow logic (STYLE rule 4): it is the one hook every entry passes through (create,
update, delete and access), it runs inside the caller's transaction, and a failure raises
there and rolls the whole change back. A custom LogEntry model would give the same hook at
the price of swapping auditlog's table. ``audit_verify`` also reports any entry about a
case without a seal, so a path that bypasses the signal cannot go unnoticed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from cases.models import Case
from workflows.chain import link_hash, transition_fields
from workflows.models import AuditSeal, TransitionLog

TRANSITION_TABLE = TransitionLog._meta.db_table
SEAL_TABLE = AuditSeal._meta.db_table
LOGENTRY_TABLE = "auditlog_logentry"
VERIFY_BATCH = 500


@functools.cache
def _case_fk(model: type[models.Model]) -> str | None:
    """Attribute holding the case id on rows of ``model``, or None if it has no case."""
    if issubclass(model, Case):
        return "pk"
    for f in model._meta.concrete_fields:
        if f.many_to_one and f.related_model is Case:
            return f.attname
    return None


def case_id_for(instance: models.Model) -> int | None:
    """The case an audited row belongs to, or None if it concerns no case."""
    attr = _case_fk(type(instance))
    return getattr(instance, attr) if attr else None


def case_content_type_ids() -> set[int]:
    """Content types of the audited models whose entries are sealed into a case's chain."""
    from auditlog.registry import auditlog

    return {
        ContentType.objects.get_for_model(m).pk
        for m in auditlog.get_models()
        if _case_fk(m._meta.concrete_model) is not None
    }


def seal_fields(seal: Any, entry: Any) -> dict[str, Any]:
    """The content a seal's hash covers: its place in the chain and the whole entry.

    Works on live and historical (migration) models alike: it only reads attributes.
    """
    ct = ContentType.objects.get_for_id(entry.content_type_id)
    return {
        "case": seal.case_id,
        "seq": seal.seq,
        "entry": entry.pk,
        "content_type": f"{ct.app_label}.{ct.model}",
        "object_pk": entry.object_pk,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "serialized_data": entry.serialized_data,
        "action": entry.action,
        "changes_text": entry.changes_text,
        "changes": entry.changes,
        "actor": entry.actor_id,
        "actor_email": entry.actor_email,
        "cid": entry.cid,
        "remote_addr": entry.remote_addr,
        "remote_port": entry.remote_port,
        "timestamp": entry.timestamp.astimezone(UTC).isoformat(),
        "additional_data": entry.additional_data,
    }


def audit_seal_append(*, entry: Any, case_id: int) -> AuditSeal:
    """Seal ``entry`` as the next link of the case's chain, in the caller's transaction."""
    from auditlog.models import LogEntry

    with transaction.atomic():
        # The services already hold this lock; a write made outside them (admin, shell,
        # a task) takes it here, so two writers never draw the same seq for one case.
        list(Case.objects.select_for_update().filter(pk=case_id).values_list("pk", flat=True))
        # Hash what the database holds (JSON key order, timestamp precision), which is
        # what the verifier will read back.
        stored = LogEntry.objects.get(pk=entry.pk)
        last = AuditSeal.objects.filter(case_id=case_id).order_by("-seq").first()
        seal = AuditSeal(
            log_entry_id=stored.pk,
            case_id=case_id,
            seq=last.seq + 1 if last else 1,
            prev_hash=last.hash if last else "",
        )
        seal.hash = link_hash(seal.prev_hash, seal_fields(seal, stored))
        seal.save(force_insert=True)
    return seal


def _seal_logged_entry(
    sender: Any, instance: Any = None, log_entry: Any = None, **kwargs: Any
) -> None:
    """auditlog post_log receiver: seal entries about a case; ignore everything else."""
    if log_entry is None or instance is None:
        return
    case_id = case_id_for(instance)
    if case_id is not None:
        audit_seal_append(entry=log_entry, case_id=case_id)


def connect_signals() -> None:
    """Called once from WorkflowsConfig.ready()."""
    from auditlog.signals import post_log

    post_log.connect(_seal_logged_entry, dispatch_uid="csp-audit-seal", weak=False)


# --- Verification ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    """The first broken link of one chain (or an entry outside any chain)."""

    case_id: int | None
    case_reference: str
    table: str
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"seq {self.seq}" if self.seq is not None else "no seq"
        return f"case {self.case_reference or '?'} {self.table} {where}: {self.problem}"


@dataclass
class AuditReport:
    cases: int = 0
    transition_rows: int = 0
    seals: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks


@dataclass(frozen=True)
class _Link:
    seq: int
    prev_hash: str
    hash: str
    fields: dict[str, Any] | None  # None: the sealed row itself is missing


def _first_break(links: Sequence[_Link], what: str) -> tuple[int, str] | None:
    """Walk one case's chain from seq 1; return (seq, problem) of the first bad link."""
    if not links:
        return 1, f"the case has no {what} at all"
    expected, prev = 1, ""
    for link in links:
        if link.seq != expected:
            return expected, f"seq {expected} is missing (the next link is seq {link.seq})"
        if link.prev_hash != prev:
            return link.seq, f"prev_hash does not match the hash of seq {expected - 1}"
        if link.fields is None:
            return link.seq, "the sealed audit entry is missing"
        if link_hash(prev, link.fields) != link.hash:
            return link.seq, "the stored hash does not match the row's content"
        expected, prev = link.seq + 1, link.hash
    return None


def _batches(rows: Iterable[tuple[int, str]], size: int) -> Iterable[list[tuple[int, str]]]:
    batch: list[tuple[int, str]] = []
    for i in rows:
        batch.append(i)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def audit_verify() -> AuditReport:
    """Recompute every case's transition-log chain and audit-seal chain.

    Returns the first broken link of each broken chain, plus every audit entry about a
    case that carries no seal. Reads in batches of cases, so memory stays bounded.
    """
    from auditlog.models import LogEntry

    report = AuditReport()
    cases = Case.objects.order_by("pk").values_list("pk", "reference")
    for batch in _batches(cases.iterator(chunk_size=VERIFY_BATCH), VERIFY_BATCH):
        references = dict(batch)
        ids = list(references)
        transitions: dict[int, list[_Link]] = {i: [] for i in ids}
        for row in TransitionLog.objects.filter(case_id__in=ids).order_by("case_id", "seq"):
            transitions[row.case_id].append(
                _Link(row.seq, row.prev_hash, row.hash, transition_fields(row))
            )
        seals = list(AuditSeal.objects.filter(case_id__in=ids).order_by("case_id", "seq"))
        entries = LogEntry.objects.in_bulk([s.log_entry_id for s in seals])
        sealed: dict[int, list[_Link]] = {i: [] for i in ids}
        for seal in seals:
            entry = entries.get(seal.log_entry_id)
            fields = seal_fields(seal, entry) if entry is not None else None
            sealed[seal.case_id].append(_Link(seal.seq, seal.prev_hash, seal.hash, fields))
        for case_id in ids:
            report.cases += 1
            report.transition_rows += len(transitions[case_id])
            report.seals += len(sealed[case_id])
            for table, links, what in (
                (TRANSITION_TABLE, transitions[case_id], "transition log rows"),
                (SEAL_TABLE, sealed[case_id], "sealed audit entries"),
            ):
                found = _first_break(links, what)
                if found:
                    report.breaks.append(
                        ChainBreak(case_id, references[case_id], table, found[0], found[1])
                    )
    unsealed = LogEntry.objects.filter(
        content_type_id__in=case_content_type_ids(), csp_seal__isnull=True
    ).order_by("pk")
    for entry in unsealed.iterator():
        ct = ContentType.objects.get_for_id(entry.content_type_id)
        unsealed_case = _unsealed_case_id(ct, entry)
        reference = (
            Case.objects.filter(pk=unsealed_case).values_list("reference", flat=True).first()
            if unsealed_case is not None
            else None
        )
        report.breaks.append(
            ChainBreak(
                unsealed_case,
                reference or "",
                LOGENTRY_TABLE,
                None,
                f"entry #{entry.pk} ({ct.app_label}.{ct.model} {entry.object_pk}, "
                f"{entry.get_action_display()} at {entry.timestamp.isoformat()}) has no seal",
            )
        )
    return report


def _unsealed_case_id(ct: ContentType, entry: Any) -> int | None:
    """Best effort, for the report only: the case of an entry that has no seal."""
    model = ct.model_class()
    attr = _case_fk(model) if model is not None else None
    if attr == "pk":
        return int(entry.object_id) if entry.object_id is not None else None
    if model is None or attr is None:
        return None
    found: int | None = (
        model._base_manager.filter(pk=entry.object_id).values_list(attr, flat=True).first()
    )
    return found
