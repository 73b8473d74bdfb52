"""The latency figure's machinery (the product run and its no-op baseline) with a real
RabbitMQ and a real worker subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from bench.benchmarks.notify import noop_run
from bench.core import Context, Options, Services


def _options(tmp_path: Path, *, tasks_per_run: int) -> Options:
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
        tasks_per_run=tasks_per_run,
        task_rate=100,
        worker_concurrency=1,
        queries_per_run=20,
        only=("notify",),
        output=tmp_path / "r.json",
    )


@pytest.mark.broker
def test_every_noop_task_sent_reports_its_start_from_a_fresh_worker(
    amqp_broker: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Its own queue, so the suite's in-process test worker cannot take these tasks.
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-noop"
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "bench.settings")
    monkeypatch.setenv("DEBUG", "true")
    monkeypatch.setenv("CELERY_BROKER_URL", amqp_broker)
    options = _options(tmp_path, tasks_per_run=20)
    services = Services(
        database_url=str(settings.DATABASES["default"]["NAME"]),
        database_name="unused",
        broker_url=amqp_broker,
        queue=queue,
    )

    run = noop_run(Context(options=options, services=services), count=20)

    assert run.lost == 0
    assert len(run.latencies_ms) == 20
    assert 0 < run.idle_mib <= run.peak_mib


@pytest.mark.broker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_every_transition_of_a_webhook_run_arrives_once_signed_at_the_receiver(
    amqp_broker: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from django.contrib.auth import get_user_model

    from bench import generate
    from bench.benchmarks.notify import webhook_run
    from notifications.models import Endpoint
    from tests.notifications.conftest import app_broker, database_url_for_subprocess

    # The worker subprocess reads this test's database and a queue of its own; this
    # process's after-commit relay tasks go to the same queue.
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-webhooks"
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "bench.settings")
    monkeypatch.setenv("DEBUG", "true")
    monkeypatch.setenv("DATABASE_URL", database_url_for_subprocess())
    monkeypatch.setenv("CELERY_BROKER_URL", amqp_broker)
    monkeypatch.setenv("CELERY_QUEUE", queue)
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")
    monkeypatch.setattr(settings, "WEBHOOK_ALLOW_PRIVATE_TARGETS", True, raising=False)
    ctx = Context(
        options=_options(tmp_path, tasks_per_run=15),
        services=Services(
            database_url="unused", database_name="unused", broker_url=amqp_broker, queue=queue
        ),
    )
    partnership = generate.partnership_ensure(actors=2)
    coordinator = get_user_model().objects.get(username="asb_coordinator")

    with app_broker(queue=queue):
        run = webhook_run(ctx, partnership=partnership, by=coordinator)

    assert (run.lost, run.duplicates) == (0, 0)
    assert len(run.latencies_ms) == 15
    assert all(latency > 0 for latency in run.latencies_ms)
    assert run.peak_mib > 0
    # The run's endpoint is switched off, so nothing later posts to a receiver that is gone.
    assert not Endpoint.objects.filter(is_active=True).exists()
