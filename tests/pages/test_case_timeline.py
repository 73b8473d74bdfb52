"""The case page's timeline of notifications with their deliveries, the audit entries, VAWG
read logging, and the notification link (/cases/<id>/) that leads to the case."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from cases.models import Case
from notifications.events import event_envelope
from notifications.models import Delivery, OutboxEvent
from tests.pages.support import email_endpoint, make_dead, relay_all
from tests.personas import raise_referral
from workflows.actions import case_transition

pytestmark = pytest.mark.django_db


def _history(html: str) -> str:
    return html.split('id="history"', 1)[1].split('id="audit"', 1)[0]


def test_each_notification_shows_who_it_reached_and_how_it_went(people, client_for) -> None:
    email_endpoint("council-asb")
    case = raise_referral(people.officer, "asb").case
    case_transition(case_id=case.pk, name="triage", by=people.asb_coordinator, reason="ok")
    relay_all()
    dead = Delivery.objects.get(event__type="case.transitioned", endpoint__isnull=False)
    make_dead(dead)
    history = _history(
        client_for("asb_coordinator").get(f"/cases/{case.reference}/").content.decode()
    )
    assert "Notification: Referral raised" in history
    assert "Notification: Case status changed" in history
    # The email to the lead agency, and the referrer's inbox: channel, to, status, attempts.
    assert '<td class="govuk-table__cell">Email</td>' in history
    assert "Kestrel Vale Council ASB Team" in history
    assert 'govuk-tag--red">Dead</strong>' in history
    assert 'govuk-tag--grey">Pending</strong>' in history
    assert "In-app inbox" in history
    assert "Priya Shah" in history
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in history
    # Newest first: the triage and its notification come before the case was opened.
    assert history.index("Notification: Case status changed") < history.index("Case opened")


def test_an_event_not_yet_relayed_says_it_is_waiting(people, client_for) -> None:
    case = raise_referral(people.officer, "asb").case
    history = _history(
        client_for("asb_coordinator").get(f"/cases/{case.reference}/").content.decode()
    )
    assert "Waiting to be sent." in history


def test_the_audit_entries_of_the_case_are_listed(people, client_for) -> None:
    case = raise_referral(people.officer, "asb").case
    html = client_for("asb_coordinator").get(f"/cases/{case.reference}/").content.decode()
    audit = html.split('id="audit"', 1)[1]
    assert f"Create case: {case.reference}" in audit
    assert "Fields:" in audit


def _accesses(case: Case) -> int:
    return LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, object_id=case.pk, content_type__model="case"
    ).count()


def test_every_full_read_of_a_vawg_case_is_logged(people, client_for) -> None:
    case = raise_referral(people.officer, "vawg").case
    idva = client_for("idva")
    idva.get(f"/cases/{case.reference}/")
    idva.get(f"/cases/{case.reference}/")
    idva.get(f"/cases/{case.reference}/actions/assess_risk/")
    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_id=case.pk)
    assert entries.count() == 3
    assert {e.actor for e in entries} == {people.idva}


def test_the_referrers_outline_and_other_kinds_are_not_logged_as_reads(people, client_for) -> None:
    vawg = raise_referral(people.officer, "vawg").case
    asb = raise_referral(people.officer, "asb").case
    html = client_for("officer").get(f"/cases/{vawg.reference}/").content.decode()
    assert "only the safeguarding team can see its details" in html
    client_for("asb_coordinator").get(f"/cases/{asb.reference}/")
    assert _accesses(vawg) == 0
    assert _accesses(asb) == 0


def test_the_notification_link_by_id_leads_to_the_case_for_those_who_may_see_it(
    people, client_for
) -> None:
    case = raise_referral(people.officer, "asb").case
    response = client_for("asb_coordinator").get(f"/cases/{case.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.reference}/"
    assert client_for("outsider").get(f"/cases/{case.pk}/").status_code == 404


def test_a_notifications_link_is_the_link_to_the_case_page(people, client_for, settings) -> None:
    case = raise_referral(people.officer, "asb").case
    envelope = event_envelope(OutboxEvent.objects.get(case=case, type="referral.raised"))

    assert envelope["detail_url"].startswith(settings.SITE_URL + "/")
    link = envelope["detail_url"].removeprefix(settings.SITE_URL)
    response = client_for("asb_coordinator").get(link, follow=True)
    assert response.redirect_chain == [(f"/cases/{case.reference}/", 302)]
    assert response.templates[0].name == "workflows/case.html"


def test_the_case_page_reads_a_long_history_in_a_bounded_number_of_queries(
    people, client_for, django_assert_max_num_queries
) -> None:
    email_endpoint("council-asb")
    case = raise_referral(people.officer, "asb").case
    for name in ("triage", "assign", "start_work", "resolve", "reopen", "resolve"):
        data = {"agency": "council-asb"} if name == "assign" else {}
        case_transition(
            case_id=case.pk, name=name, by=people.asb_coordinator, reason=name, data=data
        )
    relay_all()
    client = client_for("asb_coordinator")
    with django_assert_max_num_queries(25):
        html = client.get(f"/cases/{case.reference}/").content.decode()
    assert html.count("Notification: Case status changed") == 6
