"""Data generators: referrals with their cases, and transition + audit rows, by COPY.

Rows go in through psycopg 3's ``cursor.copy()`` with explicit ids, in one transaction per
data set, and the tables are vacuumed and analysed afterwards so the planner sees them as
a long-running database would. Generation is seeded: the same sizes give the same rows.

Bench databases only: each generator empties the tables it fills (TRUNCATE ... CASCADE).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from cases.catalogue import CATEGORIES
from cases.models import Case, CaseKind
from partners.demo import seed_partnership
from partners.models import Agency, Membership, Role, Ward
from referrals.models import Referral
from workflows.machines import MACHINES
from workflows.models import TransitionLog

SEED = 8
SPAN = timedelta(days=3 * 365)  # referrals and audit rows are spread over three years
KIND_WEIGHTS = {CaseKind.ASB: 60, CaseKind.VAWG: 30, CaseKind.EARLY_RELEASE: 10}
LEAD_AGENCY = {
    CaseKind.ASB: "council-asb",
    CaseKind.VAWG: "victim-services",
    CaseKind.EARLY_RELEASE: "probation",
}
ACTOR_PREFIX = "bench-actor-"
# Audit rows of one case run forward from its start; starting this far back keeps them past.
WINDOW_END = timedelta(days=60)
# Marks of generated rows, so a later run can recognise (and reuse) a data set.
CASE_PREFIX = "GEN-"
POOL_PREFIX = "POOL-ASB-"  # cases the API benchmark transitions, one request each
SCAN_PREFIX = "SCAN-ASB-"  # cases carrying the scan benchmark's deadlines
REFERRAL_PREFIX = "GREF-"
GENERATED_REASON = "Generated for the benchmark."
GENERATED_CID = "bench-generated"


@dataclass(frozen=True)
class Partnership:
    ward_ids: tuple[int, ...]
    agency_ids: dict[str, int]
    actor_ids: tuple[int, ...]


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY ``rows`` into ``table`` on Django's connection (inside the caller's transaction)."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    count = 0
    raw = connection.connection
    assert raw is not None, "copy_rows needs an open connection"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _truncate(*tables: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE")
            .format(sql.SQL(", ").join(map(sql.Identifier, tables)))
            .as_string(connection.connection)
        )


def _bulk_session() -> None:
    """Skip triggers (FK checks, append-only guards) for this transaction's bulk load.

    The generator writes ids it has just written itself, so the foreign keys hold; the
    append-only triggers on the audit tables are there to stop edits, not a fresh load.
    Needs a superuser role, which the local bench database has.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")


def _sequence_sync(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {connection.ops.quote_name(table)}), false)",
            [table],
        )


