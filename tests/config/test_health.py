import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_without_touching_services(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ok_when_database_and_broker_answer(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_readyz_names_the_broker_when_it_is_unreachable(client: Client) -> None:
    # Port 9 (discard) on loopback: nothing listens there, so the connection is refused.
    with override_settings(
        CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:9//", CELERY_BROKER_TRANSPORT_OPTIONS={}
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    assert "broker" in body["checks"]
    assert body["checks"]["broker"] != "ok"


def test_readyz_reports_when_a_worker_last_ran_beats_heartbeat(client: Client) -> None:
    from notifications.services import heartbeat_record

    assert client.get("/readyz").json()["worker_last_seen"] is None
    beat = heartbeat_record(name="worker", hostname="celery@test")
    assert client.get("/readyz").json()["worker_last_seen"] == beat.beat_at.isoformat()
