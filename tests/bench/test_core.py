"""The harness's figures, statistics, flags and safety checks (no timing assertions)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.cli import main, parser
from bench.core import (
    BenchError,
    Options,
    figure,
    markdown_table,
    percentile,
    results_write,
    table,
)
from bench.services import mask_url, services_resolve


def test_percentile_interpolates_between_closest_ranks() -> None:
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([4, 1, 3, 2], 0) == 1
    assert percentile([4, 1, 3, 2], 100) == 4
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    assert percentile([7.0], 99) == 7.0


def test_percentile_refuses_no_values_and_out_of_range_q() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)
    with pytest.raises(ValueError, match=r"0\.\.100"):
        percentile([1.0], 101)


def test_a_figure_is_the_median_of_its_runs_read_against_its_baseline() -> None:
    f = figure("api.x.rps", "req/s", "higher", [90, 120, 100], "bare", [210, 190, 200])
    assert f.value == 100
    assert f.baseline == 200
    assert f.ratio == 0.5
    data = f.as_json()
    assert data["runs"] == [90, 120, 100]
    assert (data["value"], data["baseline"], data["ratio"]) == (100, 200, 0.5)


def test_a_figure_needs_at_least_three_runs_of_each() -> None:
    with pytest.raises(BenchError, match="runs has 2 run"):
        figure("x", "ms", "lower", [1, 2], "b", [1, 2, 3])
    with pytest.raises(BenchError, match="baseline_runs has 1 run"):
        figure("x", "ms", "lower", [1, 2, 3], "b", [1])


def test_an_unmeasured_figure_says_why_and_has_no_value_or_ratio() -> None:
    with pytest.raises(BenchError, match="must say why"):
        figure("x", "ms", "lower", [], "b", [1, 2, 3])
    f = figure("api.y.p50", "ms", "lower", [], "bare p50", [3, 1, 2], note="not measured: API")
    assert f.value is None
    assert f.ratio is None
    assert f.baseline == 2
    printed = table([f])
    assert "not measured: API" in printed
    assert "2 ms" in printed
    assert "*not measured: API*" in markdown_table([f])


def test_fewer_than_three_runs_is_refused_naming_the_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["--runs", "2"])
    assert "--runs" in capsys.readouterr().err


def test_a_bad_size_is_refused_naming_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["--referrals", "lots"])
    assert "--referrals" in capsys.readouterr().err


def test_sizes_accept_thousands_separators() -> None:
    assert parser().parse_args(["--referrals", "1_000_000"]).referrals == 1_000_000


def test_local_services_are_the_default_with_a_dedicated_bench_database() -> None:
    services = services_resolve({})
    assert services.database_url == "postgres://postgres@127.0.0.1:5432/csp_bench"
    assert services.database_name == "csp_bench"
    assert services.broker_url.startswith("amqp://")
    assert services.queue == "csp-bench"


def test_a_database_not_named_for_the_bench_is_refused() -> None:
    # The bench empties the tables it fills: a developer's own database must be safe.
    with pytest.raises(BenchError, match=r"DATABASE_URL.*must contain 'bench'"):
        services_resolve({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/csp"})


def test_sqlite_is_refused_naming_database_url() -> None:
    with pytest.raises(BenchError, match="DATABASE_URL: the bench runs on PostgreSQL"):
        services_resolve({"DATABASE_URL": "sqlite:////tmp/bench.sqlite3"})


def test_passwords_are_masked_in_printed_urls() -> None:
    assert mask_url("amqp://guest:s3cret@127.0.0.1:5672//") == "amqp://guest:***@127.0.0.1:5672//"
    assert mask_url("postgres://postgres@127.0.0.1/csp_bench") == (
        "postgres://postgres@127.0.0.1/csp_bench"
    )


def _options(tmp_path: Path) -> Options:
    return Options(
        quick=True,
        runs=3,
        referrals=10,
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
    )


def test_a_results_file_round_trips_into_the_markdown_table_for_the_docs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    measured = figure("report.x", "ms", "lower", [3, 1, 2], "count(*)", [1, 1, 1])
    missing = figure("api.y.rps", "req/s", "higher", [], "bare", [5, 6, 7], note="not measured")
    now = datetime(2026, 6, 2, 13, 0, tzinfo=UTC)
    path = results_write(
        path=tmp_path / "2026-06-02.json",
        started_at=now,
        finished_at=now,
        options=_options(tmp_path),
        services=services_resolve({}),
        machine={
            "cores": 2,
            "python": "3.11",
            "django": "5.2",
            "postgresql": "15.2 (Debian)",
            "rabbitmq": None,
            "git_commit": "0123456789",
            "load_average": [1.5, 1, 1],
        },
        figures=[measured, missing],
        benchmarks={"report": {"seconds": 1.0, "figures": 2}},
    )

    assert main(["--markdown", str(path)]) == 0

    out = capsys.readouterr().out
    assert "quick run of 2026-06-02T13:00, commit 0123456" in out
    assert "| report.x | 2 ms | count(*) | 1 ms | 2.00x |" in out
    assert "| api.y.rps | *not measured* | bare | 6 req/s | - |" in out


def test_an_unreadable_results_file_is_refused_naming_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--markdown", str(tmp_path / "missing.json")]) == 2
    assert "--markdown: cannot read" in capsys.readouterr().err
