"""An ASB case review application from an attacker's side: who applied is personal data
on the complaining side (the "do not disclose to the other party" thinking), so another
agency on the case (the alleged perpetrator's landlord), a referrer who is not working on
the case and an outsider learn nothing of the applicant on the page, the API, the history,
events or webhooks. ASB, Crime and Policing Act 2014 s104 (issue 13 item 6)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases.audit import acting_as, system_user
from cases.models import Case, CaseAgency, CaseAgencyRole
from notifications.models import Delivery, OutboxEvent
from notifications.selectors import case_events
from notifications.services import event_relay, subscription_create
from partners.models import Agency
from tests.notifications.conftest import email_endpoint
from tests.personas import raise_referral
from tests.security.conftest import api_client, page_client

pytestmark = pytest.mark.django_db

APPLICANT = "Marigold Quetzal-Applicant"
SECRET = "Stairwell threats by the flat 4 tenant"
TYPES = [
    "case_review.received",
    "case_review.threshold_decided",
    "case_review.applicant_told",
    "case_review.meeting_held",
    "case_review.outcome_recorded",
]


def reviewed_case(people: Any) -> tuple[Case, int]:
    """The police refer; the council leads; housing (the perpetrator's landlord) takes
    part; the council records an application and decides the threshold is met."""
    referral = raise_referral(people.officer, "asb", location_text="Stairwell, Gull Court")
    case = referral.case
    with acting_as(system_user()):
        CaseAgency.objects.create(
            case=case,
            agency=Agency.objects.get(code="housing"),
            role=CaseAgencyRole.PARTICIPANT,
            added_at=timezone.now(),
        )
    for code in ("kestrel-police", "housing", "council-asb"):
        endpoint = email_endpoint(code, f"{code}@kestrelvale.example")
        if code != "council-asb":
            subscription_create(endpoint=endpoint, by=None, event_types=TYPES)
    coordinator = api_client(people.asb_coordinator)
    today = timezone.localdate()
    answer = coordinator.post(
        f"/api/v1/cases/{case.pk}/case-reviews/",
        {
            "applicant_name": APPLICANT,
            "applicant_is_victim": True,
            "received_at": timezone.now().isoformat(),
            "referrals": [{"reference": referral.reference}],
            "other_complaints": [
                {
                    "body": "Gull Court Housing Association",
                    "reference": "GCHA-77",
                    "complained_on": (today - timedelta(days=9)).isoformat(),
                    "behaviour_on": (today - timedelta(days=10)).isoformat(),
                    "description": SECRET,
                    "category": "hate_related",
                }
            ],
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    [row] = answer.json()["results"]
    assert row["applicant_name"] == APPLICANT
    assert [c["counted"] for c in row["complaints"]] == [True, True]
    assert row["calculated_met"] is True  # one hate incident (local threshold 1)
    base = f"/api/v1/cases/{case.pk}/case-reviews/{row['id']}"
    decided = coordinator.post(
        f"{base}/threshold/", {"met": True, "reasons": f"Met: {SECRET}"}, format="json"
    )
    assert decided.status_code == 200, decided.content
    for event in OutboxEvent.objects.filter(published_at__isnull=True):
        event_relay(event_id=event.pk)
    return case, row["id"]


def test_the_lead_agency_reads_the_applicant_and_the_complaints(people: Any) -> None:
    case, _ = reviewed_case(people)
    [row] = (
        api_client(people.asb_coordinator)
        .get(f"/api/v1/cases/{case.pk}/case-reviews/")
        .json()["results"]
    )
    assert row["disclosed"] is True
    assert row["decision_reasons"] == f"Met: {SECRET}"
    page = page_client(people.asb_coordinator).get(f"/cases/{case.reference}/").content.decode()
    assert APPLICANT in page
    assert SECRET in page


def test_the_perpetrators_landlord_on_the_case_sees_progress_not_who_applied(
    people: Any,
) -> None:
    case, application = reviewed_case(people)
    landlord = api_client(people.caseworker)
    [row] = landlord.get(f"/api/v1/cases/{case.pk}/case-reviews/").json()["results"]
    assert row["disclosed"] is False
    assert row["state"] == "threshold_met"
    for key in ("applicant_name", "complaints", "decision_reasons", "calculation"):
        assert row[key] is None, key
    history = landlord.get(f"/api/v1/cases/{case.pk}/history/").json()
    page = page_client(people.caseworker).get(f"/cases/{case.reference}/").content.decode()
    for text in (str(history), page):
        assert APPLICANT not in text
        assert SECRET not in text
    refused = landlord.post(
        f"/api/v1/cases/{case.pk}/case-reviews/{application}/decision-told/", {}, format="json"
    )
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    # Their agency's webhook or mailbox hears of the progress, with no name in it.
    housing = Delivery.objects.filter(endpoint__agency__code="housing")
    assert set(housing.values_list("event__type", flat=True)) >= {"case_review.received"}
    for event in OutboxEvent.objects.filter(type__startswith="case_review."):
        assert APPLICANT not in str(event.data)
        assert SECRET not in str(event.data)


def test_the_referrer_who_is_not_working_on_the_case_learns_nothing_of_it(people: Any) -> None:
    case, application = reviewed_case(people)
    officer = api_client(people.officer)
    assert officer.get(f"/api/v1/cases/{case.pk}/").json()["visibility"] == "full"
    assert officer.get(f"/api/v1/cases/{case.pk}/case-reviews/").status_code == 404
    told = officer.post(
        f"/api/v1/cases/{case.pk}/case-reviews/{application}/decision-told/", {}, format="json"
    )
    assert told.status_code == 404
    history = str(officer.get(f"/api/v1/cases/{case.pk}/history/").json())
    assert "case_review" not in history
    assert not {e.type for e in case_events(case=case, user=people.officer)} & set(TYPES)
    assert not Delivery.objects.filter(endpoint__agency__code="kestrel-police").filter(
        event__type__startswith="case_review."
    )
    assert officer.get("/api/v1/notifications/").json()["count"] == 0
    deadlines = str(officer.get("/api/v1/deadlines/").json())
    assert "case_review" not in deadlines
    page = page_client(people.officer).get(f"/cases/{case.reference}/").content.decode()
    assert APPLICANT not in page
    assert "case review application" not in page.lower()


def test_an_outsider_gets_404_everywhere(people: Any) -> None:
    case, application = reviewed_case(people)
    outsider = api_client(people.outsider)
    base = f"/api/v1/cases/{case.pk}/case-reviews/"
    assert outsider.get(base).status_code == 404
    for step in ("threshold", "decision-told", "meeting", "outcome", "outcome-told"):
        assert outsider.post(f"{base}{application}/{step}/", {}, format="json").status_code == 404
    assert page_client(people.outsider).get(f"/cases/{case.reference}/").status_code == 404
