"""Audit settings shared by every app that registers models with django-auditlog."""

from __future__ import annotations

MASK = "********"


def mask_completely(value: str) -> str:
    """Hide the whole value. auditlog's default shows half of it, which is too much."""
    return MASK if value not in (None, "", "None") else value
