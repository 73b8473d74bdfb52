"""``python -m bench``: set up the bench database, run the benchmarks, print and save.

Environment first, Django second: the harness decides the settings module, database and
broker before Django reads them, and prints what it used.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from bench.core import MIN_RUNS, RESULTS_DIR, BenchError, Figure, Options, Services

# Full-size defaults are the issue's; QUICK keeps a run under five minutes on 2 cores.
FULL = {
    "referrals": 1_000_000,
    "audit_rows": 5_000_000,
    "actors": 500,
    "http_seconds": 15.0,
    "http_warmup": 2.0,
    "tasks_per_run": 500,
    "queries_per_run": 200,
    "deadlines": 1_000_000,
    "deadlines_due": 1_000,
    "lag_window": 30.0,
}
QUICK = {
    "referrals": 20_000,
    "audit_rows": 50_000,
    "actors": 100,
    "http_seconds": 4.0,
    "http_warmup": 1.0,
    "tasks_per_run": 100,
    "queries_per_run": 50,
    "deadlines": 20_000,
    "deadlines_due": 200,
    "lag_window": 15.0,
}


def _positive_int(minimum: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", "").replace(",", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="CSP Casework benchmarks: each figure is the median of 3+ runs, printed "
        "beside a baseline measured in the same run. Uses DATABASE_URL (a database whose "
        "name contains 'bench'), CELERY_BROKER_URL and CELERY_QUEUE, or local defaults.",
    )
    p.add_argument("--quick", action="store_true", help="small sizes, short runs (< 5 min)")
    p.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only these benchmarks (repeatable or comma-separated)",
    )
    p.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    p.add_argument(
        "--markdown",
        type=Path,
        metavar="RESULTS",
        help="print a results file's table as Markdown (for docs/performance.md) and exit",
    )
    p.add_argument(
        "--runs",
        type=_positive_int(MIN_RUNS),
        default=MIN_RUNS,
        help=f"runs per figure (at least {MIN_RUNS}; the median is reported)",
    )
    p.add_argument("--referrals", type=_positive_int(10), help="referrals to generate")
    p.add_argument(
        "--audit-rows",
        type=_positive_int(10),
        help="TransitionLog + LogEntry rows to generate (half each)",
    )
    p.add_argument("--actors", type=_positive_int(2), help="bench users acting in audit rows")
    p.add_argument("--http-seconds", type=_positive_float, help="measured window per HTTP run")
    p.add_argument("--http-warmup", type=_positive_float, help="uncounted seconds first")
    p.add_argument("--clients", type=_positive_int(1), default=8, help="concurrent clients")
    p.add_argument("--web-workers", type=_positive_int(1), default=2, help="gunicorn workers")
    p.add_argument(
        "--tasks", dest="tasks_per_run", type=_positive_int(10), help="no-op tasks per latency run"
    )
    p.add_argument(
        "--task-rate",
        type=_positive_float,
        default=50.0,
        help="tasks (later: transitions) per second, steady",
    )
    p.add_argument(
        "--worker-concurrency", type=_positive_int(1), default=2, help="Celery prefork processes"
    )
    p.add_argument(
        "--queries",
        dest="queries_per_run",
        type=_positive_int(20),
        help="queries per audit run (p95 needs 20+)",
    )
    p.add_argument("--deadlines", type=_positive_int(10), help="open deadlines to generate")
    p.add_argument(
        "--due-deadlines",
        dest="deadlines_due",
        type=_positive_int(1),
        help="of those, how many are due in each scan pass (and per detection-lag run)",
    )
    p.add_argument(
        "--lag-window",
        type=_positive_float,
        help="seconds over which each detection-lag run's deadlines fall due",
    )
    p.add_argument(
        "--scan-interval",
        type=_positive_float,
        help="seconds between scans in the detection-lag runs (default: beat's schedule, "
        "15 s): what the lag would be at another cadence",
    )
    p.add_argument(
        "--query-timeout",
        type=_positive_float,
        default=30.0,
        help="seconds one query of the report and audit figures may take before PostgreSQL "
        "cancels it and the figure is reported as not measured (default 30)",
    )
    p.add_argument(
        "--reuse-data",
        action="store_true",
        help="keep generated data already in the database when its size matches",
    )
    p.add_argument("--output", type=Path, help="results file (default bench/results/<date>.json)")
    return p


def _names(only: list[str], known: tuple[str, ...]) -> tuple[str, ...]:
    wanted = [n.strip() for item in only for n in item.split(",") if n.strip()]
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise BenchError(
            f"--only: no benchmark named {', '.join(unknown)}; choose from {', '.join(known)}"
        )
    return tuple(n for n in known if n in wanted) if wanted else known


def options_build(args: argparse.Namespace, known: tuple[str, ...], today: str) -> Options:
    sizes = QUICK if args.quick else FULL

    def size(name: str) -> Any:
        given = getattr(args, name)
        return sizes[name] if given is None else given

    return Options(
        quick=args.quick,
        referrals=size("referrals"),
        audit_rows=size("audit_rows"),
        actors=size("actors"),
        http_seconds=size("http_seconds"),
        http_warmup=size("http_warmup"),
        tasks_per_run=size("tasks_per_run"),
        queries_per_run=size("queries_per_run"),
        runs=args.runs,
        clients=args.clients,
        web_workers=args.web_workers,
        task_rate=args.task_rate,
        worker_concurrency=args.worker_concurrency,
        only=_names(args.only, known),
        output=args.output or RESULTS_DIR / f"{today}.json",
        reuse_data=args.reuse_data,
        deadlines=size("deadlines"),
        deadlines_due=size("deadlines_due"),
        lag_window=size("lag_window"),
        scan_interval=args.scan_interval,
        query_timeout=args.query_timeout,
    )


def environment_prepare(services: Services) -> None:
    """What Django, gunicorn and the worker read: bench settings, production-like flags."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DATABASE_URL"] = services.database_url
    os.environ["CELERY_BROKER_URL"] = services.broker_url
    os.environ["CELERY_QUEUE"] = services.queue
    # DEBUG off as in production (DEBUG keeps every query in memory); plain HTTP on loopback.
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    # The latency receiver listens on 127.0.0.1, which production refuses as a target.
    os.environ["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = "true"


def markdown_print(path: Path) -> int:
    from bench.core import figures_load, markdown_table

    try:
        document, figures = figures_load(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"bench: --markdown: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    m = document["machine"]
    print(
        f"{document['mode']} run of {document['started_at'][:16]}, commit "
        f"{m['git_commit'][:7]}; {m['cores']} cores, load average "
        f"{m['load_average'][0]:.1f} at start; Python {m['python']}, Django {m['django']}, "
        f"PostgreSQL {m['postgresql'].split()[0]}, RabbitMQ {m.get('rabbitmq') or '-'}\n"
    )
    print(markdown_table(figures))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.markdown:
        return markdown_print(args.markdown)
    from bench.services import database_ensure, mask_url, services_resolve

    try:
        services = services_resolve()
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    environment_prepare(services)
    import django

    django.setup()
    # httpx logs every request at INFO: thousands of lines per HTTP run.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.utils import timezone

    from bench.benchmarks import ORDER
    from bench.core import REGISTRY

    if args.list:
        for name in ORDER:
            print(f"{name:8} {REGISTRY[name].summary}")
        return 0
    try:
        options = options_build(args, ORDER, timezone.localdate().isoformat())
        created = database_ensure(services)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    print(f"Database: {mask_url(services.database_url)} ({'created' if created else 'existing'})")
    print(f"Broker:   {mask_url(services.broker_url)}  queue {services.queue}")
    print(
        f"Mode:     {'QUICK' if options.quick else 'full'}; runs {options.runs}; "
        f"benchmarks {', '.join(options.only)}",
        flush=True,
    )
    call_command("migrate", interactive=False, verbosity=0)
    return run(options, services)


def run(options: Options, services: Services) -> int:
    from django.db import connection
    from django.utils import timezone

    from bench.core import REGISTRY, Context, machine_info, results_write, table
    from bench.services import broker_version

    started_at = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = str(cursor.fetchone()[0])
    rabbitmq: str | None = None
    broker_error: str | None = None
    if any(REGISTRY[n].needs_broker for n in options.only):
        try:
            rabbitmq = broker_version(services.broker_url)
        except BenchError as exc:
            broker_error = str(exc)
    machine = machine_info(postgres_version=postgres, rabbitmq_version=rabbitmq)
    ctx = Context(options=options, services=services)
    figures: list[Figure] = []
    outcomes: dict[str, dict[str, Any]] = {}
    for name in options.only:
        entry = REGISTRY[name]
        print(f"\n== {name}: {entry.summary}", flush=True)
        began = time.perf_counter()
        try:
            if entry.needs_broker and broker_error:
                raise BenchError(broker_error)
            produced = entry.function(ctx)
        except Exception as exc:
            traceback.print_exc()
            outcomes[name] = {
                "seconds": round(time.perf_counter() - began, 1),
                "error": f"{type(exc).__name__}: {exc}",
            }
            continue
        figures += produced
        outcomes[name] = {
            "seconds": round(time.perf_counter() - began, 1),
            "figures": len(produced),
        }
        print(f"   done in {outcomes[name]['seconds']}s", flush=True)
    finished_at = timezone.now()
    # The machine may be shared: how busy it was at the end matters as much as at the start.
    machine["load_average_end"] = list(os.getloadavg())
    print("\n" + table(figures))
    failed = [n for n, o in outcomes.items() if "error" in o]
    for name in failed:
        print(f"\nFAILED {name}: {outcomes[name]['error']}")
    path = results_write(
        path=options.output,
        started_at=started_at,
        finished_at=finished_at,
        options=options,
        services=services,
        machine=machine,
        figures=figures,
        benchmarks=outcomes,
    )
    print(
        f"\nResults: {path}  ({(finished_at - started_at).total_seconds():.0f}s; "
        f"load average {machine['load_average'][0]:.2f} at start, "
        f"{machine['load_average_end'][0]:.2f} at end; "
        f"{machine['cores']} cores)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
