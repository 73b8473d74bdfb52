"""The Celery app and its one beat schedule.

Settings come from Django's settings (``CELERY_*``); tasks are discovered in each app's
``tasks.py``. Later issues add their periodic tasks to ``BEAT_SCHEDULE`` here and nowhere
else.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("csp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Proves the beat -> broker -> worker path end to end; /readyz reports its age.
    "heartbeat": {"task": "notifications.heartbeat", "schedule": 30.0},
    "scan-deadlines": {
        "task": "workflows.scan_deadlines",
        "schedule": 15.0,
        "options": {"expires": 15},
    },
    # The outbox sweep: relays events the after-commit fast path missed (broker down at
    # commit) and re-enqueues stuck deliveries. Expires so a stopped worker does not come
    # back to a pile of sweeps.
    "relay-outbox": {
        "task": "notifications.relay_outbox",
        "schedule": 5.0,
        "options": {"expires": 15.0},
    },
}
app.conf.beat_schedule = BEAT_SCHEDULE
