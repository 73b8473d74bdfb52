"""The breach-scan benchmark's data and drivers, against the real scanner on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from bench import generate
from bench.benchmarks.scan import beat_interval, breach_plan, detection_lag, pk_range_read
from bench.cli import options_build, parser
from bench.core import REPO_DIR
from cases.models import Case
from notifications.models import OutboxEvent
from workflows.actions import deadlines_scan
from workflows.models import Deadline, DeadlineStatus


@pytest.mark.parametrize("quick", [True, False])
def test_scan_sizes_follow_the_mode_and_can_be_set(quick: bool, tmp_path: Path) -> None:
    args = parser().parse_args(["--quick"] if quick else [])
    options = options_build(args, ("scan",), "2026-06-02")
    assert (options.deadlines, options.deadlines_due) == (
        (20_000, 200) if quick else (1_000_000, 1_000)
    )
    assert options.scan_interval is None
    args = parser().parse_args(
        [
            "--deadlines",
            "5000",
            "--due-deadlines",
            "50",
            "--lag-window",
            "2",
            "--scan-interval",
            "1",
        ]
    )
    options = options_build(args, ("scan",), "2026-06-02")
    assert (options.deadlines, options.deadlines_due, options.lag_window) == (5000, 50, 2.0)
    assert options.scan_interval == 1.0


def test_the_lag_is_measured_at_the_cadence_beat_runs_the_scanner() -> None:
    from config.celery import BEAT_SCHEDULE

    assert beat_interval() == BEAT_SCHEDULE["scan-deadlines"]["schedule"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_deadlines_are_generated_open_one_per_case_with_exactly_the_due_ones_due() -> None:
    partnership = generate.partnership_ensure(actors=2)
    written, not_due = generate.deadlines_generate(count=300, due=7, partnership=partnership)

    now = timezone.now()
    assert written == {"deadlines": 300, "cases": 300, "due": 7}
    assert Deadline.objects.filter(status=DeadlineStatus.OPEN).count() == 300
    assert Deadline.objects.filter(due_at__lte=now).count() == 7
    assert Deadline.objects.values("case").distinct().count() == 300
    assert sorted(not_due) == sorted(
        Deadline.objects.filter(due_at__gt=now).values_list("id", flat=True)
    )
    cases = Case.objects.filter(reference__startswith=generate.SCAN_PREFIX)
    assert cases.count() == 300
    # Everything past its warning point is already warned: the scan's only work is breaches.
    assert not Deadline.objects.filter(warn_at__lte=now, warned_at__isnull=True).exists()

    result = deadlines_scan()
    assert (result.breached, result.warned, result.failed) == (7, 0, 0)
    assert OutboxEvent.objects.filter(type="deadline.breached").count() == 7


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_generating_again_reuses_the_cases_and_replaces_the_deadlines() -> None:
    partnership = generate.partnership_ensure(actors=2)
    generate.deadlines_generate(count=40, due=2, partnership=partnership)
    first_cases = set(Case.objects.values_list("id", flat=True))

    generate.deadlines_generate(count=50, due=3, partnership=partnership)

    assert Deadline.objects.count() == 50
    assert first_cases < set(Case.objects.values_list("id", flat=True))
    assert Case.objects.count() == 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_armed_deadlines_fall_due_whole_and_are_breached_at_their_due_time() -> None:
    partnership = generate.partnership_ensure(actors=2)
    _, not_due = generate.deadlines_generate(count=60, due=1, partnership=partnership)
    deadlines_scan()
    now = timezone.now()
    ids = not_due[:4]
    due_at = [now - timedelta(minutes=m) for m in range(1, 5)]

    assert generate.deadlines_arm(ids=ids, due_at=due_at) == 4

    for deadline_id, due in zip(ids, due_at, strict=True):
        row = Deadline.objects.get(pk=deadline_id)
        assert row.due_at == due
        assert row.warned_at == row.warn_at
        assert row.started_at <= row.warn_at <= row.due_at
    assert deadlines_scan().breached == 4
    assert {d.breached_at for d in Deadline.objects.filter(pk__in=ids)} == set(due_at)
    with pytest.raises(ValueError, match="2 ids but 1 due times"):
        generate.deadlines_arm(ids=ids[:2], due_at=due_at[:1])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_breach_claim_reads_the_partial_index_and_leaves_no_lock_or_change() -> None:
    partnership = generate.partnership_ensure(actors=2)
    generate.deadlines_generate(count=3000, due=20, partnership=partnership)

    plan = breach_plan(now=timezone.now())

    assert "Index Scan on deadline_breach_due" in plan or (
        "Index Scan using deadline_breach_due" in plan
    )
    assert "LockRows" in plan
    assert Deadline.objects.filter(status=DeadlineStatus.BREACHED).count() == 0
    assert deadlines_scan().breached == 20
    assert pk_range_read(first=100, count=20) == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_detection_lag_times_every_armed_breach_no_earlier_than_its_pass() -> None:
    partnership = generate.partnership_ensure(actors=2)
    _, not_due = generate.deadlines_generate(count=100, due=1, partnership=partnership)
    deadlines_scan()

    runs, passes = detection_lag(runs=3, per_run=5, window=0.6, interval=0.3, pool=iter(not_due))

    assert [r.missed for r in runs] == [0, 0, 0]
    assert all(len(r.lags) == 5 for r in runs)
    for run in runs:
        for lag, wait in zip(run.lags, run.waits, strict=True):
            assert lag >= wait >= 0  # found by a pass that began after it fell due
    assert len(passes) >= 3
    assert Deadline.objects.filter(status=DeadlineStatus.BREACHED).count() == 16


@pytest.mark.postgres
def test_a_scan_run_writes_its_figures_with_the_plan(
    bench_database_url: str, tmp_path: Path
) -> None:
    output = tmp_path / "scan.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--only",
            "scan",
            "--deadlines",
            "2000",
            "--due-deadlines",
            "20",
            "--lag-window",
            "0.5",
            "--scan-interval",
            "0.25",
            "--actors",
            "2",
            "--output",
            str(output),
        ],
        cwd=REPO_DIR,
        env={**os.environ, "DATABASE_URL": bench_database_url},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures = {f["name"]: f for f in json.loads(output.read_text())["figures"]}
    assert set(figures) == {
        "scan.breach_pass",
        "scan.detection_lag.p50",
        "scan.detection_lag.p99",
    }
    passes = figures["scan.breach_pass"]
    assert passes["detail"]["breached"] == [20, 20, 20]
    assert passes["detail"]["partial_index_used"] is True
    assert "deadline_breach_due" in passes["detail"]["explain"]
    assert len(passes["baseline_runs"]) == 3
    lag = figures["scan.detection_lag.p99"]
    assert lag["detail"]["missed"] == [0, 0, 0]
    assert lag["detail"]["scan_interval_s"] == 0.25
    assert "--scan-interval every 0.25 s" in lag["note"]
