"""Who may see which deliveries: the one role-based read behind the API and the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission

from notifications.models import DeliveryStatus, Endpoint, OutboxEvent
from notifications.selectors import deliveries_failing_for_user, deliveries_for_user
from notifications.services import delivery_attempt, event_relay
from partners.models import Agency, Membership, Role
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


def test_a_manager_sees_their_own_agencys_deliveries_only(people: Any, deliveries: None) -> None:
    [dead] = deliveries_for_user(user=people.manager, status=DeliveryStatus.DEAD)
    assert dead.last_error == "HTTP 404 from the receiver"
    assert list(deliveries_for_user(user=people.manager, status=DeliveryStatus.PENDING)) == []
    assert list(deliveries_failing_for_user(user=people.manager)) == [dead]


def test_people_who_are_not_managers_or_auditors_see_none(people: Any, deliveries: None) -> None:
    for person in (people.asb_coordinator, people.probation, people.outsider):
        assert list(deliveries_for_user(user=person)) == []
        assert list(deliveries_failing_for_user(user=person)) == []


def test_an_auditor_sees_every_agencys(people: Any, deliveries: None) -> None:
    statuses = sorted(d.status for d in deliveries_for_user(user=people.auditor))
    assert statuses == [DeliveryStatus.DEAD, DeliveryStatus.PENDING]
    assert [d.status for d in deliveries_failing_for_user(user=people.auditor)] == ["dead"]
    probation = deliveries_for_user(user=people.auditor, agency_code="probation")
    assert [d.endpoint_id for d in probation] == list(
        Endpoint.objects.filter(agency__code="probation").values_list("pk", flat=True)
    )


def test_django_permissions_and_superuser_status_widen_nothing(
    people: Any, deliveries: None, django_user_model: Any
) -> None:
    # The admin's permissions are for the admin; the pages and API go by casework role.
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456789")
    staff = people.asb_coordinator
    staff.user_permissions.add(Permission.objects.get(codename="view_delivery"))
    staff = type(staff).objects.get(pk=staff.pk)  # fresh permission cache
    for person in (root, staff):
        assert person.has_perm("notifications.view_delivery")
        assert list(deliveries_for_user(user=person)) == []
        assert list(deliveries_failing_for_user(user=person)) == []
    Membership.objects.create(
        user=root, agency=Agency.objects.get(code="council-asb"), role=Role.MANAGER
    )
    root = django_user_model.objects.get(pk=root.pk)  # fresh membership cache
    assert [d.status for d in deliveries_for_user(user=root)] == [DeliveryStatus.DEAD]
