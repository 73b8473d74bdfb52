"""Tamper evidence for the audit trail: the seal chains and the verifier.

Every django-auditlog entry gets an ``AuditSeal``, keyed with ``settings.AUDIT_HMAC_KEY``
like the transition log's chain. An entry about a case (the case row, its subjects,
agencies, needs, risk assessments, MARAC referrals and referrals) is the next link of that
case's chain; every other entry (role grants, agencies, endpoints, subscriptions, SLA
policies, routing rules, wards, holidays) is the next link of the one global chain.

Seals are written from auditlog's ``post_log`` signal. That is audit infrastructure, not
workflow logic (STYLE rule 4): it is the one hook every entry passes through (create,
update, delete and access), it runs inside the caller's transaction, and a failure raises
there and rolls the whole change back. A custom LogEntry model would give the same hook at
the price of swapping auditlog's table. ``audit_verify`` also reports any entry without
a seal, so a path that bypasses the signal cannot go unnoticed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction

from cases.models import Case
from web.locks import advisory_xact_lock
from workflows.chain import link_hash, reason_problem, transition_fields
from workflows.models import AuditSeal, TransitionLog

TRANSITION_TABLE = TransitionLog._meta.db_table
SEAL_TABLE = AuditSeal._meta.db_table
LOGENTRY_TABLE = "auditlog_logentry"
CASE_TABLE = Case._meta.db_table
VERIFY_BATCH = 500
# Any fixed key: writers of the global chain take this PostgreSQL advisory lock in turn.
GLOBAL_CHAIN_LOCK = 0x6373_7061_7564_6974  # "cspaudit"


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


def audit_seal_append(*, entry: Any, case_id: int | None) -> AuditSeal:
    """Seal ``entry`` as the next link of the case's chain (``case_id`` None: the global
    chain), in the caller's transaction."""
    from auditlog.models import LogEntry

    with transaction.atomic():
        if case_id is not None:
            # The services already hold this lock; a write made outside them (admin,
            # shell, a task) takes it here, so two writers never draw the same seq.
            list(Case.objects.select_for_update().filter(pk=case_id).values_list("pk"))
        else:
            # The global chain has no row to lock: writers queue on an advisory lock,
            # released at commit.
            advisory_xact_lock(GLOBAL_CHAIN_LOCK)
        # Hash what the database holds (JSON key order, timestamp precision), which is
        # what the verifier will read back.
        stored = LogEntry.objects.get(pk=entry.pk)
        chain = AuditSeal.objects.filter(
            **({"case_id": case_id} if case_id is not None else {"case__isnull": True})
        )
        last = chain.order_by("-seq").first()
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
    """auditlog post_log receiver: seal each entry into its case's chain or the global one."""
    if log_entry is None or instance is None:
        return
    audit_seal_append(entry=log_entry, case_id=case_id_for(instance))


def connect_signals() -> None:
    """Called once from WorkflowsConfig.ready()."""
    from auditlog.signals import post_log

    post_log.connect(_seal_logged_entry, dispatch_uid="csp-audit-seal", weak=False)


