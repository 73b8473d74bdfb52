"""From an Endpoint row to the transport's target: the one place that reads its secrets."""

from __future__ import annotations

from notifications.models import Channel, Endpoint
from notifications.transports import EmailTarget, NotifyTarget, WebhookTarget

Target = EmailTarget | WebhookTarget | NotifyTarget


def endpoint_target(endpoint: Endpoint) -> Target:
    if endpoint.channel == Channel.EMAIL:
        return EmailTarget(to=[endpoint.email_address])
    if endpoint.channel == Channel.WEBHOOK:
        return WebhookTarget(
            url=endpoint.url, secret=endpoint.secret, allow_private=endpoint.allow_private
        )
    if endpoint.channel == Channel.NOTIFY:
        return NotifyTarget(
            api_key=endpoint.notify_api_key,
            template_id=str(endpoint.notify_template_id),
            email_address=endpoint.email_address,
            base_url=endpoint.notify_base_url or None,
            allow_private=endpoint.allow_private,
        )
    raise ValueError(f"Endpoint {endpoint.pk} has an unknown channel {endpoint.channel!r}")
