"""50 clients send the same transition for one case at the same moment, over HTTP.

The transition service locks the case row; the first to take it wins and the others find
the state already moved. Exactly one 200, 49 conflicts (409 problem documents) and one
transition log row and one outbox event per case, whatever the interleaving.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import httpx
import pytest

from bench.procs import Gunicorn
from cases.models import Case
from notifications.models import OutboxEvent
from tests.faults.scenario import Counts, Sizes, database_url, server_env
from tests.personas import raise_referral
from tests.support.signin import token_for
from workflows.models import TransitionLog

pytestmark = [
    pytest.mark.faults,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

RACERS = 50


def _race(base_url: str, token: str, case_id: int) -> list[tuple[int, Any]]:
    """RACERS clients, each with its connection open, released together by a barrier."""
    start = threading.Barrier(RACERS)
    results: list[tuple[int, Any]] = []
    lock = threading.Lock()

    def racer() -> None:
        with httpx.Client(
            base_url=base_url, headers={"Authorization": f"Token {token}"}, timeout=60
        ) as http:
            http.get("/healthz")  # open the connection before the start
            start.wait()
            response = http.post(
                f"/api/v1/cases/{case_id}/transitions/",
                json={"transition": "triage", "reason": "Triaged in the race."},
            )
        with lock:
            results.append((response.status_code, response.json()))

    threads = [threading.Thread(target=racer) for _ in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_fifty_concurrent_transitions_on_one_case_have_one_winner_and_one_log_row(
    people: Any, sizes: Sizes
) -> None:
    token = token_for(people.asb_coordinator)
    cases = [raise_referral(people.officer, "asb").case for _ in range(sizes.conflict_rounds)]
    # Repeated referrals may flag a case review on a case, which changes its version too.
    versions = {case.pk: Case.objects.get(pk=case.pk).version for case in cases}
    # 16 requests served at once (2 processes x 8 threads), each on its own connection:
    # a real race for the row lock that stays well inside PostgreSQL's connection limit.
    env = server_env(database=database_url(), conn_max_age=0)
    with Gunicorn(workers=2, threads=8, env=env) as server:
        rounds = [_race(server.base_url, token, case.pk) for case in cases]
        server.check_alive()

    counts = Counts(scenario=f"{RACERS} concurrent transitions on one case x{len(cases)}")
    for case, results in zip(cases, rounds, strict=True):
        statuses = Counter(status for status, _ in results)
        logged = TransitionLog.objects.filter(case=case, transition="triage").count()
        events = OutboxEvent.objects.filter(case=case, type="case.transitioned").count()
        counts.sent += len(results)
        counts.committed += logged
        counts.duplicated += max(0, logged - 1) + max(0, events - 1)
        counts.lost += statuses[200] - min(logged, statuses[200])
        assert statuses == {200: 1, 409: RACERS - 1}, statuses
        for status, body in results:
            if status == 409:
                assert body["type"] == "urn:csp-casework:problem:conflict"
                assert "not available from state 'triaged'" in body["detail"]
            else:
                assert body["state"] == "triaged"
        assert logged == 1
        assert events == 1
        case.refresh_from_db()
        assert (case.state, case.version) == ("triaged", versions[case.pk] + 1)
    counts.other = {"409": sum(RACERS - 1 for _ in rounds)}
    counts.report()
    assert counts.lost == 0
    assert counts.duplicated == 0
