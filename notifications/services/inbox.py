"""The in-app inbox: each person's notifications, read or unread."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from notifications.models import InboxItem


def inbox_mark_read(*, item_id: int, user: Any) -> InboxItem:
    """Mark one of the user's inbox items read (the first read time is kept).

    Raises InboxItem.DoesNotExist when the item is not in this user's inbox.
    """
    now = timezone.now()
    item = InboxItem.objects.filter(pk=item_id, user=user).first()
    if item is None:
        raise InboxItem.DoesNotExist(f"No inbox item {item_id} for this user.")
    if item.read_at is None:
        InboxItem.objects.filter(pk=item.pk, read_at__isnull=True).update(read_at=now)
        item.refresh_from_db(fields=["read_at"])
    return item


def inbox_mark_all_read(*, user: Any) -> int:
    """Mark every unread item in the user's inbox read; returns how many changed."""
    return InboxItem.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
