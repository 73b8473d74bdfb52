"""Real local servers standing in for the outside world: a webhook receiver, an SMTP sink
and a fake GOV.UK Notify, each on 127.0.0.1 with an ephemeral port, in a thread.

Each is a context manager (``with SmtpSink() as sink: ...``); the pytest fixtures that wrap
them live in ``tests/notifications/conftest.py``.
"""

from tests.support.fake_notify import FakeNotify, NotifyRequest
from tests.support.smtp_sink import ReceivedEmail, SmtpSink
from tests.support.webhook_receiver import ReceivedWebhook, WebhookReceiver

__all__ = [
    "FakeNotify",
    "NotifyRequest",
    "ReceivedEmail",
    "ReceivedWebhook",
    "SmtpSink",
    "WebhookReceiver",
]