def vacuum_analyze(*tables: str) -> None:
    """What autovacuum would have done by now: statistics and a visibility map."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")


def partnership_ensure(*, actors: int) -> Partnership:
    """The demo partnership plus ``actors`` bench users spread over its agencies."""
    from django.conf import settings

    seed_partnership(password=settings.DEMO_PASSWORD)
    agencies = dict(Agency.objects.values_list("code", "id"))
    user_model = get_user_model()
    existing = set(
        user_model.objects.filter(username__startswith=ACTOR_PREFIX).values_list(
            "username", flat=True
        )
    )
    wanted = [f"{ACTOR_PREFIX}{i:05d}" for i in range(actors)]
    missing = [name for name in wanted if name not in existing]
    if missing:
        unusable = make_password(None)  # bench actors never sign in
        now = timezone.now()
        users = user_model.objects.bulk_create(
            [user_model(username=n, password=unusable, date_joined=now) for n in missing]
        )
        codes = sorted(agencies)
        roles = [Role.OFFICER, Role.CASE_WORKER, Role.ASB_COORDINATOR, Role.MANAGER]
        Membership.objects.bulk_create(
            [
                Membership(user=u, agency_id=agencies[codes[i % len(codes)]], role=roles[i % 4])
                for i, u in enumerate(users)
            ]
        )
    actor_ids = tuple(
        user_model.objects.filter(username__in=wanted).order_by("id").values_list("id", flat=True)
    )
    return Partnership(
        ward_ids=tuple(Ward.objects.order_by("id").values_list("id", flat=True)),
        agency_ids=agencies,
        actor_ids=actor_ids,
    )


@dataclass(frozen=True)
class _CaseSpec:
    id: int
    reference: str
    kind: str
    category: str
    state: str
    ward_id: int
    agency_id: int
    opened_by: int
    opened_at: datetime


CASE_COLUMNS = (
    "id",
    "reference",
    "kind",
    "category",
    "state",
    "risk",
    "ward_id",
    "location_text",
    "postcode",
    "latitude",
    "longitude",
    "responsible_agency_id",
    "version",
    "details",
    "opened_by_id",
    "opened_at",
    "updated_at",
    "closure_reason",
)
REFERRAL_COLUMNS = (
    "id",
    "reference",
    "kind",
    "category",
    "summary",
    "occurred_at",
    "reported_at",
    "raised_by_id",
    "raising_agency_id",
    "ward_id",
    "location_text",
    "location_key",
    "postcode",
    "latitude",
    "longitude",
    "details",
    "case_id",
    "created_at",
)


def _case_specs(count: int, p: Partnership, now: datetime, rng: random.Random) -> list[_CaseSpec]:
    kinds = list(KIND_WEIGHTS)
    kind_weights = list(KIND_WEIGHTS.values())
    # Some wards are busier than others, as in any borough.
    ward_weights = [rng.uniform(0.2, 3.0) for _ in p.ward_ids]
    states = {k: [s for s, _ in MACHINES[k].STATES] for k in kinds}
    specs = []
    kind_draws = rng.choices(kinds, kind_weights, k=count)
    ward_draws = rng.choices(p.ward_ids, ward_weights, k=count)
    for i in range(count):
        kind = kind_draws[i]
        specs.append(
            _CaseSpec(
                id=i + 1,
                reference=f"{CASE_PREFIX}{kind[:3].upper()}-{i + 1:09d}",
                kind=kind,
                category=rng.choice(CATEGORIES[kind]).code,
                state=rng.choice(states[kind]),
                ward_id=ward_draws[i],
                agency_id=p.agency_ids[LEAD_AGENCY[CaseKind(kind)]],
                opened_by=rng.choice(p.actor_ids),
                opened_at=now - SPAN * rng.random(),
            )
        )
    return specs


def _case_rows(specs: list[_CaseSpec], rng: random.Random) -> Iterator[tuple[Any, ...]]:
    for s in specs:
        lat = Decimal(f"{51.5 + rng.random() / 10:.6f}")
        lon = Decimal(f"{-0.1 - rng.random() / 10:.6f}")
        yield (
            s.id,
            s.reference,
            s.kind,
            s.category,
            s.state,
            "standard",
            s.ward_id,
            f"{s.id % 997} Bench Street",
            "",
            lat,
            lon,
            s.agency_id,
            1,
            "{}",
            s.opened_by,
            s.opened_at,
            s.opened_at,
            "",
        )


def _case_count(referrals: int) -> int:
    return max(1, referrals * 9 // 10)


def referrals_present(*, count: int) -> dict[str, int] | None:
    """The counts of a referral data set of this size already in the database, if any."""
    cases = Case.objects.filter(reference__startswith=CASE_PREFIX).count()
    referrals = Referral.objects.filter(reference__startswith=REFERRAL_PREFIX).count()
    if (referrals, cases) != (count, _case_count(count)):
        return None
    return {"cases": cases, "case_agencies": cases, "referrals": referrals, "reused": 1}


def referrals_generate(*, count: int, partnership: Partnership) -> dict[str, int]:
    """``count`` referrals over three years, across wards and categories, with their cases.

    Nine in ten referrals open a case; the tenth joins the case opened just before it.
    Returns the row counts written.
    """
    if count < 1:
        raise ValueError(f"referrals: need at least 1, got {count}")
    rng = random.Random(SEED)
    now = timezone.now()
    specs = _case_specs(_case_count(count), partnership, now, rng)
    police = partnership.agency_ids["kestrel-police"]
    summary = "Generated for the benchmark: repeated disturbance reported by a resident."

    def referral_rows() -> Iterator[tuple[Any, ...]]:
        for i in range(count):
            case = specs[i * len(specs) // count]
            occurred = case.opened_at - timedelta(hours=rng.uniform(0, 48))
            location = f"{case.id % 997} Bench Street"
            yield (
                i + 1,
                f"{REFERRAL_PREFIX}{i + 1:09d}",
                case.kind,
                case.category,
                summary,
                occurred,
                case.opened_at,
                rng.choice(partnership.actor_ids),
                police,
                case.ward_id,
                location,
                location.lower(),
                "",
                None,
                None,
                "{}",
                case.id,
                case.opened_at,
            )

    def lead_rows() -> Iterator[tuple[Any, ...]]:
        for s in specs:
            yield (s.id, s.id, s.agency_id, "lead", s.opened_at)

    with transaction.atomic():
        _bulk_session()
        _truncate("cases_case")
        written = {
            "cases": copy_rows("cases_case", CASE_COLUMNS, _case_rows(specs, rng)),
            "case_agencies": copy_rows(
                "cases_caseagency", ("id", "case_id", "agency_id", "role", "added_at"), lead_rows()
            ),
            "referrals": copy_rows("referrals_referral", REFERRAL_COLUMNS, referral_rows()),
        }
        for table in ("cases_case", "cases_caseagency", "referrals_referral"):
            _sequence_sync(table)
    vacuum_analyze("cases_case", "cases_caseagency", "referrals_referral")
    return written


TRANSITION_COLUMNS = (
    "id",
    "case_id",
    "seq",
    "transition",
    "source",
    "target",
    "actor_id",
    "actor_agency_id",
    "reason",
    "data",
    "at",
    "prev_hash",
    "hash",
)
LOGENTRY_COLUMNS = (
    "id",
    "cid",
    "content_type_id",
    "object_pk",
    "object_id",
    "object_repr",
    "action",
    "changes_text",
    "changes",
    "actor_id",
    "remote_addr",
    "timestamp",
)


def audit_case_ids(*, count: int) -> list[int]:
    """Which generated cases ``count`` audit rows go to: about ten rows per case, seeded."""
    generated = Case.objects.filter(reference__startswith=CASE_PREFIX).count()
    if generated == 0:
        raise ValueError("audit rows need cases: generate referrals first")
    # Generated cases have ids 1..generated (the referral generator restarts the ids).
    touched = min(generated, max(1, count // 10))
    return sorted(random.Random(SEED + 2).sample(range(1, generated + 1), touched))


def audit_present(*, count: int) -> tuple[dict[str, int], list[int]] | None:
    """The counts and cases of an audit data set of this size already there, if any."""
    transitions = TransitionLog.objects.filter(reason=GENERATED_REASON).count()
    entries = LogEntry.objects.filter(cid=GENERATED_CID).count()
    if (transitions, entries) != (count // 2, count - count // 2):
        return None
    case_ids = audit_case_ids(count=count)
    written = {
        "transition_logs": transitions,
        "log_entries": entries,
        "cases_touched": len(case_ids),
        "reused": 1,
    }
    return written, case_ids


def audit_generate(*, count: int, partnership: Partnership) -> tuple[dict[str, int], list[int]]:
    """``count`` rows, half TransitionLog and half auditlog LogEntry, over existing cases.

    About ten rows per case touched, actors drawn from the bench actors. Hash fields are
    64 hex characters and each row's ``prev_hash`` is the previous row's ``hash``, but they
    are SHA-256 of a counter, not the product's HMAC: the query benchmarks read them, the
    chain verifier would reject them. Returns the row counts and the ids of the cases touched.
    """
    if count < 2:
        raise ValueError(f"audit rows: need at least 2, got {count}")
    rng = random.Random(SEED + 1)
    case_ids = audit_case_ids(count=count)
    touched = len(case_ids)
    cases = dict(
        Case.objects.filter(id__in=case_ids).values_list("id", "reference").iterator(10_000)
    )
    case_ct = ContentType.objects.get_for_model(Case).pk
    agency_ids = list(partnership.agency_ids.values())
    now = timezone.now()
    tl_target, le_target = count // 2, count - count // 2
    # Each case gets a share of both tables; the last cases take up any remainder.
    per_case = [
        (tl_target * (i + 1) // touched) - (tl_target * i // touched) for i in range(touched)
    ]
    per_case_le = [
        (le_target * (i + 1) // touched) - (le_target * i // touched) for i in range(touched)
    ]

    def transition_rows() -> Iterator[tuple[Any, ...]]:
        row_id = 0
        for case_id, n in zip(case_ids, per_case, strict=True):
            at = now - WINDOW_END - SPAN * rng.random()
            prev = ""
            for seq in range(1, n + 1):
                row_id += 1
                digest = hashlib.sha256(f"{prev}|{case_id}|{seq}".encode()).hexdigest()
                yield (
                    row_id,
                    case_id,
                    seq,
                    "open" if seq == 1 else "update",
                    "" if seq == 1 else "in_progress",
                    "in_progress",
                    rng.choice(partnership.actor_ids),
                    rng.choice(agency_ids),
                    GENERATED_REASON,
                    "{}",
                    at,
                    prev,
                    digest,
                )
                prev = digest
                at += timedelta(hours=rng.uniform(1, 72))

    changes = json.dumps({"state": ["triaged", "assigned"], "version": ["1", "2"]})

    def logentry_rows() -> Iterator[tuple[Any, ...]]:
        row_id = 0
        for case_id, n in zip(case_ids, per_case_le, strict=True):
            at = now - WINDOW_END - SPAN * rng.random()
            for k in range(n):
                row_id += 1
                yield (
                    row_id,
                    GENERATED_CID,
                    case_ct,
                    str(case_id),
                    case_id,
                    cases[case_id],
                    0 if k == 0 else 1,
                    "",
                    changes,
                    rng.choice(partnership.actor_ids),
                    f"10.0.{row_id % 250}.{row_id % 200 + 1}",
                    at,
                )
                at += timedelta(hours=rng.uniform(1, 72))

    with transaction.atomic():
        _bulk_session()
        _truncate("workflows_transitionlog", "auditlog_logentry")
        written = {
            "transition_logs": copy_rows(
                "workflows_transitionlog", TRANSITION_COLUMNS, transition_rows()
            ),
            "log_entries": copy_rows("auditlog_logentry", LOGENTRY_COLUMNS, logentry_rows()),
            "cases_touched": touched,
        }
        _sequence_sync("workflows_transitionlog")
        _sequence_sync("auditlog_logentry")
    vacuum_analyze("workflows_transitionlog", "auditlog_logentry")
    return written, case_ids


def _asb_case_rows(
    ids: Iterable[int], *, prefix: str, partnership: Partnership, now: datetime
) -> Iterator[tuple[Any, ...]]:
    """Minimal ASB cases in "reported", led by the council's ASB team."""
    agency = partnership.agency_ids[LEAD_AGENCY[CaseKind.ASB]]
    opener = partnership.actor_ids[0]
    for i in ids:
        yield (
            i,
            f"{prefix}{i:09d}",
            "asb",
            "noise",
            "reported",
            "standard",
            partnership.ward_ids[i % len(partnership.ward_ids)],
            f"{i} Pool Street",
            "",
            None,
            None,
            agency,
            1,
            "{}",
            opener,
            now,
            now,
            "",
        )


