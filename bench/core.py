"""The harness's vocabulary: options, figures, the benchmark registry, statistics, output.

A benchmark is a function ``(ctx) -> list[Figure]``. It runs its subject and its baseline
``ctx.options.runs`` times each, interleaved, and reports every run; a figure's value is
the median of its runs, printed beside the baseline measured in the same invocation.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import statistics
import subprocess
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

MIN_RUNS = 3
BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"

Better = Literal["higher", "lower"]


class BenchError(Exception):
    """A benchmark could not run as asked; the message says what to change."""


@dataclass(frozen=True)
class Options:
    quick: bool
    runs: int
    referrals: int
    audit_rows: int
    actors: int
    http_seconds: float
    http_warmup: float
    clients: int
    web_workers: int
    tasks_per_run: int
    task_rate: float
    worker_concurrency: int
    queries_per_run: int
    only: tuple[str, ...]
    output: Path
    reuse_data: bool = False
    deadlines: int = 20_000
    deadlines_due: int = 200
    lag_window: float = 15.0
    scan_interval: float | None = None  # None: beat's schedule for the scanner
    query_timeout: float = 30.0  # seconds; a slower query is reported, not waited for


@dataclass(frozen=True)
class Services:
    """Where the harness runs: printed at start and stored with the results."""

    database_url: str
    database_name: str
    broker_url: str
    queue: str


@dataclass
class Context:
    options: Options
    services: Services
    # Set by benchmarks for the ones after them (e.g. which data sets exist, and how big).
    state: dict[str, Any] = field(default_factory=dict)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be within 0..100, got {q}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Figure:
    """One measured quantity and the baseline it is read against.

    ``runs`` is empty when the subject could not be measured here; ``note`` then says why
    (for example "not measured: API not installed"), and no number is invented.
    """

    name: str
    unit: str
    better: Better
    runs: tuple[float, ...]
    baseline_name: str
    baseline_runs: tuple[float, ...]
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for label, runs in (("runs", self.runs), ("baseline_runs", self.baseline_runs)):
            if runs and len(runs) < MIN_RUNS:
                raise BenchError(
                    f"{self.name}: {label} has {len(runs)} run(s); a figure needs {MIN_RUNS}+"
                )
        if not self.runs and not self.note:
            raise BenchError(f"{self.name}: an unmeasured figure must say why in its note")

    @property
    def value(self) -> float | None:
        return statistics.median(self.runs) if self.runs else None

    @property
    def baseline(self) -> float | None:
        return statistics.median(self.baseline_runs) if self.baseline_runs else None

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            runs=list(self.runs),
            baseline_runs=list(self.baseline_runs),
            value=self.value,
            baseline=self.baseline,
            ratio=self.ratio,
        )
        return data


def figure(
    name: str,
    unit: str,
    better: Better,
    runs: Iterable[float],
    baseline_name: str,
    baseline_runs: Iterable[float],
    note: str = "",
    detail: dict[str, Any] | None = None,
) -> Figure:
    return Figure(
        name=name,
        unit=unit,
        better=better,
        runs=tuple(runs),
        baseline_name=baseline_name,
        baseline_runs=tuple(baseline_runs),
        note=note,
        detail=detail or {},
    )


Benchmark = Callable[[Context], list[Figure]]


@dataclass(frozen=True)
class Registered:
    name: str
    function: Benchmark
    needs_broker: bool
    summary: str


REGISTRY: dict[str, Registered] = {}


def benchmark(name: str, *, needs_broker: bool = False) -> Callable[[Benchmark], Benchmark]:
    """Register ``function`` to run under ``name`` (in registration order)."""

    def register(function: Benchmark) -> Benchmark:
        if name in REGISTRY:
            raise ValueError(f"benchmark {name!r} is registered twice")
        summary = (function.__doc__ or "").strip().splitlines()[0] if function.__doc__ else ""
        REGISTRY[name] = Registered(name, function, needs_broker, summary)
        return function

    return register


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit in {"req/s", "rows"}:
        return f"{value:,.0f} {unit}"
    return f"{value:,.3g} {unit}" if value < 100 else f"{value:,.0f} {unit}"


def table(figures: Sequence[Figure]) -> str:
    """A plain-text table: figure, median, baseline (same run), ratio, runs, note."""
    header = ("figure", "median", "baseline (same run)", "baseline median", "ratio", "runs")
    rows = [header]
    for f in figures:
        value = _fmt(f.value, f.unit) if f.runs else f.note
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else "-"
        runs = f"{len(f.runs)}/{len(f.baseline_runs)}"
        rows.append((f.name, value, f.baseline_name, _fmt(f.baseline, f.unit), ratio, runs))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  {f.name}: {f.note}" for f in figures if f.runs and f.note]
    if notes:
        lines += ["", "notes:", *notes]
    return "\n".join(lines)


def markdown_table(figures: Sequence[Figure]) -> str:
    """The same table in Markdown, for docs/performance.md."""
    lines = [
        "| figure | median | baseline (same run) | baseline median | ratio |",
        "|---|---|---|---|---|",
    ]
    for f in figures:
        value = _fmt(f.value, f.unit) if f.runs else f"*{f.note}*"
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else "-"
        lines.append(
            f"| {f.name} | {value} | {f.baseline_name} | {_fmt(f.baseline, f.unit)} | {ratio} |"
        )
    return "\n".join(lines)


def _git(*args: str) -> str:
    try:
        out = subprocess.run(
            ["git", *args], cwd=REPO_DIR, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _memory_total_mib() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def machine_info(*, postgres_version: str, rabbitmq_version: str | None) -> dict[str, Any]:
    """What the figures were measured on; load average because the machine may be shared."""
    import celery
    import django
    import rest_framework

    commit = _git("rev-parse", "HEAD")
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_mib": _memory_total_mib(),
        "load_average": list(os.getloadavg()),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "djangorestframework": rest_framework.VERSION,
        "celery": celery.__version__,
        "postgresql": postgres_version,
        "rabbitmq": rabbitmq_version,
        "git_commit": commit,
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }


def settings_info() -> dict[str, Any]:
    """The Django settings that move the figures most."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    return {
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE"),
        "DEBUG": settings.DEBUG,
        # 0 (the product's default) opens a PostgreSQL connection for every request.
        "CONN_MAX_AGE": db.get("CONN_MAX_AGE"),
        "CELERY_TASK_ACKS_LATE": settings.CELERY_TASK_ACKS_LATE,
        "CELERY_WORKER_PREFETCH_MULTIPLIER": settings.CELERY_WORKER_PREFETCH_MULTIPLIER,
        "CELERY_BROKER_TRANSPORT_OPTIONS": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    }


