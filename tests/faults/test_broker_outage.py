"""RabbitMQ goes away during a burst of transitions, then comes back: every notification is
delivered afterwards, once per webhook-id.

The RabbitMQ the tests use may be shared with other work, so it is never stopped: every
product process of the scenario (gunicorn, whose Celery app publishes the after-commit
relay task; the prefork worker; beat) reaches it through a loopback TCP proxy instead.
Mid-burst the proxy cuts every open connection and stops listening, so new connections are
refused, as when the broker is stopped; after the outage it listens again on the same port.

Transitions keep arriving through the API all the while, at a steady rate, and each must
answer 200: the transition and its outbox event commit in PostgreSQL, and the relay task
that cannot be enqueued after commit is only logged (``Could not enqueue``). The events the
fast path missed are caught by the outbox sweep, ``notifications.relay_outbox``, which a
real ``celery beat`` sends every 5 s, as in production, once it reaches the broker again.

Counted (the receiver answers each webhook after 50 ms, as a partner's server would):
sent = transitions committed (each with one ``case.transitioned`` event); delivered
= those events whose signed webhook reached the receiver; duplicated = arrivals beyond the
first per webhook-id; lost = committed events not delivered within DELIVERY_TIMEOUT. Lost
must be 0, and so must duplicated: a delivery is claimed by compare-and-swap on its row
before the POST, so a relay or delivery task repeated after a cut connection finds the row
taken or finished and sends nothing; only a worker dying mid-POST repeats one
(test_worker_killed.py). The worker runs with NOTIFICATIONS_STUCK_AFTER_SECONDS=30
(production: 300), so a delivery whose task was lost with a connection is sent again by the
sweep within the test's wait; ``stuck_requeued`` counts those re-sends.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from notifications.models import DeliveryStatus
from tests.faults.pipeline import Pipeline, TransitionStream, transition_cases, transition_events
from tests.faults.scenario import DeliveryCounts, Sizes
from tests.support.tcp_proxy import TcpProxy
from workflows.models import TransitionLog

pytestmark = [
    pytest.mark.faults,
    pytest.mark.postgres,
    pytest.mark.broker,
    pytest.mark.django_db(transaction=True),
]


def test_every_transition_is_notified_once_after_rabbitmq_comes_back(
    rabbitmq: str, sizes: Sizes, tmp_path: Path
) -> None:
    burst = sizes.broker_before + sizes.broker_outage + sizes.broker_after
    case_ids, token = transition_cases(int(burst * sizes.transition_rate * 1.5) + 50)
    broker = urlsplit(rabbitmq)
    with (
        TcpProxy((broker.hostname or "127.0.0.1", broker.port or 5672)) as proxy,
        Pipeline(
            name="broker-outage",
            broker_url=broker._replace(
                netloc=f"{broker.username}:{broker.password}@{proxy.url_host}"
            ).geturl(),
            tmp_path=tmp_path,
            worker_env={},
        ) as pipeline,
    ):
        stream = TransitionStream(
            base_url=pipeline.server.base_url,
            token=token,
            case_ids=case_ids,
            rate=sizes.transition_rate,
        ).start()
        try:
            time.sleep(sizes.broker_before)
            down_at = time.time()
            proxy.outage(sizes.broker_outage, mode="refuse")
            up_at = time.time()
            time.sleep(sizes.broker_after)
        finally:
            sent = stream.stop()
        pipeline.check_alive()

        event_ids = transition_events(case_ids)
        settled = pipeline.wait_settled(event_ids)
        arrivals = pipeline.arrivals_per_id(event_ids)
        first_arrival = pipeline.first_arrivals()
        last = max((first_arrival[i] for i in event_ids if i in first_arrival), default=up_at)
        counts = DeliveryCounts(
            scenario=f"RabbitMQ away for {sizes.broker_outage:.0f} s during transitions",
            sent=TransitionLog.objects.filter(case_id__in=case_ids, transition="triage").count(),
            delivered=len(set(arrivals)),
            duplicated=sum(n - 1 for n in arrivals.values()),
            lost=len(event_ids - set(arrivals)),
        )
        counts.other = {
            "during_outage": sum(1 for s in sent if s.ended >= down_at and s.began <= up_at),
            "enqueue_failed": pipeline.enqueue_failures(),
            "stuck_requeued": pipeline.stuck_requeued(),
            "connections_cut": proxy.cut,
            "slowest_reply_ms": round(max(s.ended - s.began for s in sent) * 1000),
            "drained_s": round(max(last - up_at, 0), 1),
        }
        counts.report()

        # Users never saw the outage: every transition answered 200 and committed its event.
        statuses = Counter(s.status for s in sent)
        assert statuses == {200: len(sent)}, statuses
        assert not stream.ran_out, "the scenario ran out of cases; raise their number"
        assert counts.sent == len(sent) == len(event_ids)
        assert counts.other["during_outage"], "no transition was made while the broker was away"
        # The fast path really missed events: the sweep is what delivered those.
        assert counts.other["enqueue_failed"] > 0
        assert settled, "deliveries still unfinished at the deadline"
        assert counts.lost == 0
        assert counts.duplicated == 0
        assert counts.delivered == counts.sent
        rows = Counter(pipeline.deliveries(event_ids).values_list("status", flat=True))
        assert rows == {DeliveryStatus.DELIVERED: len(event_ids)}