def _next_case_ids(count: int) -> list[int]:
    """``count`` ids above every case there is; call inside the transaction that uses them."""
    with connection.cursor() as cursor:
        # Serialise appenders, then take ids above everything already there.
        cursor.execute("LOCK TABLE cases_case IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM cases_case")
        first = int(cursor.fetchone()[0]) + 1
    return list(range(first, first + count))


def asb_cases_append(*, count: int, partnership: Partnership) -> list[int]:
    """Append ``count`` ASB cases in "reported", led by the council's ASB team.

    Each has its lead CaseAgency row and the opening TransitionLog row a real case has, so
    the transition service and the API's need-to-know filters treat it as any other case.
    Existing rows are kept. Returns the new case ids.
    """
    now = timezone.now()
    agency = partnership.agency_ids[LEAD_AGENCY[CaseKind.ASB]]
    opener = partnership.actor_ids[0]
    with transaction.atomic():
        ids = _next_case_ids(count)
        copy_rows(
            "cases_case",
            CASE_COLUMNS,
            _asb_case_rows(ids, prefix=POOL_PREFIX, partnership=partnership, now=now),
        )
        copy_rows(
            "cases_caseagency",
            ("case_id", "agency_id", "role", "added_at"),
            ((i, agency, "lead", now) for i in ids),
        )
        copy_rows(
            "workflows_transitionlog",
            TRANSITION_COLUMNS[1:],
            (
                (
                    i,
                    1,
                    "open",
                    "",
                    "reported",
                    opener,
                    agency,
                    "Opened for the benchmark.",
                    "{}",
                    now,
                    "",
                    hashlib.sha256(f"|{i}|1".encode()).hexdigest(),
                )
                for i in ids
            ),
        )
        _sequence_sync("cases_case")
    return ids


