"""Who may see which endpoints and deliveries (the reads behind the API's lists)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission

from notifications.models import DeliveryStatus, OutboxEvent
from notifications.selectors import deliveries_for_user, endpoints_for_user
from notifications.services import delivery_attempt, event_relay
from tests.notifications.conftest import email_endpoint, webhook_endpoint
from tests.personas import raise_referral
from tests.support import WebhookReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliveries(people: Any, webhook_secret: str) -> None:
    """One dead webhook delivery to the council ASB team, one pending email to probation."""
    email_endpoint("probation", "pdu@probation.example.gov.uk")
    with WebhookReceiver(webhook_secret, fail_times=1, status_on_fail=404) as receiver:
        hook = webhook_endpoint("council-asb", receiver)
        raise_referral(people.officer, "asb")
        raise_referral(people.officer, "early_release")
        for event in OutboxEvent.objects.all():
            event_relay(event_id=event.pk)
        delivery_attempt(delivery_id=hook.deliveries.get().pk)


def test_a_manager_sees_their_own_agencys_endpoints_and_deliveries_only(
    people: Any, deliveries: None
) -> None:
    assert [e.agency.code for e in endpoints_for_user(user=people.manager)] == ["council-asb"]
    [dead] = deliveries_for_user(user=people.manager, status=DeliveryStatus.DEAD)
    assert dead.last_error == "HTTP 404: failing on purpose"
    assert list(deliveries_for_user(user=people.manager, status=DeliveryStatus.PENDING)) == []


def test_people_who_are_not_managers_see_none(people: Any, deliveries: None) -> None:
    for person in (people.asb_coordinator, people.probation, people.outsider):
        assert list(endpoints_for_user(user=person)) == []
        assert list(deliveries_for_user(user=person)) == []


def test_staff_allowed_to_view_endpoints_see_every_agencys(people: Any, deliveries: None) -> None:
    auditor = people.auditor
    auditor.user_permissions.add(Permission.objects.get(codename="view_endpoint"))
    auditor = type(auditor).objects.get(pk=auditor.pk)  # fresh permission cache

    agencies = sorted(e.agency.code for e in endpoints_for_user(user=auditor))
    assert agencies == ["council-asb", "probation"]
    statuses = sorted(d.status for d in deliveries_for_user(user=auditor))
    assert statuses == [DeliveryStatus.DEAD, DeliveryStatus.PENDING]
