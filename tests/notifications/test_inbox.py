"""Each person's in-app inbox: what is unread, and marking it read."""

from __future__ import annotations

from typing import Any

import pytest

from notifications.models import InboxItem, OutboxEvent
from notifications.selectors import inbox_items, inbox_unread_count
from notifications.services import event_relay, inbox_mark_all_read, inbox_mark_read
from tests.personas import raise_referral
from workflows.actions import case_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def officers_inbox(people: Any) -> list[InboxItem]:
    """Two outcomes of the officer's referrals: one triaged, one closed with no action."""
    for name in ("triage", "no_further_action"):
        case = raise_referral(people.officer, "asb").case
        case_transition(case_id=case.pk, name=name, by=people.asb_coordinator, reason="done")
    for event in OutboxEvent.objects.all():
        event_relay(event_id=event.pk)
    return list(inbox_items(user=people.officer))


def test_unread_items_are_counted_and_marked_read_one_at_a_time(
    people: Any, officers_inbox: list[InboxItem]
) -> None:
    assert len(officers_inbox) == 2
    assert [i.event.data["to"] for i in officers_inbox] == ["no_further_action", "triaged"]
    assert inbox_unread_count(people.officer) == 2

    item = inbox_mark_read(item_id=officers_inbox[0].pk, user=people.officer)
    first_read = item.read_at
    assert first_read is not None
    assert inbox_unread_count(people.officer) == 1
    assert list(inbox_items(user=people.officer, unread_only=True)) == [officers_inbox[1]]

    again = inbox_mark_read(item_id=item.pk, user=people.officer)
    assert again.read_at == first_read


def test_nobody_can_mark_another_persons_item_read(
    people: Any, officers_inbox: list[InboxItem]
) -> None:
    with pytest.raises(InboxItem.DoesNotExist):
        inbox_mark_read(item_id=officers_inbox[0].pk, user=people.outsider)
    assert inbox_unread_count(people.officer) == 2


def test_mark_all_read_empties_only_that_persons_unread_list(
    people: Any, officers_inbox: list[InboxItem]
) -> None:
    assert inbox_mark_all_read(user=people.outsider) == 0
    assert inbox_mark_all_read(user=people.officer) == 2
    assert inbox_unread_count(people.officer) == 0