DEADLINE_COLUMNS = (
    "id",
    "case_id",
    "policy_id",
    "started_at",
    "clock_from",
    "due_at",
    "warn_at",
    "responsible_agency_id",
    "status",
    "met_by",
    "warned_at",
    "cancel_reason",
    "escalation_level",
    "pause_reason",
    "pause_total",
    "scan_failures",
    "scan_error",
    "updated_at",
)
# Not-yet-due deadlines fall due between 1 hour and 60 days from now; the due ones fell due
# within the last 15 minutes (a scanner that was down briefly, or a 17:00 anchor).
NOT_DUE_SPAN = (timedelta(hours=1), timedelta(days=60))
DUE_SPAN = timedelta(minutes=15)


def deadline_cases_ensure(*, count: int, partnership: Partnership) -> list[int]:
    """Ids of ``count`` SCAN- cases for the deadlines, appending only the missing ones.

    Kept between runs (the deadlines are not): re-creating a million cases each time would
    cost more than the benchmark. A referral data set generated later truncates them.
    """
    existing = list(
        Case.objects.filter(reference__startswith=SCAN_PREFIX)
        .order_by("id")
        .values_list("id", flat=True)[:count]
    )
    missing = count - len(existing)
    if missing <= 0:
        return existing
    now = timezone.now()
    agency = partnership.agency_ids[LEAD_AGENCY[CaseKind.ASB]]
    with transaction.atomic():
        _bulk_session()
        ids = _next_case_ids(missing)
        copy_rows(
            "cases_case",
            CASE_COLUMNS,
            _asb_case_rows(ids, prefix=SCAN_PREFIX, partnership=partnership, now=now),
        )
        copy_rows(
            "cases_caseagency",
            ("case_id", "agency_id", "role", "added_at"),
            ((i, agency, "lead", now) for i in ids),
        )
        _sequence_sync("cases_case")
        _sequence_sync("cases_caseagency")
    vacuum_analyze("cases_case", "cases_caseagency")
    return existing + ids


