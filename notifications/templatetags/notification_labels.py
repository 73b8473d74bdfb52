"""The ``notification_labels`` template library: event types and delivery statuses in the
words and GOV.UK tag colours the pages use (``notifications.labels``)."""

from __future__ import annotations

from datetime import datetime

from django import template

from notifications.labels import delivery_status_colour, event_label
from notifications.wording import when

register = template.Library()


@register.filter(name="event_label")
def event_label_filter(event_type: str) -> str:
    """``event_type|event_label``: "case.assigned" as "Case assigned"."""
    return event_label(event_type)


@register.filter
def delivery_colour(status: str) -> str:
    """The GOV.UK tag modifier for a delivery status ("" is the default blue)."""
    return delivery_status_colour(status)


@register.filter(name="plain_when")
def plain_when_filter(moment: datetime | None) -> str:
    """``moment|plain_when``: Europe/London, the year only when not this year."""
    return when(moment) if moment else ""
