"""The ASB case review pages: record an application (intake's page), then each step from
the case page, as the lead agency; refused to the other agencies and hidden from the rest.
ASB, Crime and Policing Act 2014 s104."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases.audit import acting_as, system_user
from cases.models import CaseAgency, CaseAgencyRole
from partners.models import Agency
from tests.security.conftest import page_client
from tests.workflows.flows import case_in
from workflows.actions import case_review_application_record, case_review_threshold_decide
from workflows.review.models import CaseReviewApplication

pytestmark = pytest.mark.django_db


def boxes(prefix: str, when: Any, *, time: bool = False) -> dict[str, str]:
    found = {f"{prefix}_day": when.day, f"{prefix}_month": when.month, f"{prefix}_year": when.year}
    if time:
        found |= {f"{prefix}_hour": when.hour, f"{prefix}_minute": when.minute}
    return {k: str(v) for k, v in found.items()}


def test_the_lead_records_and_moves_an_application_on_a_closed_case_by_its_pages(
    people: Any,
) -> None:
    # s104: available after closure; s104(6): the decision needs reasons.
    case = case_in(people, "asb", "closed")
    [referral] = case.referrals.all()
    client = page_client(people.asb_coordinator)
    new = f"/referrals/case-review/{case.reference}/new/"
    assert "Record an application" in client.get(new).content.decode()
    # Received now (to the minute): an hour earlier is yesterday just after midnight, when
    # today's referral would be a complaint from after the application.
    now = timezone.localtime()
    today = now.date()
    missing = client.post(new, {"applicant_is_victim": "yes", **boxes("received", now, time=True)})
    assert missing.status_code == 200
    assert "Enter the applicant&#x27;s name" in missing.content.decode()
    posted = client.post(
        new,
        {
            "applicant_name": "Pat Applicant",
            "applicant_is_victim": "yes",
            **boxes("received", now, time=True),
            "received_by": str(case.responsible_agency_id),
            "referrals": [referral.reference],
            "o1_body": "Gull Court Housing",
            "o1_reference": "GCH-1",
            **boxes("o1_complained", today - timedelta(days=40)),
            **boxes("o1_behaviour", today - timedelta(days=80)),
            "o1_category": "noise",
        },
    )
    assert posted.status_code == 302, posted.content.decode()[:3000]
    application = CaseReviewApplication.objects.get(case=case)
    assert [c.counted for c in application.complaints.order_by("behaviour_on")] == [False, True]
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Pat Applicant" in page
    assert "more than one month after the behaviour" in page
    step = f"/cases/{case.reference}/case-reviews/{application.pk}"
    no_reasons = client.post(f"{step}/threshold/", {"met": "no", "reasons": ""})
    assert "Enter the reasons" in no_reasons.content.decode()
    assert (
        client.post(f"{step}/threshold/", {"met": "no", "reasons": "One complaint"}).status_code
        == 302
    )
    assert client.post(f"{step}/decision-told/", {}).status_code == 302
    application.refresh_from_db()
    assert application.state == "threshold_not_met"
    assert application.decision_told_at is not None
    case.refresh_from_db()
    assert case.state == "closed"


def test_the_meeting_page_refuses_a_future_date(people: Any) -> None:
    case = case_in(people, "asb", "in_progress")
    client = page_client(people.asb_coordinator)
    application = case_review_application_record(
        case_id=case.pk,
        by=people.asb_coordinator,
        applicant_name="Pat",
        applicant_is_victim=True,
        victim_consent=False,
        received_at=timezone.now(),
        received_by=case.responsible_agency,
        relied_on=[],
    )
    case_review_threshold_decide(
        application_id=application.pk, met=True, reasons="Met", by=people.asb_coordinator
    )
    council = Agency.objects.get(code="council-asb")
    answer = client.post(
        f"/cases/{case.reference}/case-reviews/{application.pk}/meeting/",
        {**boxes("meeting_on", timezone.localdate() + timedelta(days=2)), "agencies": [council.pk]},
    )
    assert answer.status_code == 200
    assert "cannot be in the future" in answer.content.decode()
    application.refresh_from_db()
    assert application.state == "threshold_met"


def test_the_pages_refuse_other_agencies_and_hide_from_the_referrer(people: Any) -> None:
    case = case_in(people, "asb", "no_further_action")
    with acting_as(system_user()):
        CaseAgency.objects.create(
            case=case,
            agency=Agency.objects.get(code="housing"),
            role=CaseAgencyRole.PARTICIPANT,
            added_at=timezone.now(),
        )
    new = f"/referrals/case-review/{case.reference}/new/"
    assert page_client(people.caseworker).get(new).status_code == 403
    assert page_client(people.officer).get(new).status_code == 404
    assert page_client(people.outsider).get(new).status_code == 404
    assert page_client(people.asb_coordinator).get(new).status_code == 200