def deadlines_generate(
    *, count: int, due: int, partnership: Partnership
) -> tuple[dict[str, int], list[int]]:
    """``count`` open deadlines, ``due`` of them due now, one per SCAN- case.

    Every other table's deadlines are removed first (TRUNCATE). Deadlines use the four ASB
    policies in turn, owed by the council's ASB team. Those past their warning point are
    marked warned, so the scan's only work is the breaches. Returns the row counts and the
    ids of the deadlines that are not due, in a seeded order for ``deadlines_arm``.
    """
    if not 1 <= due <= count:
        raise ValueError(f"deadlines: need 1 <= due <= count, got due={due}, count={count}")
    from workflows.models import SlaPolicy
    from workflows.sla import seed_sla_policies

    seed_sla_policies()  # a flushed test database has lost the migration's seed
    case_ids = deadline_cases_ensure(count=count, partnership=partnership)
    policies = list(
        SlaPolicy.objects.filter(kind=CaseKind.ASB).order_by("code").values_list("id", flat=True)
    )
    agency = partnership.agency_ids[LEAD_AGENCY[CaseKind.ASB]]
    rng = random.Random(SEED + 3)
    now = timezone.now()
    due_ids = set(rng.sample(range(1, count + 1), due))

    def rows() -> Iterator[tuple[Any, ...]]:
        low, high = (span.total_seconds() for span in NOT_DUE_SPAN)
        for n, case_id in enumerate(case_ids, start=1):
            if n in due_ids:
                due_at = now - DUE_SPAN * rng.random()
            else:
                due_at = now + timedelta(seconds=rng.uniform(low, high))
            started = due_at - timedelta(days=rng.uniform(1, 28))
            warn_at = started + (due_at - started) * 0.75
            yield (
                n,
                case_id,
                policies[n % len(policies)],
                started,
                started,
                due_at,
                warn_at,
                agency,
                "open",
                "",
                warn_at if warn_at <= now else None,
                "",
                0,
                "",
                "0",
                0,
                "",
                started,
            )

    with transaction.atomic():
        _bulk_session()
        _truncate("workflows_deadline")
        written = {"deadlines": copy_rows("workflows_deadline", DEADLINE_COLUMNS, rows())}
        _sequence_sync("workflows_deadline")
    vacuum_analyze("workflows_deadline")
    not_due = [n for n in range(1, count + 1) if n not in due_ids]
    rng.shuffle(not_due)
    written.update(cases=len(case_ids), due=due)
    return written, not_due


def deadlines_arm(*, ids: Sequence[int], due_at: Sequence[datetime]) -> int:
    """Make open deadlines fall due at the given times (already warned, as in production).

    The whole clock moves with the due time (start, warning), so the rows stay consistent.
    """
    if len(ids) != len(due_at):
        raise ValueError(f"deadlines_arm: {len(ids)} ids but {len(due_at)} due times")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE workflows_deadline AS d
               SET due_at = v.due,
                   warn_at = d.warn_at + (v.due - d.due_at),
                   warned_at = d.warn_at + (v.due - d.due_at),
                   started_at = d.started_at + (v.due - d.due_at),
                   clock_from = d.clock_from + (v.due - d.due_at)
              FROM unnest(%s::bigint[], %s::timestamptz[]) AS v (id, due)
             WHERE d.id = v.id AND d.status = 'open'
            """,
            [list(ids), list(due_at)],
        )
        return int(cursor.rowcount)
