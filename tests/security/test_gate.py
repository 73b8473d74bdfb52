"""One need-to-know gate for every output channel (issue 12 items 5, 6): an agency hears
of a case only as far as its staff may see it, and the SLA breaches page and report show
a manager only the cases they may open."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from cases.access import EVENT_BUS, Visibility, visibility
from notifications.models import Channel, Delivery, InboxItem, OutboxEvent
from notifications.publisher import EventPublisher
from notifications.routing import event_recipients, event_visible
from notifications.services import endpoint_create, event_relay, subscription_create
from partners.models import Agency
from tests.personas import raise_referral
from tests.security.conftest import api_client, manager_of, page_client
from tests.sla.support import fgm_case
from workflows.actions import case_transition, deadlines_scan

pytestmark = pytest.mark.django_db


def mailbox(code: str) -> Any:
    return endpoint_create(
        agency=Agency.objects.get(code=code),
        channel=Channel.EMAIL,
        name="Team mailbox",
        email_address=f"{code}@kestrelvale.example",
        by=None,
    )


def relay_all() -> None:
    for event in OutboxEvent.objects.filter(published_at__isnull=True).order_by("occurred_at"):
        event_relay(event_id=event.pk)


def endpoint_agencies(event: OutboxEvent) -> set[str]:
    return {e.agency.code for e in event_recipients(event).endpoints}


def test_an_agency_that_only_referred_a_vawg_case_hears_none_of_its_events(people: Any) -> None:
    police = mailbox("kestrel-police")
    subscription_create(endpoint=police, by=None)  # every type, every kind
    mailbox("victim-services")
    case = raise_referral(people.officer, "vawg").case
    case = case_transition(case_id=case.pk, name="assess_risk", by=people.idva, reason="DASH")
    case_transition(case_id=case.pk, name="refer_to_marac", by=people.idva, reason="High")

    events = list(OutboxEvent.objects.filter(case=case))
    assert {e.type for e in events} >= {"referral.raised", "case.transitioned"}
    for event in events:
        assert endpoint_agencies(event) == {"victim-services"}, event.type
    assert visibility(case, to=police.agency) is Visibility.NONE

    relay_all()
    assert not Delivery.objects.filter(endpoint=police).exists()
    listed = api_client(manager_of("kestrel-police")).get("/api/v1/deliveries/").json()
    assert case.reference not in str(listed)


def test_events_of_a_vawg_case_do_not_go_onto_the_open_exchange(people: Any) -> None:
    vawg = raise_referral(people.officer, "vawg").case
    asb = raise_referral(people.officer, "asb").case
    [vawg_event] = OutboxEvent.objects.filter(case=vawg, type="referral.raised")
    [asb_event] = OutboxEvent.objects.filter(case=asb, type="referral.raised")
    assert not event_visible(vawg_event, to=EVENT_BUS)
    assert event_visible(asb_event, to=EVENT_BUS)
    with EventPublisher() as publisher:
        assert publisher.publish(vawg_event) is False  # returns before touching the broker


def test_an_asb_referrer_agency_hears_state_changes_only(people: Any) -> None:
    police = mailbox("kestrel-police")
    subscription_create(endpoint=police, by=None)
    case = raise_referral(people.officer, "asb").case
    coordinator = people.asb_coordinator
    case_transition(case_id=case.pk, name="triage", by=coordinator, reason="Triaged")
    case_transition(
        case_id=case.pk, name="assign", by=coordinator, reason="To me", data={"officer": "manager"}
    )
    events = OutboxEvent.objects.filter(case=case)
    heard = {e.type for e in events if "kestrel-police" in endpoint_agencies(e)}
    assert heard == {"case.transitioned"}


def test_the_person_who_owes_a_personal_duty_hears_of_its_clock_and_their_agency_does_not(
    people: Any,
) -> None:
    health = mailbox("public-health")
    subscription_create(endpoint=health, by=None)
    case = fgm_case(people.nurse)
    with time_machine.travel(timezone.now() + timedelta(days=40), tick=False):
        deadlines_scan()
    relay_all()
    duty_events = OutboxEvent.objects.filter(
        case=case, type__startswith="deadline.", data__responsible_user=people.nurse.pk
    )
    assert duty_events.filter(type="deadline.breached").exists()
    assert not Delivery.objects.filter(endpoint=health).exists()
    told = set(InboxItem.objects.filter(user=people.nurse).values_list("event__type", flat=True))
    assert {"deadline.breached", "deadline.escalated"} <= told
    inbox = api_client(people.nurse).get("/api/v1/notifications/").json()
    assert {i["event"]["type"] for i in inbox["results"]} >= {"deadline.breached"}


@pytest.fixture
def fgm_breached(people: Any) -> Any:
    """The school nurse's FGM referral: her report was due and is now breached; public
    health owes it (through her), the IDVA service leads the case."""
    case = fgm_case(people.nurse)
    with time_machine.travel(timezone.now() + timedelta(days=40), tick=False):
        deadlines_scan()
    assert case.deadlines.filter(status="breached", responsible_agency__code="public-health")
    return case


def test_the_breaches_page_shows_a_manager_nothing_of_a_case_they_cannot_open(
    people: Any, fgm_breached: Any
) -> None:
    health_manager = manager_of("public-health")
    html = page_client(health_manager).get("/manage/breaches/").content.decode()
    assert fgm_breached.reference not in html
    results = html.split('id="counts"', 1)[1]  # after the filters, whose options list wards
    assert "Kestrel Town Centre" not in results
    assert "Violence against women" not in results
    assert "There are no open breaches." in results
    trend = html.split('id="trend-table"', 1)[1].split("</table>", 1)[0]
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' not in trend
    auditor = page_client(people.auditor).get("/manage/breaches/").content.decode()
    assert fgm_breached.reference in auditor


def test_the_breaches_report_counts_only_cases_the_manager_may_open(
    people: Any, fgm_breached: Any
) -> None:
    # Three breaches, so that the published figure (rounded to base 5) is not 0.
    fgm_case(people.nurse), fgm_case(people.nurse)
    later = timezone.now() + timedelta(days=75)
    with time_machine.travel(later, tick=False):
        deadlines_scan()
    breached = fgm_breached.deadlines.filter(status="breached").earliest("breached_at")
    url = "/api/v1/reports/sla-breaches/?period=" + (
        timezone.localtime(breached.breached_at).strftime("%Y-%m")
    )
    health_manager = manager_of("public-health")
    with time_machine.travel(later, tick=False):
        rows = api_client(health_manager).get(url).json()["rows"]
        csv = api_client(health_manager).get(url + "&format=csv")
        auditor = api_client(people.auditor).get(url).json()["rows"]
    assert [r for r in rows if r["kind"] == "vawg"] == []
    assert "vawg" not in csv.content.decode()
    assert any(r["kind"] == "vawg" and r["agency_code"] == "public-health" for r in auditor)
