"""Deadlines on the case page: time left and status, pausing and restarting a clock, and
recording a milestone, each through the SLA services with nothing half-written."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from cases.models import PersonalDuty
from tests.pages.support import asb_triage_deadline
from tests.personas import raise_referral
from tests.sla.support import fgm_case
from workflows.actions import case_transition
from workflows.calendar import LONDON
from workflows.models import Deadline, DeadlineStatus, TransitionLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def asb(people):
    return raise_referral(people.officer, "asb").case


def _pause_url(case, deadline) -> str:
    return f"/cases/{case.reference}/deadlines/{deadline.pk}/pause/"


def test_the_case_page_lists_each_clock_with_time_left_status_and_pause(
    people, client_for, asb
) -> None:
    deadline = asb_triage_deadline(asb)
    html = client_for("asb_coordinator").get(f"/cases/{asb.reference}/").content.decode()
    section = html.split('id="deadlines"', 1)[1].split("Referrals", 1)[0]
    assert "ASB report triaged within 2 working days" in section
    assert "Kestrel Vale Council ASB Team" in section
    assert " left" in section
    assert 'govuk-tag--green app-rag">On track' in section
    assert f'href="{_pause_url(asb, deadline)}"' in section


def test_only_the_responsible_agency_is_offered_the_pause(people, client_for, asb) -> None:
    deadline = asb_triage_deadline(asb)
    html = client_for("officer").get(f"/cases/{asb.reference}/").content.decode()
    assert "ASB report triaged within 2 working days" in html
    assert _pause_url(asb, deadline) not in html
    assert client_for("officer").get(_pause_url(asb, deadline)).status_code == 403


def test_pausing_needs_a_reason_code_and_writes_nothing_without_one(
    people, client_for, asb
) -> None:
    deadline = asb_triage_deadline(asb)
    client = client_for("asb_coordinator")
    form = client.get(_pause_url(asb, deadline)).content.decode()
    assert "Awaiting a partner&#x27;s information" in form
    response = client.post(_pause_url(asb, deadline), {"note": "Waiting on housing"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="#reason">Select why the clock is paused</a>' in html
    deadline.refresh_from_db()
    assert deadline.paused_at is None
    assert not TransitionLog.objects.filter(case=asb, transition="pause_sla").exists()


def test_a_pause_stops_the_clock_is_recorded_and_shown(people, client_for, asb) -> None:
    deadline = asb_triage_deadline(asb)
    client = client_for("asb_coordinator")
    response = client.post(
        _pause_url(asb, deadline),
        {"reason": "awaiting_partner_information", "note": "Housing to confirm the tenancy"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{asb.reference}/#deadlines"
    deadline.refresh_from_db()
    assert deadline.pause_reason == "awaiting_partner_information"
    log = TransitionLog.objects.get(case=asb, transition="pause_sla")
    assert (log.actor, log.reason) == (people.asb_coordinator, "Housing to confirm the tenancy")
    html = client.get(response["Location"]).content.decode()
    assert "Clock paused: ASB report triaged within 2 working days" in html
    assert 'govuk-tag--grey app-rag">Paused' in html
    assert "when restarted" in html
    assert f"/deadlines/{deadline.pk}/resume/" in html


def test_restarting_moves_the_due_time_on_by_the_pause(people, client_for, asb) -> None:
    deadline = asb_triage_deadline(asb)
    due = deadline.due_at
    start = deadline.started_at + timedelta(hours=1)
    with time_machine.travel(start, tick=False):
        client_for("asb_coordinator").post(
            _pause_url(asb, deadline), {"reason": "subject_unavailable"}
        )
    with time_machine.travel(start + timedelta(hours=5), tick=False):
        client = client_for("asb_coordinator")
        resume = f"/cases/{asb.reference}/deadlines/{deadline.pk}/resume/"
        assert client.get(resume).status_code == 200
        response = client.post(resume, {"note": "Back from hospital"})
    assert response.status_code == 302
    deadline.refresh_from_db()
    assert deadline.paused_at is None
    assert deadline.due_at == due + timedelta(hours=5)
    assert TransitionLog.objects.get(case=asb, transition="resume_sla").reason == (
        "Back from hospital"
    )


def test_a_clock_past_due_cannot_be_paused_and_nothing_changes(people, client_for, asb) -> None:
    deadline = asb_triage_deadline(asb)
    with time_machine.travel(deadline.due_at + timedelta(minutes=5), tick=False):
        client = client_for("asb_coordinator")
        assert client.get(_pause_url(asb, deadline)).status_code == 409
        response = client.post(_pause_url(asb, deadline), {"reason": "subject_unavailable"})
    assert response.status_code == 409
    assert "already past due" in response.content.decode()
    deadline.refresh_from_db()
    assert deadline.paused_at is None
    assert not TransitionLog.objects.filter(case=asb, transition="pause_sla").exists()


def test_a_statutory_clock_offers_no_pause(people, client_for) -> None:
    release = raise_referral(people.probation, "early_release").case
    deadline = Deadline.objects.get(case=release, policy__code="release_pre_release_plan")
    client = client_for("probation")
    html = client.get(f"/cases/{release.reference}/").content.decode()
    assert _pause_url(release, deadline) not in html
    assert client.get(_pause_url(release, deadline)).status_code == 409


def test_a_deadline_is_found_only_under_its_own_case(people, client_for, asb) -> None:
    other = raise_referral(people.officer, "asb", location_text="2 Mill Lane").case
    deadline = asb_triage_deadline(other)
    assert client_for("asb_coordinator").get(_pause_url(asb, deadline)).status_code == 404
    assert client_for("outsider").get(_pause_url(other, deadline)).status_code == 404
    response = client_for("outsider").post(_pause_url(other, deadline), {"reason": "x"})
    assert response.status_code == 404


def test_pause_forms_need_the_csrf_token(people, asb) -> None:
    deadline = asb_triage_deadline(asb)
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.asb_coordinator)
    response = client.post(_pause_url(asb, deadline), {"reason": "subject_unavailable"})
    assert response.status_code == 403
    deadline.refresh_from_db()
    assert deadline.paused_at is None


# --- milestones --------------------------------------------------------------------------


def test_recording_a_milestone_meets_the_deadline_waiting_for_it(people, client_for) -> None:
    release = raise_referral(people.probation, "early_release").case
    client = client_for("probation")
    url = f"/cases/{release.reference}/milestones/complete_pre_release_plan/"
    html = client.get(f"/cases/{release.reference}/").content.decode()
    assert f'href="{url}"' in html
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "Plan agreed with housing and public health"})
    assert response.status_code == 302
    log = TransitionLog.objects.get(case=release, transition="complete_pre_release_plan")
    assert log.reason == "Plan agreed with housing and public health"
    deadline = Deadline.objects.get(case=release, policy__code="release_pre_release_plan")
    assert (deadline.status, deadline.met_by) == (DeadlineStatus.MET, "complete_pre_release_plan")
    page = client.get(response["Location"]).content.decode()
    assert "Recorded: Pre-release plan complete" in page


def test_a_milestone_without_a_note_is_an_error_and_nothing_is_recorded(people, client_for) -> None:
    release = raise_referral(people.probation, "early_release").case
    url = f"/cases/{release.reference}/milestones/complete_pre_release_plan/"
    response = client_for("probation").post(url, {"reason": "  "})
    assert response.status_code == 200
    assert '<a href="#reason">Enter what was done</a>' in response.content.decode()
    assert not TransitionLog.objects.filter(transition="complete_pre_release_plan").exists()
    deadline = Deadline.objects.get(case=release, policy__code="release_pre_release_plan")
    assert deadline.status == DeadlineStatus.OPEN


def test_unknown_milestones_and_unseen_cases_are_not_found(people, client_for) -> None:
    release = raise_referral(people.probation, "early_release").case
    client = client_for("probation")
    assert client.get(f"/cases/{release.reference}/milestones/review_risk/").status_code == 404
    outsider = client_for("outsider")
    url = f"/cases/{release.reference}/milestones/complete_pre_release_plan/"
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"reason": "no"}).status_code == 404
    assert not TransitionLog.objects.filter(transition="complete_pre_release_plan").exists()


REPORT_FORM = {
    "method": "oral",
    "police_force": "Kestrel Police",
    "police_reference": "4471",
}


def _report_form(when: datetime) -> dict[str, str]:
    local = when.astimezone(LONDON)
    return {
        **REPORT_FORM,
        "reported_at_day": str(local.day),
        "reported_at_month": str(local.month),
        "reported_at_year": str(local.year),
        "reported_at_hour": str(local.hour),
        "reported_at_minute": str(local.minute),
    }


def test_the_fgm_report_is_offered_only_to_the_person_who_owes_it(people, client_for) -> None:
    case = fgm_case(people.nurse)
    duty = PersonalDuty.objects.get(case=case)
    url = f"/cases/{case.reference}/duties/{duty.pk}/report/"
    # The referrer sees only the outline of a VAWG case, but the duty is theirs to record.
    outline = client_for("nurse").get(f"/cases/{case.reference}/").content.decode()
    assert "Your duty on this case" in outline
    assert f'href="{url}"' in outline
    assert "Alice Victim" not in outline
    home = client_for("nurse").get("/").content.decode()
    assert "Known FGM in an under-18" in home

    idva = client_for("idva")
    page = idva.get(f"/cases/{case.reference}/").content.decode()
    assert f'href="{url}"' not in page
    assert "Personal duties" in page  # the safeguarding lead sees who owes what
    assert idva.get(url).status_code == 404
    assert idva.post(url, _report_form(timezone.now())).status_code == 404
    assert not TransitionLog.objects.filter(transition="report_fgm_to_police").exists()

    nurse = client_for("nurse")
    blank = nurse.post(url, {**REPORT_FORM, "police_reference": ""})
    assert blank.status_code == 200
    text = blank.content.decode()
    assert '<a href="#police_reference">Enter the reference the police gave you</a>' in text
    assert '<a href="#reported_at_day">Enter when you made the report</a>' in text
    response = nurse.post(url, _report_form(timezone.now() - timedelta(minutes=5)))
    assert response.status_code == 302
    log = TransitionLog.objects.get(case=case, transition="report_fgm_to_police")
    assert log.actor == people.nurse
    duty.refresh_from_db()
    assert (duty.status, duty.police_reference) == ("reported", "4471")


def test_the_fgm_report_is_still_offered_to_its_owner_once_the_case_has_closed(
    people, client_for
) -> None:
    case = fgm_case(people.nurse)
    for name in ("assess_risk", "offer_support", "record_support_declined", "close"):
        case_transition(case_id=case.pk, name=name, by=people.idva, reason="For the test")
    duty = PersonalDuty.objects.get(case=case)
    url = f"/cases/{case.reference}/duties/{duty.pk}/report/"
    nurse = client_for("nurse")
    outline = nurse.get(f"/cases/{case.reference}/").content.decode()
    assert "Closed" in outline
    assert "Your duty on this case" in outline
    assert f'href="{url}"' in outline
    assert "Known FGM in an under-18" in nurse.get("/").content.decode()
    assert nurse.get(url).status_code == 200

    assert nurse.post(url, _report_form(timezone.now())).status_code == 302
    assert TransitionLog.objects.get(case=case, transition="report_fgm_to_police").actor == (
        people.nurse
    )
    outline = nurse.get(f"/cases/{case.reference}/").content.decode()
    assert f'href="{url}"' not in outline
    assert "Reported" in outline
    assert nurse.get(url).status_code == 409  # reported: nothing more to record


def test_a_nurse_records_fgm_she_discovered_on_an_open_case_and_owes_the_report(
    people, client_for
) -> None:
    # FGM Act 2003 s5B: discovered after the case was opened, by a regulated professional.
    # She referred domestic abuse, so she sees only the outline; later the girl tells her.
    case = raise_referral(people.nurse, "vawg").case
    url = f"/cases/{case.reference}/fgm-discovery/"
    idva = client_for("idva")
    assert f'href="{url}"' in idva.get(f"/cases/{case.reference}/").content.decode()
    assert client_for("outsider").get(url).status_code == 404
    nurse = client_for("nurse")
    assert f'href="{url}"' in nurse.get(f"/cases/{case.reference}/").content.decode()
    today = timezone.localdate()
    form = {
        "discovered_on_day": str(today.day),
        "discovered_on_month": str(today.month),
        "discovered_on_year": str(today.year + 1),
        "discovered_how": "observed",
        "known": "yes",
        "age_at_discovery": "13",
    }
    future = nurse.post(url, form)
    assert future.status_code == 200
    assert "The date of discovery cannot be in the future." in future.content.decode()
    assert not PersonalDuty.objects.exists()
    response = nurse.post(url, {**form, "discovered_on_year": str(today.year)})
    assert response.status_code == 302
    duty = PersonalDuty.objects.get(case=case)
    assert (duty.owed_by, duty.age_at_discovery, duty.discovered_how) == (
        people.nurse,
        13,
        "observed",
    )
    assert set(
        Deadline.objects.filter(case=case, duty=duty).values_list("policy__code", flat=True)
    ) == {"vawg_fgm_police_report", "vawg_fgm_police_report_limit"}
