"""HTTP figures: the product's API against a bare DRF create, gunicorn on PostgreSQL.

Every run starts a fresh gunicorn (the product's WSGI app under bench settings, sync
workers like the Procfile), so each run's worker memory peak is its own. The baseline and
the product subjects take turns within a run. A product endpoint that does not resolve is
reported as "not measured: API not installed", never estimated.
"""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import Resolver404, resolve
from django.utils import timezone

from bench import generate
from bench.core import BenchError, Context, Figure, benchmark, figure
from bench.load import LoadResult, Request, RequestFactory, load_run
from bench.procs import Gunicorn, process_memory
from partners.demo import ward_code
from partners.tokens import token_issue

BASELINE_PATH = "/bench/baseline/records/"
BASELINE_NAME = "bare DRF create"
NOT_INSTALLED = "not measured: API not installed"


def api_installed(path: str) -> bool:
    """True when ``path`` resolves in the URLs gunicorn serves (bench.urls)."""
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def baseline_requests() -> RequestFactory:
    """Creates of BaselineRecord with Referral-like values, each with a unique reference."""
    run = uuid.uuid4().hex[:8]
    now = timezone.now()

    def make(i: int) -> Request:
        return Request(
            "POST",
            BASELINE_PATH,
            {
                "reference": f"B{run}-{i:010d}",
                "kind": "asb",
                "category": "noise",
                "summary": "Loud music every night after midnight from the flat above.",
                "occurred_at": (now - timedelta(hours=2)).isoformat(),
                "reported_at": now.isoformat(),
                "raised_by": "officer",
                "raising_agency": "kestrel-police",
                "ward_code": ward_code(9),
                "location_text": f"{i} Quay Street",
                "location_key": f"{i} quay street",
                "postcode": "",
                "details": {"victim_vulnerable": False, "repeat_incident": True},
                "case_reference": "",
            },
        )

    return make


def referral_requests() -> RequestFactory:
    """ASB referrals as issue 6 specifies the POST body, at distinct addresses."""
    occurred = (timezone.now() - timedelta(hours=2)).isoformat()

    def make(i: int) -> Request:
        return Request(
            "POST",
            "/api/v1/referrals/",
            {
                "kind": "asb",
                "ward": ward_code(i % 20),
                "category": "noise",
                "summary": "Loud music every night after midnight from the flat above.",
                "occurred_at": occurred,
                "location_text": f"{i} Bench Road",
                "subjects": [{"role": "complainant", "full_name": f"Bench Resident {i}"}],
                "details": {"victim_vulnerable": False, "repeat_incident": False},
            },
        )

    return make


def transition_requests(case_ids: list[int]) -> RequestFactory:
    """One triage per case (no two clients queue on one case's row lock)."""

    def make(i: int) -> Request | None:
        if i >= len(case_ids):
            return None
        return Request(
            "POST",
            f"/api/v1/cases/{case_ids[i]}/transitions/",
            {"transition": "triage", "reason": "Triaged by the benchmark.", "data": {}},
        )

    return make


def baseline_token() -> str:
    user, _ = get_user_model().objects.get_or_create(username="bench-http")
    return token_issue(user=user, two_factor=False).key


def product_token(base_url: str, username: str) -> str:
    """A token from the product's own endpoint (issue 6), as a client would get one."""
    response = httpx.post(
        f"{base_url}/api/v1/auth/token/",
        json={"username": username, "password": settings.DEMO_PASSWORD},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["token"])


@dataclass
class Subject:
    name: str  # figure prefix, e.g. "api.referral_create"
    expect: int
    requests: Callable[[Context], RequestFactory]
    token: Callable[[str], str]  # base_url -> token
    probe: str  # a path that resolves when the endpoint is installed


@dataclass
class Run:
    load: LoadResult
    idle_mib: float
    peak_mib: float


def _one_run(
    ctx: Context, *, make: RequestFactory, token: Callable[[str], str], expect: int
) -> Run:
    opts = ctx.options
    with Gunicorn(workers=opts.web_workers) as server:
        key = token(server.base_url)
        # Touch every worker's URLconf and views before the idle reading.
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            for _ in range(opts.web_workers * 4):
                http.get("/healthz")
        idle = max(process_memory(pid).rss_mib for pid in server.worker_pids())
        load = load_run(
            base_url=server.base_url,
            make_request=make,
            expect_status=expect,
            clients=opts.clients,
            duration=opts.http_seconds,
            warmup=opts.http_warmup,
            token=key,
        )
        server.check_alive()
        if load.completed == 0:
            raise BenchError(
                f"no request succeeded ({load.failure_note() or 'none sent'}); "
                f"see {server.log_path}"
            )
        peak = max(process_memory(pid).peak_mib for pid in server.worker_pids())
    return Run(load=load, idle_mib=idle, peak_mib=peak)


