from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from cases.models import Case
from notifications.models import OutboxEvent
from tests.factories import CaseFactory
from tests.personas import dash, raise_referral
from workflows.actions import case_transition
from workflows.models import RiskAssessment, TransitionLog

pytestmark = pytest.mark.django_db


def _summary_links(response: Any) -> list[tuple[str, str]]:
    html = response.content.decode()
    box = html.split('govuk-error-summary__list"', 1)[1].split("</ul>", 1)[0]
    return [(h, unescape(t.strip())) for h, t in re.findall(r'<a href="([^"]+)">([^<]+)</a>', box)]


def _asb_case(people: Any) -> Case:
    case: Case = CaseFactory.create(by=people.officer, kind="asb")
    return case


def test_the_coordinator_sees_the_case_its_history_and_the_triage_button(
    people, client_for
) -> None:
    case = _asb_case(people)
    page = client_for("asb_coordinator").get(f"/cases/{case.reference}/").content.decode()
    assert case.reference in page
    assert "Jane Resident" in page
    assert "Loud music every night" in page
    assert "Case opened" in page
    assert "Notification: Referral raised" in page
    assert f'href="/cases/{case.reference}/actions/triage/"' in page
    assert f'href="/cases/{case.reference}/actions/close/"' not in page
    assert "Kestrel Vale Council ASB Team" in page


def test_triage_with_a_reason_moves_the_case_and_says_so(people, client_for) -> None:
    case = _asb_case(people)
    client = client_for("asb_coordinator")
    form = client.get(f"/cases/{case.reference}/actions/triage/").content.decode()
    assert f'name="version" value="{case.version}"' in form
    response = client.post(
        f"/cases/{case.reference}/actions/triage/",
        {"version": case.version, "risk": "medium", "reason": "Repeat noise, vulnerable family"},
    )
    assert response["Location"] == f"/cases/{case.reference}/"
    case.refresh_from_db()
    assert (case.state, case.risk) == ("triaged", "medium")
    log = TransitionLog.objects.get(case=case, transition="triage")
    assert log.reason == "Repeat noise, vulnerable family"
    page = client.get(response["Location"]).content.decode()
    assert "Triage: done for" in page
    assert "govuk-notification-banner--success" in page


def test_a_transition_without_a_reason_is_an_error_linked_to_the_reason(people, client_for) -> None:
    case = _asb_case(people)
    response = client_for("asb_coordinator").post(
        f"/cases/{case.reference}/actions/triage/", {"version": case.version, "reason": " "}
    )
    assert response.status_code == 200
    assert _summary_links(response) == [("#reason", "Enter the reason for this change")]
    case.refresh_from_db()
    assert case.state == "reported"
    assert TransitionLog.objects.filter(case=case).count() == 1


def test_a_stale_form_is_refused_with_a_conflict_and_nothing_is_written(people, client_for) -> None:
    case = _asb_case(people)
    stale_version = case.version
    case_transition(
        case_id=case.pk, name="triage", by=people.asb_coordinator, reason="Triaged by a colleague"
    )
    events = OutboxEvent.objects.count()
    response = client_for("asb_coordinator").post(
        f"/cases/{case.reference}/actions/no_further_action/",
        {"version": stale_version, "reason": "Nothing more to do"},
    )
    assert response.status_code == 409
    assert _summary_links(response) == [
        (
            "#case-summary",
            "This case changed while you were working on it. Check the case, then try again",
        )
    ]
    # The form comes back at the current version, so a deliberate resubmit can succeed.
    case.refresh_from_db()
    assert f'name="version" value="{case.version}"' in response.content.decode()
    assert case.state == "triaged"
    assert OutboxEvent.objects.count() == events


