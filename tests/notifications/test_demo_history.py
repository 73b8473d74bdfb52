import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications.models import Delivery, OutboxEvent
from notifications.services import event_relay, outbox_mark_historical
from tests.personas import raise_referral

pytestmark = pytest.mark.django_db


def test_loaded_history_is_marked_not_relayed_and_new_events_still_go_out(people) -> None:
    old = raise_referral(people.officer, "asb")
    marked = outbox_mark_historical(before=timezone.now(), reason="demo history")
    assert marked == OutboxEvent.objects.filter(case=old.case).count() > 0
    event = OutboxEvent.objects.filter(case=old.case).first()
    assert event is not None
    assert event.published_at is not None
    assert event.last_error == "not relayed: demo history"
    assert event_relay(event_id=event.pk) is False
    assert not Delivery.objects.filter(event=event).exists()

    new = raise_referral(people.officer, "asb", location_text="Elsewhere 1")
    fresh = OutboxEvent.objects.get(case=new.case, type="referral.raised")
    assert fresh.published_at is None


def test_seed_demo_sets_up_endpoints_without_replaying_the_demo_history() -> None:
    call_command("seed_demo")
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()
    assert not Delivery.objects.exists()
    from notifications.models import Endpoint

    assert (
        Endpoint.objects.filter(channel="webhook").count() == 9
    )  # one per demo agency, children's social care included


def test_seed_demo_leaves_no_overdue_deadline_for_the_first_scan_to_breach_at_once() -> None:
    from workflows.actions import deadlines_scan

    call_command("seed_demo")
    result = deadlines_scan()
    assert (result.breached, result.warned, result.escalated) == (0, 0, 0)
    # The history holds the breaches, settled at seed time and not relayed.
    breached = OutboxEvent.objects.filter(type="deadline.breached")
    assert breached.exists()
    assert not breached.filter(published_at__isnull=True).exists()


def test_a_bulk_load_writes_events_without_queueing_a_relay_task_per_event(
    people, django_capture_on_commit_callbacks
) -> None:
    from notifications.services import outbox_bulk_load

    with django_capture_on_commit_callbacks() as bulk, outbox_bulk_load():
        raise_referral(people.officer, "asb")
    with django_capture_on_commit_callbacks() as normal:
        second = raise_referral(people.officer, "asb", location_text="Elsewhere 2")
    assert bulk == []
    assert len(normal) == OutboxEvent.objects.filter(case=second.case).count() > 0
