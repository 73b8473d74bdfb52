"""The harness's figures, statistics, flags and safety checks (no timing assertions)."""

from __future__ import annotations

import pytest

from bench.cli import parser
from bench.core import BenchError, figure, markdown_table, percentile, table
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
