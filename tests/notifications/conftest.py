"""Fixtures for notification tests: an event envelope and the real local test servers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from notifications.signing import generate_webhook_secret
from tests.support import FakeNotify, SmtpSink, WebhookReceiver


@pytest.fixture
def envelope() -> dict[str, Any]:
    """A case moving from reported to triaged, as the outbox would build it."""
    return {
        "id": "5f0c1a52-6a43-4c1e-9d7e-2b8f4a9c0e11",
        "type": "case.transitioned",
        "occurred_at": "2026-06-02T13:05:00+00:00",
        "schema_version": 1,
        "case_reference": "ASB-2026-000123",
        "kind": "asb",
        "agencies": ["council-asb", "police-neighbourhood"],
        "detail_url": "https://casework.example.gov.uk/cases/12",
        "data": {"from": "reported", "to": "triaged"},
    }


@pytest.fixture
def webhook_secret() -> str:
    return generate_webhook_secret()


@pytest.fixture
def webhook_receiver(webhook_secret: str) -> Iterator[WebhookReceiver]:
    with WebhookReceiver(webhook_secret) as receiver:
        yield receiver


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink(refuse_recipients=["left.the.council@council.example.gov.uk"]) as sink:
        yield sink


@pytest.fixture
def fake_notify() -> Iterator[FakeNotify]:
    with FakeNotify() as fake:
        yield fake
