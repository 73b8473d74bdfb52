"""Failed and dead notifications: managers see their agency's and send a dead one again
(through delivery_retry); auditors see every agency's and retry none."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from notifications.models import Delivery, DeliveryStatus
from partners.models import Agency, Membership, Role
from tests.pages.support import email_endpoint, make_dead, relay_all
from tests.personas import raise_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead(people) -> Delivery:
    """A dead email to the council ASB team about a referral raised with it."""
    email_endpoint("council-asb")
    raise_referral(people.officer, "asb")
    relay_all()
    return make_dead(Delivery.objects.get(endpoint__agency__code="council-asb"))


@pytest.fixture
def elsewhere(people) -> Delivery:
    """A dead email to probation, which the council's manager has no say over."""
    email_endpoint("probation")
    raise_referral(people.probation, "early_release")
    relay_all()
    return make_dead(Delivery.objects.get(endpoint__agency__code="probation"))


def test_a_manager_sees_their_agencys_dead_notification_with_retry(
    people, client_for, dead, elsewhere
) -> None:
    html = client_for("manager").get("/manage/notifications/").content.decode()
    assert "Referral raised" in html
    assert "550 mailbox unavailable" in html
    assert 'govuk-tag--red">Dead</strong>' in html
    assert f'action="/manage/notifications/{dead.pk}/retry/"' in html
    assert f"/manage/notifications/{elsewhere.pk}/retry/" not in html
    assert "Probation Service" not in html


def test_retry_sends_a_dead_notification_again_from_its_first_attempt(
    people, client_for, dead
) -> None:
    client = client_for("manager")
    response = client.post(f"/manage/notifications/{dead.pk}/retry/")
    assert response.status_code == 302
    assert response["Location"] == "/manage/notifications/"
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (DeliveryStatus.PENDING, 0)
    html = client.get("/manage/notifications/").content.decode()
    assert "Sending again: Referral raised" in html
    assert "No notifications have failed." in html


def test_an_auditor_reads_every_agencys_failures_and_retries_none(
    people, client_for, dead, elsewhere
) -> None:
    client = client_for("auditor")
    html = client.get("/manage/notifications/").content.decode()
    assert "Kestrel Vale Council ASB Team" in html
    assert "Probation Service, Kestrel Vale PDU" in html
    assert "/retry/" not in html
    assert client.post(f"/manage/notifications/{dead.pk}/retry/").status_code == 403
    dead.refresh_from_db()
    assert dead.status == DeliveryStatus.DEAD


def test_a_manager_cannot_retry_another_agencys_delivery(
    people, client_for, dead, elsewhere
) -> None:
    assert (
        client_for("manager").post(f"/manage/notifications/{elsewhere.pk}/retry/").status_code
        == 404
    )
    elsewhere.refresh_from_db()
    assert elsewhere.status == DeliveryStatus.DEAD


def test_a_failed_one_is_retried_by_itself_and_the_page_says_why_not_now(
    people, client_for, dead
) -> None:
    Delivery.objects.filter(pk=dead.pk).update(status=DeliveryStatus.FAILED)
    client = client_for("manager")
    html = client.get("/manage/notifications/", {"status": "failed"}).content.decode()
    assert "Failed, will retry" in html
    assert "Next try" in html
    assert "/retry/" not in html
    response = client.post(f"/manage/notifications/{dead.pk}/retry/", follow=True)
    assert "Only a dead delivery can be retried; this one is failed." in response.content.decode()
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (DeliveryStatus.FAILED, 1)


def test_retry_is_a_post_with_a_csrf_token(people, dead) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.manager)
    assert client.get(f"/manage/notifications/{dead.pk}/retry/").status_code == 405
    assert client.post(f"/manage/notifications/{dead.pk}/retry/").status_code == 403
    dead.refresh_from_db()
    assert dead.status == DeliveryStatus.DEAD


def test_failed_notifications_are_for_managers_and_auditors_only(people, client_for, dead) -> None:
    for persona in ("officer", "asb_coordinator", "outsider"):
        client = client_for(persona)
        assert client.get("/manage/notifications/").status_code == 403, persona
        assert client.post(f"/manage/notifications/{dead.pk}/retry/").status_code == 403, persona
    dead.refresh_from_db()
    assert dead.status == DeliveryStatus.DEAD


def _superuser(*, manager_of: str | None = None) -> User:
    """An administrator account, which Django's has_perm() answers True for everything."""
    root = User.objects.create_superuser("root", "root@example.com", "root-pass-2026-x")
    if manager_of:
        Membership.objects.create(
            user=root, agency=Agency.objects.get(code=manager_of), role=Role.MANAGER
        )
    return root


def _page_and_api(user: User) -> tuple[int, set[int], int, set[int]]:
    """The failed-notifications page's and the API's dead letters, as status and ids."""
    client = Client()
    client.force_login(user)
    page = client.get("/manage/notifications/")
    listed = {d.pk for d in page.context["page"]} if page.status_code == 200 else set()
    api = APIClient()
    api.force_authenticate(user)
    answer = api.get("/api/v1/deliveries/", {"status": "dead"})
    found = {d["id"] for d in answer.json()["results"]} if answer.status_code == 200 else set()
    return page.status_code, listed, answer.status_code, found


def test_a_superuser_who_manages_one_agency_sees_only_its_failures_on_the_page_and_api(
    people, dead, elsewhere
) -> None:
    root = _superuser(manager_of="council-asb")
    assert _page_and_api(root) == (200, {dead.pk}, 200, {dead.pk})
    client = Client()
    client.force_login(root)
    assert client.post(f"/manage/notifications/{elsewhere.pk}/retry/").status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == DeliveryStatus.DEAD


def test_a_superuser_with_no_membership_sees_no_agencys_failures_anywhere(
    people, dead, elsewhere
) -> None:
    assert _page_and_api(_superuser()) == (403, set(), 403, set())


@pytest.mark.parametrize(
    "persona", ["manager", "auditor", "probation", "officer", "asb_coordinator", "outsider"]
)
def test_the_page_lists_the_same_dead_notifications_as_the_api(
    people, persona, dead, elsewhere
) -> None:
    page_status, listed, api_status, found = _page_and_api(people.user(persona))
    assert listed == found
    assert (page_status == 200) == (api_status == 200)