# --- Verification ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    """The first broken link of one chain, a case row its chain does not account for, or
    an entry outside any chain."""

    case_id: int | None
    case_reference: str
    table: str
    seq: int | None
    problem: str
    global_chain: bool = False

    def __str__(self) -> str:
        where = f"seq {self.seq}" if self.seq is not None else "no seq"
        scope = "global chain" if self.global_chain else f"case {self.case_reference or '?'}"
        return f"{scope} {self.table} {where}: {self.problem}"


@dataclass
class AuditReport:
    cases: int = 0
    transition_rows: int = 0
    erased_reasons: int = 0
    seals: int = 0
    global_seals: int = 0
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
    problem: str | None = None  # content the hash does not cover that is wrong (a reason)


def _first_break(links: Sequence[_Link], what: str) -> tuple[int, str] | None:
    """Walk one chain from seq 1; return (seq, problem) of the first bad link."""
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
        if link.problem:
            return link.seq, link.problem
        expected, prev = link.seq + 1, link.hash
    return None


def _batches(rows: Iterable[Any], size: int) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for i in rows:
        batch.append(i)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _seal_links(seals: Sequence[AuditSeal]) -> list[_Link]:
    from auditlog.models import LogEntry

    entries = LogEntry.objects.in_bulk([s.log_entry_id for s in seals])
    links = []
    for seal in seals:
        entry = entries.get(seal.log_entry_id)
        fields = seal_fields(seal, entry) if entry is not None else None
        links.append(_Link(seal.seq, seal.prev_hash, seal.hash, fields))
    return links


def _head_mismatch(live: tuple[str, int | None, int], head: TransitionLog) -> str | None:
    """How the live case row differs from what its chain's last row says, or None.

    A head written before rows recorded version and lead (null) vouches for the state only.
    """
    state, lead, version = live
    differences = []
    if head.target != state:
        differences.append(f"state '{state}' (the chain says '{head.target}')")
    if head.version is not None:
        if head.responsible_agency_id != lead:
            differences.append(
                f"lead agency #{lead} (the chain says #{head.responsible_agency_id})"
            )
        if head.version != version:
            differences.append(f"version {version} (the chain says {head.version})")
    if not differences:
        return None
    return f"the case row does not match its chain's last row (seq {head.seq}): " + ", ".join(
        differences
    )


def audit_verify() -> AuditReport:
    """Recompute every chain and hold every case row to its transition log's last row.

    Reports the first broken link of each case's transition-log and audit-seal chains and
    of the global seal chain (a transition row whose reason text does not match its digest
    is a broken link; an erased reason is not, and is counted); each case whose state, lead
    agency or version differs from what its last transition log row recorded (a change
    made outside the services, or the chain's newest rows removed); and every audit entry
    that carries no seal. Reads in batches, so memory stays bounded.
    """
    from auditlog.models import LogEntry

    report = AuditReport()
    cases = Case.objects.order_by("pk").values_list(
        "pk", "reference", "state", "responsible_agency_id", "version"
    )
    for batch in _batches(cases.iterator(chunk_size=VERIFY_BATCH), VERIFY_BATCH):
        references = {pk: reference for pk, reference, *_ in batch}
        live = {pk: tuple(rest) for pk, _, *rest in batch}
        ids = list(references)
        transitions: dict[int, list[TransitionLog]] = {i: [] for i in ids}
        for row in TransitionLog.objects.filter(case_id__in=ids).order_by("case_id", "seq"):
            transitions[row.case_id].append(row)
        seals: dict[int, list[AuditSeal]] = {i: [] for i in ids}
        for seal in AuditSeal.objects.filter(case_id__in=ids).order_by("case_id", "seq"):
            seals[seal.case_id].append(seal)  # type: ignore[index]
        for case_id in ids:
            rows = transitions[case_id]
            report.cases += 1
            report.transition_rows += len(rows)
            report.erased_reasons += sum(1 for r in rows if r.reason_erased_at is not None)
            report.seals += len(seals[case_id])
            links = [
                _Link(r.seq, r.prev_hash, r.hash, transition_fields(r), reason_problem(r))
                for r in rows
            ]
            for table, chain, what in (
                (TRANSITION_TABLE, links, "transition log rows"),
                (SEAL_TABLE, _seal_links(seals[case_id]), "sealed audit entries"),
            ):
                found = _first_break(chain, what)
                if found:
                    report.breaks.append(
                        ChainBreak(case_id, references[case_id], table, found[0], found[1])
                    )
            mismatch = _head_mismatch(live[case_id], rows[-1]) if rows else None
            if mismatch:
                report.breaks.append(
                    ChainBreak(case_id, references[case_id], CASE_TABLE, rows[-1].seq, mismatch)
                )
    global_seals = list(AuditSeal.objects.filter(case__isnull=True).order_by("seq"))
    report.global_seals = len(global_seals)
    if global_seals:
        links = []
        for chunk in _batches(global_seals, VERIFY_BATCH):
            links += _seal_links(chunk)
        found = _first_break(links, "sealed audit entries")
        if found:
            report.breaks.append(
                ChainBreak(None, "", SEAL_TABLE, found[0], found[1], global_chain=True)
            )
    unsealed = LogEntry.objects.filter(csp_seal__isnull=True).order_by("pk")
    case_types = case_content_type_ids()
    for entry in unsealed.iterator():
        ct = ContentType.objects.get_for_id(entry.content_type_id)
        about_case = entry.content_type_id in case_types
        unsealed_case = _unsealed_case_id(ct, entry) if about_case else None
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
                global_chain=not about_case,
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


# --- The application's database role ---------------------------------------------------

APPEND_ONLY_TABLES = (TRANSITION_TABLE, LOGENTRY_TABLE, SEAL_TABLE)


class AppRoleRefused(Exception):
    """The role named would be able to undo what the grants are for."""


def app_role_grant(*, role: str) -> list[str]:
    """Give ``role`` what web, worker and beat need and nothing more; return the SQL run.

    Run by the tables' owner after every ``migrate`` (it covers tables the migration just
    made): SELECT, INSERT, UPDATE and DELETE on every table of the schema and use of its
    sequences, then UPDATE, DELETE and TRUNCATE taken back on the append-only audit tables.
    Only an owner or a superuser can ``ALTER TABLE ... DISABLE TRIGGER`` or set
    ``session_replication_role``, so the role is refused if it is either (or bypasses RLS).
    PostgreSQL only: SQLite has no roles.
    """
    if connection.vendor != "postgresql":
        raise AppRoleRefused("database roles exist on PostgreSQL only")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper OR rolbypassrls, current_schema() FROM pg_roles WHERE rolname = %s",
            [role],
        )
        found = cursor.fetchone()
        if found is None:
            raise AppRoleRefused(
                f"there is no role '{role}'; create it first (LOGIN, nothing else)"
            )
        too_strong, schema = found
        if too_strong:
            raise AppRoleRefused(f"'{role}' is a superuser or bypasses row security")
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = %s AND (tableowner = %s "
            "OR pg_has_role(%s, tableowner, 'MEMBER'))",
            [schema, role, role],
        )
        (owned,) = cursor.fetchone()
        if owned:
            raise AppRoleRefused(
                f"'{role}' owns (or is a member of the owner of) {owned} tables: an owner can "
                "disable the append-only triggers. Run the service as a separate role."
            )
        who, where = quote(role), quote(schema)
        statements = [
            f"GRANT USAGE ON SCHEMA {where} TO {who}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {where} TO {who}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {where} TO {who}",
            f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(quote(t) for t in APPEND_ONLY_TABLES)} "
            f"FROM {who}",
        ]
        for sql in statements:
            cursor.execute(sql)
    return statements