def _pool(ctx: Context) -> RequestFactory:
    partnership = generate.partnership_ensure(actors=ctx.options.actors)
    # Enough cases that the window, not the pool, ends the run at up to 1,000 req/s.
    size = int((ctx.options.http_seconds + ctx.options.http_warmup) * 1000)
    return transition_requests(generate.asb_cases_append(count=size, partnership=partnership))


SUBJECTS = [
    Subject(
        "api.referral_create",
        201,
        lambda ctx: referral_requests(),
        lambda base_url: product_token(base_url, "officer"),
        "/api/v1/referrals/",
    ),
    Subject(
        "api.case_transition",
        200,
        _pool,
        lambda base_url: product_token(base_url, "asb_coordinator"),
        "/api/v1/cases/1/transitions/",
    ),
]


def conn_max_age() -> int | None:
    """The gunicorn workers' CONN_MAX_AGE (they inherit this process's environment)."""
    value = settings.DATABASES["default"].get("CONN_MAX_AGE")
    return None if value is None else int(value)


def _figures(prefix: str, runs: list[Run] | None, base: list[Run], note: str) -> list[Figure]:
    measured = runs or []
    failures = "; ".join(r.load.failure_note() for r in measured if r.load.failures)
    note = failures or note
    return [
        figure(
            f"{prefix}.rps",
            "req/s",
            "higher",
            [r.load.rps for r in measured],
            f"{BASELINE_NAME} req/s",
            [r.load.rps for r in base],
            note=note,
            detail={
                "requests": [r.load.completed for r in measured],
                "failed": [sum(r.load.failures.values()) for r in measured],
                "window_s": [round(r.load.window, 2) for r in measured],
                "conn_max_age": conn_max_age(),
            },
        ),
        figure(
            f"{prefix}.p50",
            "ms",
            "lower",
            [r.load.p(50) for r in measured],
            f"{BASELINE_NAME} p50",
            [r.load.p(50) for r in base],
            note=note,
        ),
        figure(
            f"{prefix}.p99",
            "ms",
            "lower",
            [r.load.p(99) for r in measured],
            f"{BASELINE_NAME} p99",
            [r.load.p(99) for r in base],
            note=note,
        ),
        figure(
            f"memory.web_worker.{prefix.split('.', 1)[1]}",
            "MiB",
            "lower",
            [r.peak_mib for r in measured],
            f"{BASELINE_NAME} peak RSS",
            [r.peak_mib for r in base],
            note=note,
        ),
    ]


@benchmark("api")
def api(ctx: Context) -> list[Figure]:
    """Requests/s and p50/p99 over HTTP, 8 clients, gunicorn on PostgreSQL; worker peak RSS."""
    generate.partnership_ensure(actors=ctx.options.actors)
    installed = [s for s in SUBJECTS if api_installed(s.probe)]
    base_runs: list[Run] = []
    product_runs: dict[str, list[Run]] = {s.name: [] for s in installed}
    key = baseline_token()
    for i in range(ctx.options.runs):
        turns: list[Any] = [None, *installed]
        for subject in turns if i % 2 == 0 else turns[::-1]:
            if subject is None:
                base_runs.append(
                    _one_run(ctx, make=baseline_requests(), token=lambda _u: key, expect=201)
                )
            else:
                product_runs[subject.name].append(
                    _one_run(
                        ctx,
                        make=subject.requests(ctx),
                        token=subject.token,
                        expect=subject.expect,
                    )
                )
        print(f"  run {i + 1}: bare DRF {base_runs[-1].load.rps:.0f} req/s", flush=True)
    base_failures = "; ".join(r.load.failure_note() for r in base_runs if r.load.failures)
    figures = [
        figure(
            "memory.web_worker.bare_drf_create",
            "MiB",
            "lower",
            [r.peak_mib for r in base_runs],
            "same worker idle after boot",
            [r.idle_mib for r in base_runs],
            note=base_failures
            or f"largest of {ctx.options.web_workers} gunicorn workers (VmHWM vs VmRSS)",
        ),
    ]
    for subject in SUBJECTS:
        if subject.name in product_runs:
            figures += _figures(subject.name, product_runs[subject.name], base_runs, "")
        else:
            figures += _figures(subject.name, None, base_runs, NOT_INSTALLED)
    if base_failures:
        figures[0].detail["baseline_failures"] = base_failures
    figures[0].detail["baseline_requests"] = [r.load.completed for r in base_runs]
    figures[0].detail["baseline_failed"] = [sum(r.load.failures.values()) for r in base_runs]
    figures[0].detail["conn_max_age"] = conn_max_age()
    figures[0].detail["baseline_rps_median"] = statistics.median(r.load.rps for r in base_runs)
    return figures
