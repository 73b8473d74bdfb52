"""PostgreSQL goes away during a burst of referrals through the API, then comes back.

A TCP proxy between gunicorn and PostgreSQL cuts every connection and resets new ones for a
few seconds, which is what the service sees while PostgreSQL restarts (the shared server is
never touched). While it is down the API must answer 503 with a problem document, never
500; afterwards every acknowledged referral must exist once, whole (case, subject, opening
log row), nothing half-written may exist, and the same gunicorn workers must serve again.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bench.procs import Gunicorn
from cases.models import Case, Subject
from referrals.models import Referral
from tests.faults.scenario import Counts, Sizes, database_url, server_env
from tests.personas import payload
from tests.support.signin import token_for
from tests.support.tcp_proxy import TcpProxy
from workflows.models import TransitionLog

pytestmark = [
    pytest.mark.faults,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

PROBLEM = "application/problem+json"
# Time for a worker's first query after the outage to open its new connection.
RECONNECT_GRACE = 1.0


@dataclass(frozen=True)
class Sent:
    marker: str
    began: float
    ended: float
    status: int | str  # the HTTP status, or the client-side error's name
    body: Any
    retry_after: str | None
    content_type: str


def _client(base_url: str, token: str, tag: str, n: int, stop: threading.Event) -> list[Sent]:
    sent = []
    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Token {token}"}, timeout=30
    ) as http:
        i = 0
        while not stop.is_set():
            marker = f"{tag} {n}-{i} Outage Road"
            body = payload(
                "asb",
                location_text=marker,
                subjects=[{"role": "complainant", "full_name": marker}],
            )
            began = time.monotonic()
            try:
                response = http.post("/api/v1/referrals/", json=body)
                status: int | str = response.status_code
                content_type = response.headers.get("content-type", "")
                parsed = response.json() if "json" in content_type else response.text
                retry_after = response.headers.get("retry-after")
            except httpx.HTTPError as exc:
                status, parsed, retry_after, content_type = type(exc).__name__, None, None, ""
            sent.append(
                Sent(marker, began, time.monotonic(), status, parsed, retry_after, content_type)
            )
            i += 1
    return sent


def _burst(
    *, proxy: TcpProxy, base_url: str, token: str, tag: str, sizes: Sizes
) -> tuple[list[Sent], list[tuple[float, float]]]:
    """Clients post referrals throughout; the database goes away ``sizes.outages`` times."""
    stop = threading.Event()
    results: list[list[Sent]] = [[] for _ in range(sizes.clients)]

    def run(n: int) -> None:
        results[n] = _client(base_url, token, tag, n, stop)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(sizes.clients)]
    for t in threads:
        t.start()
    outages = []
    try:
        time.sleep(sizes.before)
        for _ in range(sizes.outages):
            outages.append(proxy.outage(sizes.outage))
            time.sleep(sizes.after)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    return [s for client in results for s in client], outages


def _during(sent: Sent, outages: list[tuple[float, float]]) -> bool:
    """Whether the request overlapped an outage (or the reconnect just after it)."""
    return any(sent.ended >= down and sent.began <= up + RECONNECT_GRACE for down, up in outages)


def _cut_in_flight(sent: Sent, outages: list[tuple[float, float]]) -> bool:
    """Whether connections were cut while this request was being served."""
    return any(sent.began <= down <= sent.ended for down, _ in outages)


@pytest.mark.parametrize("conn_max_age", [0, 60], ids=["new-connection", "persistent"])
def test_the_api_answers_503_while_postgresql_is_away_and_loses_nothing(
    people: Any, sizes: Sizes, database_target: tuple[str, int], conn_max_age: int
) -> None:
    token = token_for(people.officer)
    tag = f"F{uuid.uuid4().hex[:8]}"
    with TcpProxy(database_target) as proxy:
        env = server_env(database=database_url(port=proxy.port), conn_max_age=conn_max_age)
        with Gunicorn(workers=2, env=env) as server:
            workers = server.worker_pids()
            sent, outages = _burst(
                proxy=proxy, base_url=server.base_url, token=token, tag=tag, sizes=sizes
            )
            server.check_alive()
            assert server.worker_pids() == workers, "a worker was restarted"

    statuses = Counter(s.status for s in sent)
    refused = [s for s in sent if s.status == 503]
    # While it was away: 503 problem documents only; never a 500, never a dropped reply.
    assert set(statuses) <= {201, 503}, statuses
    assert refused, "no request saw the outage"
    for s in refused:
        assert s.content_type == PROBLEM
        assert s.body["type"] == "urn:csp-casework:problem:database-unavailable"
        assert s.body["status"] == 503
        assert s.retry_after == "5"
        assert _during(s, outages), "a 503 outside the outage"
    # Recovered without a restart: everything sent after it came back succeeded.
    after = [s for s in sent if not _during(s, outages)]
    assert all(s.status == 201 for s in after)
    assert any(s.began > outages[-1][1] for s in after)

    # Read directly from PostgreSQL, not through the proxy.
    referrals = list(
        Referral.objects.filter(location_text__startswith=tag)
        .select_related("case")
        .prefetch_related("subjects")
    )
    stored = Counter(r.location_text for r in referrals)
    acknowledged = {s.marker: s for s in sent if s.status == 201}
    by_marker = {s.marker: s for s in sent}
    counts = Counts(
        scenario=f"PostgreSQL away during an API burst ({conn_max_age=})",
        sent=len(sent),
        committed=sum(1 for m in acknowledged if m in stored),
        duplicated=sum(n - 1 for n in stored.values()),
        lost=sum(1 for m in acknowledged if m not in stored),
    )
    # Committed, but the reply was lost with the connection: only a request in flight at
    # the cut can be in this state, and it is whole like any other.
    unacknowledged = [m for m in stored if m not in acknowledged]
    counts.other = {
        "503": len(refused),
        "committed_reply_lost": len(unacknowledged),
        "connections_cut": proxy.cut,
        "outages": len(outages),
    }
    counts.report()
    assert counts.lost == 0
    assert counts.duplicated == 0
    for marker in unacknowledged:
        assert _cut_in_flight(by_marker[marker], outages), marker

    # Nothing half-written: each referral has its case, its one subject and the opening log
    # row; no case, subject or log row of the burst exists without its referral.
    for r in referrals:
        subjects = list(r.subjects.all())
        assert [s.full_name for s in subjects] == [r.location_text]
        assert subjects[0].case_id == r.case_id
        if r.location_text in acknowledged:
            assert acknowledged[r.location_text].body["id"] == r.pk
            assert acknowledged[r.location_text].body["case"]["reference"] == r.case.reference
    case_ids = {r.case_id for r in referrals}
    burst_cases = set(
        Case.objects.filter(location_text__startswith=tag).values_list("pk", flat=True)
    )
    assert burst_cases == case_ids
    assert Subject.objects.filter(full_name__startswith=tag).count() == len(referrals)
    opened = Counter(
        TransitionLog.objects.filter(case_id__in=case_ids, transition="open").values_list(
            "case_id", flat=True
        )
    )
    assert opened == Counter(case_ids)
