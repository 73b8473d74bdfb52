"""The load driver, the pacer and the webhook timing receiver, against real local servers."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from bench.benchmarks.api import api_installed
from bench.benchmarks.notify import StartListener, paced
from bench.load import Request, load_run
from bench.webhooks import WebhookTimingReceiver
from notifications.signing import generate_webhook_secret
from notifications.transports import WebhookTarget, WebhookTransport


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str, Any]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self.seen.append((self.path, self.headers.get("authorization", ""), body))
        status = 500 if self.path.endswith("/fail/") else 201
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def server() -> Iterator[str]:
    _Recorder.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_driver_sends_each_request_once_and_counts_failures_by_status(server: str) -> None:
    def make(i: int) -> Request | None:
        if i >= 40:
            return None  # a finite pool: the run ends when it is used up
        return Request("POST", f"/items/{i}/" if i % 4 else f"/items/{i}/fail/", {"n": i})

    result = load_run(
        base_url=server,
        make_request=make,
        expect_status=201,
        clients=3,
        duration=60,
        warmup=0,
        token="abc123",
    )
    assert result.sent == 40
    assert result.completed == 30
    assert result.failures == {"500": 10}
    assert result.failure_note() == "10 failed request(s): 500 x10"
    assert sorted(body["n"] for _, _, body in _Recorder.seen) == list(range(40))
    assert {auth for _, auth, _ in _Recorder.seen} == {"Token abc123"}


def test_a_refused_connection_is_a_failure_not_a_crash() -> None:
    result = load_run(
        base_url="http://127.0.0.1:9",  # discard port: nothing listens
        make_request=lambda i: Request("GET", "/") if i < 3 else None,
        expect_status=200,
        clients=1,
        duration=30,
        warmup=0,
    )
    assert result.completed == 0
    assert result.failures == {"ConnectError": 3}


def test_the_pacer_calls_every_step_in_order() -> None:
    calls: list[int] = []
    achieved = paced(5, 1000.0, calls.append)
    assert calls == [0, 1, 2, 3, 4]
    assert achieved > 0
    with pytest.raises(ValueError, match="rate must be positive"):
        paced(1, 0, calls.append)


def test_the_threaded_pacer_holds_the_rate_when_each_call_is_slower_than_the_interval() -> None:
    # 20 calls at 100/s, each taking 30 ms: one thread would need 0.6 s, four about 0.2 s.
    calls: list[int] = []
    exits: list[str] = []
    lock = threading.Lock()

    def slow(i: int) -> None:
        time.sleep(0.03)
        with lock:
            calls.append(i)

    achieved = paced(
        20,
        100.0,
        slow,
        threads=4,
        on_thread_exit=lambda: exits.append(threading.current_thread().name),
    )
    assert sorted(calls) == list(range(20))
    assert len(exits) == 4  # every driver thread ran its clean-up
    assert achieved > 50  # one thread could not pass 33/s


def test_the_threaded_pacer_reports_a_failed_call_after_running_the_rest() -> None:
    calls: list[int] = []

    def fails_on_three(i: int) -> None:
        if i == 3:
            raise RuntimeError("boom")
        calls.append(i)

    with pytest.raises(RuntimeError, match="boom"):
        paced(6, 1000.0, fails_on_three, threads=2)
    assert sorted(calls) == [0, 1, 2, 4, 5]


def test_api_installed_is_whether_the_path_resolves() -> None:
    assert api_installed("/healthz")
    assert not api_installed("/no/such/endpoint/")


@pytest.fixture
def envelope() -> dict[str, Any]:
    return {
        "id": "0b6d3c1e-2f4a-4b5c-8d9e-0f1a2b3c4d5e",
        "type": "case.transitioned",
        "occurred_at": "2026-06-02T13:05:00+00:00",
        "schema_version": 1,
        "case_reference": "ASB-2026-000777",
        "kind": "asb",
        "agencies": ["council-asb"],
        "detail_url": "https://casework.example.gov.uk/cases/7",
        "data": {"from": "reported", "to": "triaged", "log_seq": 2},
    }


def test_the_receiver_times_signed_webhooks_by_case_reference_and_counts_redeliveries(
    envelope: dict[str, Any],
) -> None:
    secret = generate_webhook_secret()
    with WebhookTimingReceiver(secret) as receiver:
        target = WebhookTarget(url=receiver.url, secret=secret, allow_private=True)
        transport = WebhookTransport()
        transport.send(envelope=envelope, target=target)
        missing = receiver.wait_for({"ASB-2026-000777"}, event_type="case.transitioned", timeout=5)
        assert missing == set()
        arrival = receiver.first_arrivals(event_type="case.transitioned")["ASB-2026-000777"]
        assert arrival.valid
        assert arrival.webhook_id == envelope["id"]
        assert arrival.received_at > 0
        assert receiver.duplicates() == 0
        transport.send(envelope=envelope, target=target)  # a retry: same webhook-id
        assert receiver.duplicates() == 1
        assert receiver.first_arrivals(event_type="case.transitioned")["ASB-2026-000777"] == (
            arrival
        )


def test_the_receiver_refuses_unsigned_webhooks_and_does_not_count_them(
    envelope: dict[str, Any],
) -> None:
    with WebhookTimingReceiver(generate_webhook_secret()) as receiver:
        response = httpx.post(receiver.url, json=envelope, timeout=5)
        assert response.status_code == 401
        assert receiver.first_arrivals(event_type="case.transitioned") == {}
        missing = receiver.wait_for(
            {"ASB-2026-000777"}, event_type="case.transitioned", timeout=0.2
        )
        assert missing == {"ASB-2026-000777"}


def test_the_start_listener_keeps_only_its_own_runs_reports() -> None:
    with StartListener() as listener, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
        target = ("127.0.0.1", listener.port)
        out.sendto(b"not a report", target)
        out.sendto(b"0123456789abcdef 1 1700000000.5", target)  # an earlier run's token
        out.sendto(f"{listener.token} 0 1700000000.25".encode(), target)
        assert listener.wait_for(range(1), timeout=5) == 0
        assert listener.wait_for(range(2), timeout=0.2) == 1
        assert listener.started == {0: 1700000000.25}
