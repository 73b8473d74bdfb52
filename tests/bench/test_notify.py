"""The latency baseline's machinery with a real RabbitMQ and a real worker subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from bench.benchmarks.notify import noop_run
from bench.core import Context, Options, Services


@pytest.mark.broker
def test_every_noop_task_sent_reports_its_start_from_a_fresh_worker(
    amqp_broker: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Its own queue, so the suite's in-process test worker cannot take these tasks.
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-noop"
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "bench.settings")
    monkeypatch.setenv("DEBUG", "true")
    monkeypatch.setenv("CELERY_BROKER_URL", amqp_broker)
    options = Options(
        quick=True,
        runs=3,
        referrals=10,
        audit_rows=10,
        actors=2,
        http_seconds=1,
        http_warmup=1,
        clients=1,
        web_workers=1,
        tasks_per_run=20,
        task_rate=100,
        worker_concurrency=1,
        queries_per_run=20,
        only=("notify",),
        output=tmp_path / "r.json",
    )
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
