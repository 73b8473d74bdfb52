"""The Celery worker is killed with SIGKILL mid-burst and a fresh one started: every
notification is delivered, and a webhook-id arrives twice only where the kill fell between
its POST and the record of it.

A real prefork worker (two pool processes, as in the Procfile) relays and delivers while
transitions arrive through the API at a steady rate; mid-burst its whole process group gets
SIGKILL (no cleanup, no acknowledgement) and a fresh worker is started. Beat sends the
outbox sweep every 5 s throughout. Nothing may be lost: tasks are acknowledged late and
rejected when their worker is lost (``acks_late``, ``reject_on_worker_lost``), so RabbitMQ
hands every message the dead worker held to the new one; a relay cut short rolls back with
its PostgreSQL connection and is done again.

What the product guarantees is at-least-once with a stable webhook-id, not exactly-once. A
delivery is saved as "sending" (claimed, with a lease) before its POST and recorded after
it; a worker killed between the two leaves a row the new worker sends again when the lease
runs out, and the receiver sees that webhook-id twice (it drops the repeat by the id). The
receiver answers after 50 ms, as a partner's server would, so that window is real. So
the test asserts: lost 0; a webhook-id arrives twice only if its delivery was "sending" at a
kill and its first copy arrived before that kill; never more often than that. Every other
event arrives exactly once. Duplicates are counted and reported, however rare.

The workers run with NOTIFICATIONS_SENDING_LEASE_SECONDS=10 (production: 90, above the task
time limit) so a dead worker's claims run out within the test, and with
NOTIFICATIONS_STUCK_AFTER_SECONDS=30 (production: 300) so a delivery whose task died
between the relay's commit and its enqueue is sent again by the sweep within the test.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from notifications.models import DeliveryStatus
from tests.faults.pipeline import Pipeline, TransitionStream, transition_cases, transition_events
from tests.faults.scenario import DeliveryCounts, Sizes
from workflows.models import TransitionLog

pytestmark = [
    pytest.mark.faults,
    pytest.mark.postgres,
    pytest.mark.broker,
    pytest.mark.django_db(transaction=True),
]

LEASE_SECONDS = 10


def test_every_transition_is_notified_after_the_worker_is_killed_and_restarted(
    rabbitmq: str, sizes: Sizes, tmp_path: Path
) -> None:
    case_ids, token = transition_cases(int(sizes.kill_burst * sizes.transition_rate * 1.5) + 50)
    # When each kill happened, and the events whose delivery the dead worker had claimed.
    kills: list[tuple[float, set[str]]] = []
    restarts: list[float] = []  # from each kill to the fresh worker's first task done
    with Pipeline(
        name="worker-kill",
        broker_url=rabbitmq,
        tmp_path=tmp_path,
        worker_env={"NOTIFICATIONS_SENDING_LEASE_SECONDS": str(LEASE_SECONDS)},
    ) as pipeline:
        stream = TransitionStream(
            base_url=pipeline.server.base_url,
            token=token,
            case_ids=case_ids,
            rate=sizes.transition_rate,
        ).start()
        began = time.monotonic()
        try:
            for n in range(1, sizes.kills + 1):
                kill_at = began + n * sizes.kill_burst / (sizes.kills + 1)
                time.sleep(max(0.0, kill_at - time.monotonic()))
                pipeline.worker.kill()
                killed = time.time()
                claimed = pipeline.deliveries_claimed()
                kills.append((killed, claimed))
                pipeline.start_worker()
                restarts.append(time.time() - killed)
            time.sleep(max(0.0, began + sizes.kill_burst - time.monotonic()))
        finally:
            sent = stream.stop()
        pipeline.check_alive()

        event_ids = transition_events(case_ids)
        settled = pipeline.wait_settled(event_ids)
        arrivals = pipeline.arrivals_per_id(event_ids)
        first_arrival = pipeline.first_arrivals()
        rows = list(pipeline.deliveries(event_ids).values_list("status", "attempts"))
        counts = DeliveryCounts(
            scenario=f"Celery worker killed (SIGKILL) x{len(kills)} during transitions",
            sent=TransitionLog.objects.filter(case_id__in=case_ids, transition="triage").count(),
            delivered=len(set(arrivals)),
            duplicated=sum(n - 1 for n in arrivals.values()),
            lost=len(event_ids - set(arrivals)),
        )
        counts.other = {
            "claimed_at_kill": sum(len(claimed) for _, claimed in kills),
            "resent": sum(1 for _, attempts in rows if attempts > 1),
            "stuck_requeued": pipeline.stuck_requeued(),
            "restart_s": round(max(restarts), 1),
        }
        counts.report()

        statuses = Counter(s.status for s in sent)
        assert statuses == {200: len(sent)}, statuses
        assert not stream.ran_out, "the scenario ran out of cases; raise their number"
        assert counts.sent == len(sent) == len(event_ids)
        assert settled, "deliveries still unfinished at the deadline"
        assert counts.lost == 0
        assert counts.delivered == counts.sent
        assert Counter(status for status, _ in rows) == {DeliveryStatus.DELIVERED: len(event_ids)}
        # At least once; more only where a kill fell between a POST and its record.
        for event_id, n in arrivals.items():
            if n == 1:
                continue
            explained = [at for at, claimed in kills if event_id in claimed]
            assert explained, f"{event_id} arrived {n} times, but no kill caught its delivery"
            assert n <= 1 + len(explained), (event_id, n, explained)
            assert first_arrival[event_id] < max(explained), (event_id, n)
