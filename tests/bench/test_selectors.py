"""The report and audit benchmarks call the product's selectors as the API views do."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.utils import timezone

from bench import generate
from bench.benchmarks.audit import (
    audit_filter_by_actor,
    audit_filter_by_case,
    case_history_read,
)
from bench.benchmarks.report import committee_report, committee_report_baseline
from bench.core import explain_calls, seq_scans
from cases.models import Case, CaseKind

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def data(people: Any) -> dict[str, Any]:
    partnership = generate.partnership_ensure(actors=3)
    generate.referrals_generate(count=300, partnership=partnership)
    _, case_ids = generate.audit_generate(count=200, partnership=partnership)
    return {"case_ids": case_ids, "actors": partnership.actor_ids}


def test_the_report_counts_asb_and_vawg_referrals_of_the_range_rounded_to_base_5(
    data: dict[str, Any],
) -> None:
    until = timezone.localdate()
    since = until - timedelta(days=3 * 365)
    rows = committee_report(occurred_from=since, occurred_to=until)
    counted = committee_report_baseline(occurred_from=since, occurred_to=until)

    assert {r.kind for r in rows} == {CaseKind.ASB, CaseKind.VAWG}
    assert all(r.count > 0 and r.count % 5 == 0 for r in rows)
    assert 0 < sum(r.count for r in rows) <= counted + 2 * len(rows)


def test_the_manager_sees_the_audit_trail_of_asb_cases_only(
    data: dict[str, Any], people: Any
) -> None:
    manager = people.manager
    cases = Case.objects.filter(id__in=data["case_ids"])
    asb = cases.filter(kind=CaseKind.ASB).first()
    vawg = cases.filter(kind=CaseKind.VAWG).first()
    assert asb is not None
    assert vawg is not None

    count, page = audit_filter_by_case(user=manager, case_id=asb.pk)
    assert count == LogEntry.objects.filter(object_id=asb.pk).count() > 0
    assert {e.object_id for e in page} == {asb.pk}
    assert audit_filter_by_case(user=manager, case_id=vawg.pk) == (0, [])
    history = case_history_read(user=manager, case_id=asb.pk)
    assert [t.seq for t in history.transitions] == sorted(t.seq for t in history.transitions)
    assert len(history.audit) == count


def test_the_actor_filter_counts_that_actors_entries_in_the_window(
    data: dict[str, Any], people: Any
) -> None:
    actor = User.objects.get(pk=data["actors"][0])
    until = timezone.now()
    since = until - timedelta(days=4 * 365)
    everything = LogEntry.objects.filter(actor=actor, timestamp__gte=since, timestamp__lte=until)

    count, page = audit_filter_by_actor(
        user=people.auditor, actor=actor.username, since=since, until=until
    )

    assert count == everything.count() > 0
    assert {e.actor_id for e in page} == {actor.pk}
    manager_count, _ = audit_filter_by_actor(
        user=people.manager, actor=actor.username, since=since, until=until
    )
    assert manager_count == everything.filter(object_id__in=_asb_ids()).count() < count


def test_explain_calls_plans_each_select_the_call_sends(data: dict[str, Any]) -> None:
    until = timezone.localdate()
    plans, queries = explain_calls(
        lambda: committee_report(occurred_from=until - timedelta(days=365), occurred_to=until)
    )
    assert queries == 1
    (plan,) = plans
    assert "referrals_referral" in plan
    assert "Execution Time" in plan
    assert seq_scans(["->  Seq Scan on referrals_referral  (cost=0.00..1.00 rows=1)"]) == [
        "referrals_referral"
    ]


def _asb_ids() -> list[int]:
    return list(Case.objects.filter(kind=CaseKind.ASB).values_list("id", flat=True))


def test_a_statement_past_the_timeout_is_cancelled_and_still_explained() -> None:
    from django.db import OperationalError, connection

    from bench.core import statement_timeout, timed_out

    def slow() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(5)")

    with statement_timeout(0.05):
        with pytest.raises(OperationalError) as caught:
            slow()
        assert timed_out(caught.value)
        plans, queries = explain_calls(slow, analyze=False)
    assert queries == 1
    (plan,) = plans
    assert "Result" in plan
    assert "actual time" not in plan  # planned, not run
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


def test_a_report_past_the_statement_timeout_is_not_measured_and_keeps_its_plan(
    tmp_path: Any,
) -> None:
    from bench.benchmarks.report import report
    from bench.core import Context, Options
    from bench.services import services_resolve

    partnership = generate.partnership_ensure(actors=2)
    written = generate.referrals_generate(count=20_000, partnership=partnership)
    options = Options(
        quick=True,
        runs=3,
        referrals=20_000,
        audit_rows=10,
        actors=2,
        http_seconds=1,
        http_warmup=1,
        clients=1,
        web_workers=1,
        tasks_per_run=10,
        task_rate=50,
        worker_concurrency=1,
        queries_per_run=20,
        only=("report",),
        output=tmp_path / "r.json",
        query_timeout=0.001,  # 1 ms: no GROUP BY over 20,000 rows finishes in time
    )
    ctx = Context(options=options, services=services_resolve({}), state={"referrals": written})

    (result,) = report(ctx)

    assert result.runs == ()
    assert result.note.startswith("not measured: a query ran past the 0.001 s statement timeout")
    assert result.detail["too_slow"] is True
    assert "referrals_referral" in result.detail["explain"]
