"""SLA deadlines through the API: the need-to-know list, RAG status on the case, the
breached filter, pausing, resuming and milestones, and the SLA breaches report."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from cases.models import Case, PersonalDuty
from tests.api.conftest import Notified
from tests.personas import dash, payload, raise_referral
from workflows.actions import deadlines_scan
from workflows.models import Deadline, DeadlineStatus, TransitionLog
from workflows.selectors import Rag, deadline_rag

pytestmark = pytest.mark.django_db

# Known FGM in a girl of 17, disclosed to the referrer today (FGM Act 2003 s5B); 16+, so
# the IDVA service leads (under 16, children's social care would).
FGM_DETAILS = {
    "dash": dash(3),
    "fgm_known": True,
    "victim_age": 17,
    "fgm_discovered_on": timezone.localdate().isoformat(),
    "fgm_discovered_how": "disclosed",
}
PAUSE = {"reason_code": "awaiting_partner_information", "reason": "Waiting for housing"}


def _listed(client: Any, query: str = "") -> set[tuple[str, str]]:
    response = client.get(f"/api/v1/deadlines/{query}")
    assert response.status_code == 200, response.json()
    return {(row["case"]["reference"], row["policy"]["code"]) for row in response.json()["results"]}


def _refs(notified: Notified, *names: str) -> set[tuple[str, str]]:
    policies = {
        "asb": ["asb_triage"],
        "licensed": ["asb_triage"],
        "vawg": ["vawg_high_risk_triage", "vawg_first_contact"],  # with every VAWG referral
        "early_release": ["release_pre_release_plan", "release_accommodation_confirmed"],
    }
    pairs = {(notified.stale.reference, "asb_triage")} if "stale" in names else set()
    for name in set(names) - {"stale"}:
        pairs |= {(notified.case(name).reference, code) for code in policies[name]}
    return pairs


# --- The list ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "seen"),
    [
        # The officer raised the ASB cases (seen in full) and the VAWG case (outline only).
        ("officer", ("asb", "licensed", "stale")),
        ("asb_coordinator", ("asb", "stale")),
        ("idva", ("vawg",)),
        ("probation", ("early_release",)),
        ("caseworker", ()),
        ("manager", ("asb", "stale")),
        ("auditor", ("asb", "licensed", "vawg", "early_release", "stale")),
        ("outsider", ()),
    ],
)
def test_each_persona_lists_the_deadlines_of_the_cases_they_see_in_full(
    notified: Notified, as_user: Any, persona: str, seen: tuple[str, ...]
) -> None:
    assert _listed(as_user(persona)) == _refs(notified, *seen)


def test_the_list_filters_by_status_responsible_agency_and_kind(
    notified: Notified, as_user: Any
) -> None:
    auditor = as_user("auditor")
    assert _listed(auditor, "?status=breached") == _refs(notified, "stale")
    assert _listed(auditor, "?agency=council-licensing") == _refs(notified, "licensed")
    assert _listed(auditor, "?kind=vawg") == _refs(notified, "vawg")
    assert _listed(auditor, "?kind=asb&status=open") == _refs(notified, "asb", "licensed")


def test_a_bad_filter_is_a_400_naming_the_parameter(notified: Notified, as_user: Any) -> None:
    response = as_user("auditor").get("/api/v1/deadlines/?status=late")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["status"]


def test_a_breached_deadline_row_says_when_it_breached_and_how_far_it_escalated(
    notified: Notified, as_user: Any
) -> None:
    [row] = as_user("manager").get("/api/v1/deadlines/?status=breached").json()["results"]
    deadline = Deadline.objects.get(case=notified.stale)
    assert row["id"] == deadline.pk
    assert row["rag"] == "red"
    assert row["breached_at"] is not None
    assert row["escalation_level"] == deadline.escalation_level == 3
    assert row["responsible_agency"]["code"] == "council-asb"
    assert row["case"] == {
        "id": notified.stale.pk,
        "reference": notified.stale.reference,
        "kind": "asb",
        "state": "reported",
    }


def test_the_person_who_owes_a_personal_duty_sees_its_deadline_on_a_case_seen_in_outline(
    demo: Any, as_user: Any
) -> None:
    nurse = demo.user("nurse")
    fgm = raise_referral(
        nurse,
        "vawg",
        category="fgm",
        details=FGM_DETAILS,
    ).case
    response = as_user("nurse").get("/api/v1/deadlines/?kind=vawg")
    owed = [r for r in response.json()["results"] if r["case"]["id"] == fgm.pk]
    assert {r["policy"]["code"] for r in owed} == {
        "vawg_fgm_police_report",
        "vawg_fgm_police_report_limit",
    }
    assert all(r["responsible_person"]["username"] == "nurse" for r in owed)
    # The case itself stays an outline to them, deadlines and all.
    detail = as_user("nurse").get(f"/api/v1/cases/{fgm.pk}/").json()
    assert detail["visibility"] == "outline"
    assert "deadlines" not in detail


def test_a_duty_owed_on_a_case_its_owner_cannot_see_at_all_stays_hidden(
    demo: Any, as_user: Any
) -> None:
    # e.g. a duty recorded by someone who joined their referral to another agency's case.
    deadline = demo.deadline("early_release", "release_pre_release_plan")
    Deadline.objects.filter(pk=deadline.pk).update(responsible_user=demo.user("outsider"))
    assert _listed(as_user("outsider")) == set()
    pause = as_user("outsider").post(
        f"/api/v1/cases/{deadline.case_id}/deadlines/{deadline.pk}/pause/", PAUSE
    )
    assert pause.status_code == 404


# --- RAG status on the case -------------------------------------------------------------


def _case_deadlines(client: Any, case: Case) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/cases/{case.pk}/")
    assert response.status_code == 200
    deadlines: list[dict[str, Any]] = response.json()["deadlines"]
    return deadlines


def test_the_case_shows_its_running_deadlines_with_policy_times_and_who_is_responsible(
    demo: Any, as_user: Any
) -> None:
    case = demo.case("early_release")
    rows = _case_deadlines(as_user("probation"), case)
    assert [r["policy"]["code"] for r in rows] == [
        "release_pre_release_plan",
        "release_accommodation_confirmed",
    ]
    first = rows[0]
    deadline = demo.deadline("early_release", "release_pre_release_plan")
    assert first["policy"]["name"] == deadline.policy.name
    assert first["status"] == "open"
    assert first["due_at"] == deadline.due_at.isoformat().replace("+00:00", "Z")
    assert first["warn_at"] == deadline.warn_at.isoformat().replace("+00:00", "Z")
    assert first["responsible_agency"]["code"] == "probation"
    assert first["responsible_person"] is None
    assert first["paused"] is False


def test_rag_is_green_then_amber_past_the_warning_then_red_past_due_before_any_scan(
    demo: Any, as_user: Any
) -> None:
    client, case = as_user("asb_coordinator"), demo.case("asb")
    deadline = demo.deadline("asb", "asb_triage")
    assert _case_deadlines(client, case)[0]["rag"] == "green"
    with time_machine.travel(deadline.warn_at + timedelta(minutes=1), tick=False):
        assert _case_deadlines(client, case)[0]["rag"] == "amber"
    with time_machine.travel(deadline.due_at + timedelta(minutes=1), tick=False):
        [row] = _case_deadlines(client, case)
        assert (row["status"], row["rag"]) == ("open", "red")


def test_a_breached_deadline_stays_on_the_case_and_is_red(notified: Notified, as_user: Any):
    [row] = _case_deadlines(as_user("manager"), notified.stale)
    assert (row["status"], row["rag"]) == ("breached", "red")


def test_a_paused_clock_keeps_the_colour_it_had_when_it_stopped(demo: Any) -> None:
    deadline = demo.deadline("asb", "asb_triage")
    deadline.paused_at = deadline.warn_at - timedelta(hours=1)
    assert deadline_rag(deadline, now=deadline.due_at + timedelta(days=1)) is Rag.GREEN
    deadline.paused_at = deadline.warn_at + timedelta(hours=1)
    assert deadline_rag(deadline, now=deadline.due_at + timedelta(days=1)) is Rag.AMBER
    deadline.status = DeadlineStatus.MET
    assert deadline_rag(deadline, now=deadline.due_at) is None


# --- ?breached= on the case list --------------------------------------------------------


def test_the_case_list_finds_cases_with_an_unresolved_breach(
    notified: Notified, as_user: Any
) -> None:
    client = as_user("asb_coordinator")
    breached = client.get("/api/v1/cases/?breached=true").json()["results"]
    assert [c["id"] for c in breached] == [notified.stale.pk]
    others = client.get("/api/v1/cases/?breached=false").json()["results"]
    assert [c["id"] for c in others] == [notified.case("asb").pk]


def test_the_breached_filter_never_finds_a_case_seen_only_in_outline(
    notified: Notified, as_user: Any
) -> None:
    vawg = notified.case("vawg")
    Deadline.objects.filter(case=vawg).update(
        status=DeadlineStatus.BREACHED, breached_at=timezone.now()
    )
    client = as_user("officer")  # the VAWG case's referrer
    for value in ("true", "false"):
        ids = {c["id"] for c in client.get(f"/api/v1/cases/?breached={value}").json()["results"]}
        assert vawg.pk not in ids
    assert vawg.pk in {c["id"] for c in client.get("/api/v1/cases/").json()["results"]}


# --- Pause and resume -------------------------------------------------------------------


def _pause_url(case: Case, deadline: Deadline, action: str = "pause") -> str:
    return f"/api/v1/cases/{case.pk}/deadlines/{deadline.pk}/{action}/"


def test_pausing_stops_the_clock_and_records_who_why_and_for_how_long(
    demo: Any, as_user: Any
) -> None:
    case, deadline = demo.case("asb"), demo.deadline("asb", "asb_triage")
    response = as_user("asb_coordinator").post(_pause_url(case, deadline), PAUSE)
    assert response.status_code == 200
    body = response.json()
    assert (body["paused"], body["pause_reason"]) == (True, "awaiting_partner_information")
    assert body["pause_expires_at"] is not None
    log = TransitionLog.objects.filter(case=case).latest("seq")
    assert (log.transition, log.actor.username, log.reason) == (  # type: ignore[union-attr]
        "pause_sla",
        "asb_coordinator",
        "Waiting for housing",
    )
    assert log.data["deadline"] == deadline.pk


def test_resuming_moves_the_due_time_on_by_the_time_paused(demo: Any, as_user: Any) -> None:
    case, deadline = demo.case("asb"), demo.deadline("asb", "asb_triage")
    client = as_user("asb_coordinator")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.post(_pause_url(case, deadline), PAUSE).status_code == 200
    with time_machine.travel(start + timedelta(hours=5), tick=False):
        response = client.post(_pause_url(case, deadline, "resume"), {"reason": "Info in"})
    assert response.status_code == 200
    assert response.json()["paused"] is False
    resumed = Deadline.objects.get(pk=deadline.pk)
    assert resumed.due_at == deadline.due_at + timedelta(hours=5)
    assert TransitionLog.objects.filter(case=case).latest("seq").transition == "resume_sla"


def test_a_bad_reason_code_is_a_400_naming_it_and_pauses_nothing(demo: Any, as_user: Any):
    case, deadline = demo.case("asb"), demo.deadline("asb", "asb_triage")
    response = as_user("asb_coordinator").post(
        _pause_url(case, deadline), {"reason_code": "on_holiday", "note": "x"}
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"reason_code", "note"}
    assert Deadline.objects.get(pk=deadline.pk).paused_at is None


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ("statutory", "pause"),  # release clocks cannot be paused
        ("paused", "pause"),
        ("running", "resume"),
    ],
)
def test_a_pause_or_resume_the_clock_does_not_allow_is_a_409(
    demo: Any, as_user: Any, setup: str, action: str
) -> None:
    if setup == "statutory":
        client = as_user("probation")
        case, deadline = (
            demo.case("early_release"),
            demo.deadline("early_release", "release_pre_release_plan"),
        )
    else:
        client = as_user("asb_coordinator")
        case, deadline = demo.case("asb"), demo.deadline("asb", "asb_triage")
        if setup == "paused":
            assert client.post(_pause_url(case, deadline), PAUSE).status_code == 200
    body = PAUSE if action == "pause" else {}
    response = client.post(_pause_url(case, deadline, action), body)
    assert response.status_code == 409
    assert response.json()["type"] == "urn:csp-casework:problem:conflict"


def test_someone_who_sees_the_case_but_is_not_responsible_gets_403(demo: Any, as_user: Any) -> None:
    case, deadline = demo.case("asb"), demo.deadline("asb", "asb_triage")
    for persona in ("officer", "auditor"):
        response = as_user(persona).post(_pause_url(case, deadline), PAUSE)
        assert response.status_code == 403, persona
    assert Deadline.objects.get(pk=deadline.pk).paused_at is None


def test_another_cases_deadline_is_404_under_any_case_path(demo: Any, as_user: Any) -> None:
    vawg_deadline = demo.deadline("vawg", "vawg_high_risk_triage")
    # The coordinator leads the ASB case but may not see the VAWG case at all.
    coordinator = as_user("asb_coordinator")
    assert coordinator.post(_pause_url(demo.case("asb"), vawg_deadline), PAUSE).status_code == 404
    assert coordinator.post(_pause_url(demo.case("vawg"), vawg_deadline), PAUSE).status_code == 404
    # Even the IDVA, who may pause it, cannot reach it through another case's path.
    idva = as_user("idva")
    assert idva.post(_pause_url(demo.case("asb"), vawg_deadline), PAUSE).status_code == 404
    assert Deadline.objects.get(pk=vawg_deadline.pk).paused_at is None


# --- Milestones -------------------------------------------------------------------------


def _milestone(client: Any, case: Case, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/cases/{case.pk}/milestones/", body)


def test_a_milestone_is_logged_and_the_case_returned(demo: Any, as_user: Any) -> None:
    case = demo.case("asb")
    response = _milestone(
        as_user("asb_coordinator"), case, {"milestone": "review_risk", "reason": "Reviewed"}
    )
    assert response.status_code == 200
    assert response.json()["id"] == case.pk
    assert response.headers["ETag"] == f'W/"{case.version}"'
    log = TransitionLog.objects.filter(case=case).latest("seq")
    assert (log.transition, log.reason) == ("review_risk", "Reviewed")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"milestone": "start_planning", "reason": "x"}, "milestone"),
        ({"milestone": "review_risk"}, "reason"),
        ({"milestone": "review_risk", "reason": "x", "data": {}}, "data"),
    ],
)
def test_a_bad_milestone_request_is_a_400_naming_the_field(
    demo: Any, as_user: Any, body: dict[str, Any], field: str
) -> None:
    response = _milestone(as_user("asb_coordinator"), demo.case("asb"), body)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_a_milestone_on_a_closed_case_is_a_409(demo: Any, as_user: Any) -> None:
    client, case = as_user("asb_coordinator"), demo.case("asb")
    closed = client.post(
        f"/api/v1/cases/{case.pk}/transitions/",
        {"transition": "no_further_action", "reason": "Resolved by the landlord"},
    )
    assert closed.status_code == 200
    response = _milestone(client, case, {"milestone": "review_risk", "reason": "Late"})
    assert response.status_code == 409


def _duty_report(client: Any, case: Case, duty_id: int, **overrides: Any) -> Any:
    body = {
        "reported_at": timezone.now().isoformat(),
        "method": "oral",
        "police_force": "Kestrel Police",
        "police_reference": "4471",
        **overrides,
    }
    return client.post(f"/api/v1/cases/{case.pk}/duties/{duty_id}/report/", body, format="json")


def test_only_the_person_who_owes_the_fgm_report_may_record_it_and_it_meets_the_deadline(
    demo: Any, as_user: Any
) -> None:
    fgm = raise_referral(demo.user("nurse"), "vawg", category="fgm", details=FGM_DETAILS).case
    duty = PersonalDuty.objects.get(case=fgm)
    # Someone else's duty is not theirs to find (FGM Act 2003 s5B: it is personal).
    assert _duty_report(as_user("idva"), fgm, duty.pk).status_code == 404
    missing = _duty_report(as_user("nurse"), fgm, duty.pk, police_reference="")
    assert missing.status_code == 400
    assert [e["field"] for e in missing.json()["errors"]] == ["police_reference"]
    response = _duty_report(as_user("nurse"), fgm, duty.pk)
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["police_reference"]) == (
        "reported",
        "4471",
    )
    met = Deadline.objects.get(case=fgm, policy__code="vawg_fgm_police_report")
    assert (met.status, met.met_by) == ("met", "report_fgm_to_police")
    # Still only the outline of the case for them; their own duty is listed.
    listed = as_user("nurse").get(f"/api/v1/cases/{fgm.pk}/duties/").json()["results"]
    assert [(d["id"], d["owed_by"], d["status"]) for d in listed] == [
        (duty.pk, "nurse", "reported")
    ]
    assert as_user("nurse").get(f"/api/v1/cases/{fgm.pk}/").json()["visibility"] == "outline"


def test_fgm_discovered_on_an_open_case_puts_the_duty_on_a_regulated_professional_only(
    demo: Any, as_user: Any
) -> None:
    case = demo.case("vawg")
    found = {
        "discovered_on": timezone.localdate().isoformat(),
        "discovered_how": "observed",
        "known": True,
        "age_at_discovery": 14,
    }
    url = f"/api/v1/cases/{case.pk}/fgm-discovery/"
    # The IDVA is not in a regulated profession (s5B(2)): on the chain, no personal duty.
    idva = as_user("idva").post(url, found, format="json")
    assert idva.status_code == 201, idva.json()
    assert idva.json() == {"duty": None}
    assert TransitionLog.objects.filter(case=case, transition="record_fgm_discovery").exists()
    bad = as_user("idva").post(url, {**found, "discovered_on": "2999-01-01"}, format="json")
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["discovered_on"]
    # An auditor reads and writes nothing; an outsider does not find the case.
    assert as_user("auditor").post(url, found, format="json").status_code == 403
    assert as_user("outsider").post(url, found, format="json").status_code == 404
    # A member's list shows every duty, with who owes it.
    assert as_user("idva").get(f"/api/v1/cases/{case.pk}/duties/").json() == {"results": []}


def test_a_closed_case_takes_no_new_discovery(demo: Any, as_user: Any) -> None:
    fgm = Case.objects.get(pk=_fgm_referral(as_user("nurse")).json()["case"]["id"])
    idva = as_user("idva")
    for name in ("assess_risk", "offer_support", "record_support_declined", "close"):
        idva.post(
            f"/api/v1/cases/{fgm.pk}/transitions/",
            {"transition": name, "reason": f"{name} for the test"},
            format="json",
        )
    found = {
        "discovered_on": timezone.localdate().isoformat(),
        "discovered_how": "observed",
        "known": True,
        "age_at_discovery": 14,
    }
    response = idva.post(f"/api/v1/cases/{fgm.pk}/fgm-discovery/", found, format="json")
    assert response.status_code == 409


def _fgm_referral(client: Any) -> Any:
    body = payload(
        "vawg",
        category="fgm",
        # 17: under 18 (the FGM duty), 16+ (the IDVA service leads; under 16 it would be
        # children's social care, Domestic Abuse Act 2021 s1).
        subjects=[{"role": "victim", "full_name": "Fatima Example", "age": 17}],
        details={k: v for k, v in FGM_DETAILS.items() if k != "victim_age"},
    )
    return client.post("/api/v1/referrals/", body, format="json")


def test_raising_known_fgm_says_whether_it_put_a_personal_duty_on_the_referrer(
    demo: Any, as_user: Any
) -> None:
    nurse = _fgm_referral(as_user("nurse"))
    assert nurse.status_code == 201
    assert nurse.json()["personal_duties"] == ["fgm_mandatory_report"]
    officer = _fgm_referral(as_user("officer"))
    assert officer.status_code == 201
    assert officer.json()["personal_duties"] == []
    case = Case.objects.get(pk=officer.json()["case"]["id"])
    assert not case.deadlines.filter(policy__code__startswith="vawg_fgm").exists()


def test_the_fgm_report_is_recorded_through_the_api_after_the_case_closed(
    demo: Any, as_user: Any
) -> None:
    fgm = Case.objects.get(pk=_fgm_referral(as_user("nurse")).json()["case"]["id"])
    idva = as_user("idva")
    for name in ("assess_risk", "offer_support", "record_support_declined", "close"):
        moved = idva.post(
            f"/api/v1/cases/{fgm.pk}/transitions/",
            {"transition": name, "reason": f"{name} for the test"},
            format="json",
        )
        assert moved.status_code == 200, moved.json()
    duty = PersonalDuty.objects.get(case=fgm)
    assert _duty_report(idva, fgm, duty.pk).status_code == 404
    response = _duty_report(as_user("nurse"), fgm, duty.pk)
    assert response.status_code == 200
    fgm.refresh_from_db()
    assert fgm.state == "closed"
    assert set(
        Deadline.objects.filter(case=fgm, policy__code__startswith="vawg_fgm").values_list(
            "status", flat=True
        )
    ) == {DeadlineStatus.MET}
    assert _duty_report(as_user("nurse"), fgm, duty.pk).status_code == 409  # nothing owed now


# --- The SLA breaches report: fixed periods, every figure rounded to base 5 -------------


def _breaches(demo: Any, n: int, **overrides: Any) -> list[Case]:
    """``n`` ASB cases raised ten days ago whose triage deadline has breached."""
    cases = []
    with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
        for i in range(n):
            cases.append(
                raise_referral(
                    demo.user("officer"), "asb", location_text=f"{i} Breach Row", **overrides
                ).case
            )
    deadlines_scan()
    return cases


def _due_month(case: Case) -> str:
    due = timezone.localdate(Deadline.objects.filter(case=case).order_by("due_at")[0].due_at)
    return f"{due:%Y-%m}"


def _report(client: Any, month: str, extra: str = "") -> Any:
    """The report for ``month``, asked for on the first day of the month after it."""
    year, m = (int(part) for part in month.split("-"))
    after = datetime(year + m // 12, m % 12 + 1, 1, 12, tzinfo=ZoneInfo("Europe/London"))
    with time_machine.travel(after, tick=False):
        return client.get(f"/api/v1/reports/sla-breaches/?period={month}{extra}")


def _rows(client: Any, month: str) -> list[dict[str, Any]]:
    response = _report(client, month)
    assert response.status_code == 200, response.json()
    rows: list[dict[str, Any]] = response.json()["rows"]
    return rows


def test_auditors_see_every_agencys_breaches_and_managers_their_own_rounded(
    notified: Notified, as_user: Any
) -> None:
    _breaches(notified, 3, category="licensed_premises")  # council licensing leads these
    month = _due_month(notified.stale)
    row = {"kind": "asb", "decided": 5, "breached": 5, "met_late": 0, "unresolved": 5}
    licensing = {
        "agency_code": "council-licensing",
        "agency_name": "Kestrel Vale Council Licensing",
        **row,
        "breach_rate": 1.0,
    }
    # The ASB team's single breach rounds to 0, so its row is left out: not "at least one".
    assert _rows(as_user("auditor"), month) == [licensing]
    assert _rows(as_user("manager"), month) == []


def test_a_breach_met_late_counts_as_breached_and_no_longer_unresolved(
    notified: Notified, as_user: Any
) -> None:
    for case in [notified.stale, *_breaches(notified, 2)]:
        triaged = as_user("asb_coordinator").post(
            f"/api/v1/cases/{case.pk}/transitions/",
            {"transition": "triage", "reason": "Finally triaged"},
        )
        assert triaged.status_code == 200
    [row] = _rows(as_user("manager"), _due_month(notified.stale))
    assert (row["breached"], row["met_late"], row["unresolved"]) == (5, 5, 0)


def test_free_date_ranges_and_unfinished_periods_are_refused_naming_the_field(
    demo: Any, as_user: Any
) -> None:
    client = as_user("auditor")
    for query, field in [
        ("?from=2026-05-01&to=2026-05-01", ["from", "to"]),
        ("?to=2026-05-31&format=csv", ["to"]),
        (f"?period={timezone.localdate():%Y-%m}", ["period"]),
        ("?period=2026-5", ["period"]),
    ]:
        response = client.get(f"/api/v1/reports/sla-breaches/{query}")
        assert response.status_code == 400, query
        assert [e["field"] for e in response.json()["errors"]] == field, query


def test_the_report_downloads_as_csv(notified: Notified, as_user: Any) -> None:
    _breaches(notified, 2)
    month = _due_month(notified.stale)
    response = _report(as_user("manager"), month, "&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="sla-breaches-{month}-01-to-'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        [
            "agency_code",
            "agency_name",
            "kind",
            "decided",
            "breached",
            "met_late",
            "unresolved",
            "breach_rate",
        ],
        ["council-asb", "Kestrel Vale Council ASB Team", "asb", "5", "5", "0", "5", "1.0"],
    ]
