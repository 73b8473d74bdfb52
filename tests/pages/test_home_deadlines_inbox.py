"""The home page's deadlines (red, amber, green) and notifications, and the inbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from notifications.models import InboxItem
from tests.pages.support import asb_triage_deadline, breached_asb_case, relay_all
from tests.personas import raise_referral
from workflows.actions import case_transition

pytestmark = pytest.mark.django_db


def _deadlines_section(html: str) -> str:
    return html.split('id="deadlines"', 1)[1].split('id="awaiting"', 1)[0]


def test_the_coordinator_sees_a_running_triage_deadline_as_on_track(people, client_for) -> None:
    case = raise_referral(people.officer, "asb").case
    section = _deadlines_section(client_for("asb_coordinator").get("/").content.decode())
    assert case.reference in section
    assert "ASB report triaged within 2 working days" in section
    assert 'govuk-tag--green app-rag">On track' in section
    assert " left" in section


def test_the_tag_turns_amber_after_the_warning_point_and_red_when_due(people, client_for) -> None:
    case = raise_referral(people.officer, "asb").case
    deadline = asb_triage_deadline(case)
    # Signed in at each time: sessions last a working day (SESSION_COOKIE_AGE).
    with time_machine.travel(deadline.warn_at + timedelta(minutes=1), tick=False):
        amber = _deadlines_section(client_for("asb_coordinator").get("/").content.decode())
    with time_machine.travel(deadline.due_at + timedelta(hours=3), tick=False):
        red = _deadlines_section(client_for("asb_coordinator").get("/").content.decode())
    assert 'govuk-tag--orange app-rag">Due soon' in amber
    assert 'govuk-tag--red app-rag">Overdue' in red
    assert "3 hours overdue" in red


def test_a_breached_deadline_stays_on_the_home_page_however_old(people, client_for) -> None:
    case = breached_asb_case(people.officer, opened_at=timezone.now() - timedelta(days=40))
    section = _deadlines_section(client_for("asb_coordinator").get("/").content.decode())
    assert case.reference in section
    assert 'govuk-tag--red app-rag">Breached' in section


def test_deadlines_of_other_agencies_are_not_on_my_home_page(people, client_for) -> None:
    raise_referral(people.officer, "asb")
    for persona in ("officer", "outsider", "auditor"):
        html = client_for(persona).get("/").content.decode()
        assert "No deadlines of yours fall due" in html, persona


def test_home_shows_the_unread_count_and_the_latest_notifications(people, client_for) -> None:
    case = raise_referral(people.officer, "asb").case
    case_transition(case_id=case.pk, name="triage", by=people.asb_coordinator, reason="ok")
    relay_all()
    html = client_for("officer").get("/").content.decode()
    assert "<strong>1 unread</strong> notification." in html
    assert "Case status changed" in html
    assert 'href="/inbox/"' in html
    # The service navigation carries the count too, with words for screen readers.
    assert '<span class="app-count">1<span class="govuk-visually-hidden"> unread' in html


@pytest.fixture
def officers_inbox(people) -> list[InboxItem]:
    for name in ("triage", "no_further_action"):
        case = raise_referral(people.officer, "asb").case
        case_transition(case_id=case.pk, name=name, by=people.asb_coordinator, reason="done")
    relay_all()
    return list(InboxItem.objects.filter(user=people.officer).order_by("created_at", "pk"))


def test_the_inbox_lists_my_notifications_with_a_mark_read_form_each(
    people, client_for, officers_inbox
) -> None:
    html = client_for("officer").get("/inbox/").content.decode()
    assert "<strong>2 unread.</strong>" in html
    for item in officers_inbox:
        assert f'action="/inbox/{item.pk}/read/"' in html
        assert item.event.case_reference in html


def test_marking_one_read_records_it_and_says_so(people, client_for, officers_inbox) -> None:
    client = client_for("officer")
    item = officers_inbox[0]
    response = client.post(f"/inbox/{item.pk}/read/")
    assert response.status_code == 302
    assert response["Location"] == "/inbox/"
    item.refresh_from_db()
    assert item.read_at is not None
    assert InboxItem.objects.get(pk=officers_inbox[1].pk).read_at is None
    html = client.get("/inbox/").content.decode()
    assert "Marked as read: Case status changed" in html
    assert "<strong>1 unread.</strong>" in html


def test_nobody_can_mark_another_persons_notification_read(
    people, client_for, officers_inbox
) -> None:
    item = officers_inbox[0]
    assert client_for("outsider").post(f"/inbox/{item.pk}/read/").status_code == 404
    item.refresh_from_db()
    assert item.read_at is None


def test_mark_read_is_a_post_with_a_csrf_token(people, officers_inbox) -> None:
    item = officers_inbox[0]
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.officer)
    assert client.get(f"/inbox/{item.pk}/read/").status_code == 405
    assert client.post(f"/inbox/{item.pk}/read/").status_code == 403
    assert client.post("/inbox/read-all/").status_code == 403
    item.refresh_from_db()
    assert item.read_at is None


def test_mark_all_read_empties_the_unread_list(people, client_for, officers_inbox) -> None:
    client = client_for("officer")
    response = client.post("/inbox/read-all/", follow=True)
    assert "Marked 2 notifications as read" in response.content.decode()
    assert not InboxItem.objects.filter(user=people.officer, read_at__isnull=True).exists()
    assert "Nothing unread." in response.content.decode()


def test_the_inbox_needs_a_signed_in_person(people) -> None:
    response = Client().get("/inbox/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
