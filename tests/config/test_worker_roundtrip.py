import time

import pytest
from django.utils import timezone

from notifications.models import WorkerHeartbeat
from notifications.tasks import heartbeat


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_task_sent_through_the_broker_runs_on_a_real_worker(celery_worker: object) -> None:
    sent_at = timezone.now()
    heartbeat.delay(name="roundtrip")
    deadline = time.monotonic() + 20
    beat = None
    while time.monotonic() < deadline:
        beat = WorkerHeartbeat.objects.filter(name="roundtrip").first()
        if beat:
            break
        time.sleep(0.1)
    assert beat is not None, "the worker never ran the task"
    assert beat.beat_at >= sent_at
    assert beat.hostname