def results_write(
    *,
    path: Path,
    started_at: datetime,
    finished_at: datetime,
    options: Options,
    services: Services,
    machine: dict[str, Any],
    figures: Sequence[Figure],
    benchmarks: dict[str, dict[str, Any]],
) -> Path:
    """Write the run as JSON (replacing an earlier run's file of the same name)."""
    document = {
        "schema": 1,
        "mode": "quick" if options.quick else "full",
        "started_at": started_at.isoformat(),
        "finished_at": finished_at.isoformat(),
        "machine": machine,
        "settings": settings_info(),
        "services": asdict(services),
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(options).items()},
        "benchmarks": benchmarks,
        "figures": [f.as_json() for f in figures],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, indent=2, default=str) + "\n")
    tmp.replace(path)
    return path


def explain_sql(query: str, params: Sequence[Any] = (), *, analyze: bool = True) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of raw SQL, as the text PostgreSQL prints; with
    ``analyze=False`` the plan alone, for a query too slow to run."""
    from django.db import connection

    options = "ANALYZE, BUFFERS" if analyze else "COSTS"
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) {query}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@contextlib.contextmanager
def statement_timeout(seconds: float) -> Iterator[None]:
    """PostgreSQL cancels any statement of this connection that runs longer than this."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, false)", [str(int(seconds * 1000))]
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")


def timed_out(exc: BaseException) -> bool:
    """Whether a database error is PostgreSQL cancelling a statement at its timeout."""
    from psycopg.errors import QueryCanceled

    return isinstance(exc.__cause__, QueryCanceled) or isinstance(exc, QueryCanceled)


def explain_calls(call: Callable[[], Any], *, analyze: bool = True) -> tuple[list[str], int]:
    """Run ``call`` once and EXPLAIN (ANALYZE, BUFFERS) each SELECT it sent, as sent.

    The plans are of the product code's own SQL, not of a copy of it. Also returns how many
    queries the call made (the baselines match that number of round trips). With
    ``analyze=False`` the call may fail (a statement timeout): the statements it sent up to
    then are explained without running them.
    """
    from django.db import DatabaseError, connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        if analyze:
            call()
        else:
            with contextlib.suppress(DatabaseError):
                call()
    sent = [q["sql"] for q in captured.captured_queries]
    plans = [
        explain_sql(q, analyze=analyze) for q in sent if q.lstrip().upper().startswith("SELECT")
    ]
    return plans, len(sent)


def seq_scans(plans: Iterable[str]) -> list[str]:
    """Tables any of the plans read by a sequential scan."""
    return sorted(
        {
            line.split("Seq Scan on ", 1)[1].split()[0]
            for p in plans
            for line in p.splitlines()
            if "Seq Scan on " in line
        }
    )


def figures_load(path: Path) -> tuple[dict[str, Any], list[Figure]]:
    """A results file's document and its figures, rebuilt (for tables in the docs)."""
    document = json.loads(path.read_text())
    figures = [
        figure(
            item["name"],
            item["unit"],
            item["better"],
            item["runs"],
            item["baseline_name"],
            item["baseline_runs"],
            note=item.get("note", ""),
            detail=item.get("detail") or {},
        )
        for item in document["figures"]
    ]
    return document, figures