def test_assign_takes_an_agency_and_an_officer_of_that_agency(people, client_for) -> None:
    case = _asb_case(people)
    case_transition(case_id=case.pk, name="triage", by=people.asb_coordinator, reason="triaged")
    case.refresh_from_db()
    client = client_for("asb_coordinator")
    wrong = client.post(
        f"/cases/{case.reference}/actions/assign/",
        {"version": case.version, "agency": "housing", "officer": "officer", "reason": "Housing"},
    )
    assert _summary_links(wrong) == [
        ("#officer", "'officer' is not a member of Kestrel Vale Housing Options.")
    ]
    response = client.post(
        f"/cases/{case.reference}/actions/assign/",
        {
            "version": case.version,
            "agency": "housing",
            "officer": "caseworker",
            "reason": "Housing",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "assigned"
    assert case.responsible_agency.code == "housing"
    assert case.assigned_officer == people.caseworker


def test_the_officer_list_narrows_to_the_chosen_agency_for_htmx(people, client_for) -> None:
    case = _asb_case(people)
    case_transition(case_id=case.pk, name="triage", by=people.asb_coordinator, reason="triaged")
    client = client_for("asb_coordinator")
    everyone = client.get(f"/cases/{case.reference}/actions/assign/").content.decode()
    assert '<optgroup label="Kestrel Vale Housing Options">' in everyone
    assert "Aisha Begum" in everyone
    assert "Priya Shah" in everyone
    housing = client.get(
        f"/cases/{case.reference}/actions/assign/?agency=housing", HTTP_HX_REQUEST="true"
    ).content.decode()
    officer_select = housing.split('id="officer"', 1)[1].split("</select>", 1)[0]
    assert "Aisha Begum" in officer_select
    assert "Priya Shah" not in officer_select


def test_assess_risk_offers_the_referrals_dash_answers(people, client_for) -> None:
    case = raise_referral(people.officer, "vawg", details={"dash": dash(15)}).case
    client = client_for("idva")
    form = client.get(f"/cases/{case.reference}/actions/assess_risk/").content.decode()
    assert re.search(r'id="dash_q1" name="dash_q1" type="radio" value="yes" checked', form)
    assert "DASH score: <span data-dash-score-value>15</span>" in form
    posted = {f"dash_q{i}": "yes" if i <= 15 else "no" for i in range(1, 25)}
    response = client.post(
        f"/cases/{case.reference}/actions/assess_risk/",
        {
            **posted,
            "version": case.version,
            "reason": "Checked with the victim",
            "escalation": "no",
        },
    )
    assert response.status_code == 302
    assessment = RiskAssessment.objects.get(case=case)
    assert (assessment.score, assessment.risk) == (15, "high")


def test_an_action_the_user_may_not_take_is_refused_and_writes_nothing(people, client_for) -> None:
    case = _asb_case(people)
    officer = client_for("officer")  # opened the case, so sees it, but may not triage it
    assert officer.get(f"/cases/{case.reference}/").status_code == 200
    assert officer.get(f"/cases/{case.reference}/actions/triage/").status_code == 403
    response = officer.post(
        f"/cases/{case.reference}/actions/triage/", {"version": case.version, "reason": "mine"}
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == "reported"


def test_an_action_from_the_wrong_state_says_it_is_not_available(people, client_for) -> None:
    case = _asb_case(people)
    response = client_for("asb_coordinator").get(f"/cases/{case.reference}/actions/close/")
    assert response.status_code == 403
    assert "The case is \u2018Reported\u2019" in response.content.decode()
    assert (
        client_for("asb_coordinator").get(f"/cases/{case.reference}/actions/fly/").status_code
        == 404
    )


def test_a_case_the_user_may_not_see_is_not_found(people, client_for) -> None:
    case = _asb_case(people)
    outsider = client_for("outsider")
    assert outsider.get(f"/cases/{case.reference}/").status_code == 404
    assert outsider.get(f"/cases/{case.reference}/actions/triage/").status_code == 404
    assert client_for("officer").get("/cases/ASB-1999-000001/").status_code == 404


def test_a_vawg_referrer_sees_only_the_reference_and_state(people, client_for) -> None:
    case = raise_referral(people.officer, "vawg").case
    outline = client_for("officer").get(f"/cases/{case.reference}/")
    html = outline.content.decode()
    assert outline.status_code == 200
    assert case.reference in html
    assert "Reported" in html
    for secret in ("Alice Victim", "Bob Partner", "controlling behaviour", "weekdays"):
        assert secret not in html
    assert (
        client_for("officer").get(f"/cases/{case.reference}/actions/assess_risk/").status_code
        == 404
    )
    full = client_for("idva").get(f"/cases/{case.reference}/").content.decode()
    assert "Alice Victim" in full
    assert "How to contact them safely" in full  # on a page of its own (issue 13, item 9)


def test_record_release_needs_a_real_date(people, client_for) -> None:
    case = raise_referral(people.probation, "early_release").case
    case_transition(case_id=case.pk, name="start_planning", by=people.probation, reason="plan")
    case.refresh_from_db()
    client = client_for("probation")
    response = client.post(
        f"/cases/{case.reference}/actions/record_release/",
        {
            "version": case.version,
            "reason": "Released",
            "actual_release_date_day": "30",
            "actual_release_date_month": "2",
            "actual_release_date_year": "2026",
        },
    )
    assert _summary_links(response) == [
        ("#actual_release_date_day", "The release date must be a real date")
    ]
    missing = client.post(
        f"/cases/{case.reference}/actions/record_release/",
        {"version": case.version, "reason": "Released"},
    )
    assert _summary_links(missing) == [("#actual_release_date_day", "Enter the date of release")]
    case.refresh_from_db()
    assert case.state == "pre_release_planning"


def test_a_transition_date_names_the_missing_boxes_as_the_referral_form_does(
    people, client_for
) -> None:
    # One date-box reader for every page (web.forms): a partial date names what is missing.
    case = raise_referral(people.probation, "early_release").case
    case_transition(case_id=case.pk, name="start_planning", by=people.probation, reason="plan")
    case.refresh_from_db()
    response = client_for("probation").post(
        f"/cases/{case.reference}/actions/record_release/",
        {"version": case.version, "reason": "Released", "actual_release_date_day": "3"},
    )
    assert _summary_links(response) == [
        ("#actual_release_date_day", "The release date must include a month and year")
    ]
    case.refresh_from_db()
    assert case.state == "pre_release_planning"
