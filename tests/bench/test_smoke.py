"""The harness end to end: a tiny QUICK run of one benchmark writes a valid results file."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from bench.core import REPO_DIR


@pytest.mark.postgres
def test_a_quick_run_of_one_benchmark_creates_its_database_and_writes_valid_json(
    bench_database_url: str, tmp_path: Path
) -> None:
    output = tmp_path / "results.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--only",
            "report",
            "--referrals",
            "300",
            "--actors",
            "3",
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
    database = bench_database_url.rsplit("/", 1)[1]
    assert f"/{database} (created)" in done.stdout
    assert "report.crime_types_by_ward" in done.stdout

    document = json.loads(output.read_text())
    assert document["mode"] == "quick"
    assert document["services"]["database_name"] == database
    machine = document["machine"]
    for key in ("cores", "python", "django", "postgresql", "git_commit"):
        assert machine[key], key
    assert document["benchmarks"]["report"]["figures"] == 1
    (report,) = document["figures"]
    assert report["name"] == "report.crime_types_by_ward"
    assert len(report["runs"]) == 3
    assert len(report["baseline_runs"]) == 3
    assert report["value"] == statistics.median(report["runs"])
    assert report["baseline"] == statistics.median(report["baseline_runs"])
    assert report["ratio"] == report["value"] / report["baseline"]
    assert report["detail"]["referrals_total"] == 300
    assert "referrals_referral" in report["detail"]["explain"]
    assert "referrals_referral" in report["detail"]["baseline_explain"]


def test_an_unknown_benchmark_is_refused_before_anything_runs() -> None:
    # Nothing listens on port 1: the refusal must come before any connection is tried.
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--only", "reprot"],
        cwd=REPO_DIR,
        env={**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/csp_bench"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "--only: no benchmark named reprot" in done.stderr
