"""The case list (/cases/ and GET /api/v1/cases/): search within need-to-know, filters,
sorting, paging with counts, and the home page's counts and "View all" links into it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, CaseAgency, CaseAgencyRole
from partners.models import Agency, Ward
from tests.personas import WARD, dash, raise_referral
from tests.support.signin import token_for
from workflows.actions import case_set_risk, case_transition
from workflows.models import Deadline, DeadlineStatus, SlaPolicy

pytestmark = pytest.mark.django_db


def api(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


def listed(client: Client, query: str = "") -> tuple[int, list[str]]:
    """The page's count and the references it lists."""
    response = client.get(f"/cases/?{query}")
    assert response.status_code == 200, response.content[:500]
    page = response.content.decode()
    count = int(re.search(r'id="results"[^>]*>(\d+) case', page).group(1))  # type: ignore[union-attr]
    return count, re.findall(r'href="/cases/([A-Z]+-\d{4}-\d{6})/"', page)


def api_listed(user: User, query: str = "") -> tuple[int, list[str]]:
    response = api(user).get(f"/api/v1/cases/?{query}")
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    return body["count"], [row["reference"] for row in body["results"]]


def _participant(case: Case, code: str) -> None:
    CaseAgency.objects.create(
        case=case,
        agency=Agency.objects.get(code=code),
        role=CaseAgencyRole.PARTICIPANT,
        added_at=timezone.now(),
    )


def _asb_with_complainant(people: Any) -> Case:
    """An ASB case the council leads, housing takes part in: the complainant is withheld
    from housing (do not disclose to the other party), the alleged perpetrator is not."""
    case = raise_referral(
        people.officer,
        "asb",
        postcode="KV1 2AB",
        subjects=[
            {"role": "complainant", "full_name": "Jane Quietly"},
            {"role": "perpetrator", "full_name": "Pete Loudly"},
        ],
    ).case
    _participant(case, "housing")
    return case


def test_a_name_withheld_from_the_user_finds_nothing_and_counts_nothing(
    people: Any, client_for: Any
) -> None:
    case = _asb_with_complainant(people)
    # The lead agency may see the complainant: the name finds the case.
    assert listed(client_for("asb_coordinator"), "q=jane+quietly") == (1, [case.reference])
    assert api_listed(people.asb_coordinator, "q=Quietly") == (1, [case.reference])
    # Housing, on the alleged perpetrator's side, sees the case but not who complained:
    # trying her name finds nothing, and the count says nothing either.
    caseworker = client_for("caseworker")
    assert listed(caseworker, "") == (1, [case.reference])
    assert listed(caseworker, "q=Jane+Quietly") == (0, [])
    assert listed(caseworker, "q=quietly") == (0, [])
    assert api_listed(people.caseworker, "q=Jane%20Quietly") == (0, [])
    # The name they may see still finds it.
    assert listed(caseworker, "q=Pete+Loudly") == (1, [case.reference])


def test_a_vawg_case_is_found_only_by_those_who_may_see_it(people: Any, client_for: Any) -> None:
    vawg = raise_referral(people.officer, "vawg", postcode="KV9 9ZZ").case
    ward = Ward.objects.get(code=WARD)
    # The IDVA service leads it: found by the victim's name, postcode and ward.
    for query in ("q=Alice+Victim", "q=kv99zz", f"q={ward.name}", "kind=vawg", "risk=high"):
        assert vawg.reference in listed(client_for("idva"), query)[1], query
    # Outsiders and partners without a VAWG role: nothing, by any search, in any count.
    for name in ("outsider", "caseworker", "probation", "asb_coordinator"):
        client = client_for(name)
        for query in ("", "q=Alice+Victim", "q=Bob+Partner", "q=KV9+9ZZ", "kind=vawg"):
            assert listed(client, query) == (0, []), (name, query)
        assert api_listed(people.user(name), "kind=vawg") == (0, []), name
        assert api_listed(people.user(name), f"q={vawg.reference}") == (0, []), name
    # The referring officer follows it in outline: by reference, never by its details.
    officer = client_for("officer")
    assert listed(officer, f"q={vawg.reference}") == (1, [vawg.reference])
    for query in ("q=Alice+Victim", "q=KV9+9ZZ", f"q={ward.code}", "risk=high", "breached=false"):
        assert listed(officer, f"kind=vawg&{query}") == (0, []), query
    page = officer.get("/cases/?kind=vawg").content.decode()
    assert "Alice" not in page
    assert ward.name not in page
    assert "you see its status only" in page


def test_filters_and_sorting(people: Any, client_for: Any) -> None:
    quiet = raise_referral(people.officer, "asb").case
    loud = raise_referral(people.officer, "asb").case
    licensed = raise_referral(people.officer, "asb", category="licensed_premises").case
    release = raise_referral(people.probation, "early_release").case
    case_set_risk(case_id=loud.pk, risk="high", by=people.asb_coordinator, reason="threats")
    case_transition(case_id=quiet.pk, name="triage", by=people.asb_coordinator, reason="t")
    case_transition(
        case_id=quiet.pk,
        name="assign",
        by=people.asb_coordinator,
        reason="a",
        data={"officer": "manager"},
    )
    auditor = client_for("auditor")  # sees every case
    assert set(listed(auditor, "kind=asb")[1]) == {
        quiet.reference,
        loud.reference,
        licensed.reference,
    }
    assert listed(auditor, "kind=early_release")[1] == [release.reference]
    assert listed(auditor, "state=assigned")[1] == [quiet.reference]
    assert listed(auditor, "risk=high&kind=asb")[1] == [loud.reference]
    assert listed(auditor, "lead_agency=council-licensing")[1] == [licensed.reference]
    assert listed(client_for("manager"), "assigned=me")[1] == [quiet.reference]
    assert set(listed(client_for("asb_coordinator"), "assigned=team")[1]) == {
        quiet.reference,
        loud.reference,
    }
    # Triage for one, start work on the other; licensing's case is not theirs.
    assert set(listed(client_for("asb_coordinator"), "awaiting=me")[1]) == {
        quiet.reference,
        loud.reference,
    }
    # Sorting: by reference, newest first (the default), highest risk first.
    asb = sorted([quiet.reference, loud.reference, licensed.reference])
    assert listed(auditor, "kind=asb&sort=reference")[1] == asb
    assert listed(auditor, "kind=asb")[1] == asb[::-1]
    assert listed(auditor, "kind=asb&sort=-risk")[1][0] == loud.reference
    # The API answers the same query string.
    assert api_listed(people.auditor, "kind=asb&sort=reference")[1] == asb
    assert api_listed(people.auditor, "lead_agency=council-licensing&kind=asb")[1] == [
        licensed.reference
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kind=dragons", "kind"),
        ("state=sleeping", "state"),
        ("risk=extreme", "risk"),
        ("sort=chaos", "sort"),
        ("breached=maybe", "breached"),
        ("lead_agency=no-such-agency", "lead_agency"),
        ("assigned=everyone", "assigned"),
        ("due=someday", "due"),
        ("q=" + "x" * 101, "q"),
    ],
)
def test_a_bad_parameter_is_a_clear_400_on_the_api_and_an_error_on_the_page(
    people: Any, client_for: Any, query: str, field: str
) -> None:
    response = api(people.asb_coordinator).get(f"/api/v1/cases/?{query}")
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]
    page = client_for("asb_coordinator").get(f"/cases/?{query}")
    assert page.status_code == 400
    text = page.content.decode()
    assert "There is a problem" in text
    assert f'href="#{field}"' in text


@pytest.mark.parametrize("query", ["page=abc", "page=0", "page=-1", "page_size=lots"])
def test_a_bad_page_is_a_400_naming_it_on_the_api_and_never_a_500_on_the_page(
    people: Any, client_for: Any, query: str
) -> None:
    raise_referral(people.officer, "asb")
    response = api(people.asb_coordinator).get(f"/api/v1/cases/?{query}")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [query.split("=")[0]]
    assert client_for("asb_coordinator").get(f"/cases/?{query}").status_code == 200


def test_a_page_past_the_end_is_a_404_on_the_api_and_the_last_page_on_the_page(
    people: Any, client_for: Any
) -> None:
    case = raise_referral(people.officer, "asb").case
    assert api(people.asb_coordinator).get("/api/v1/cases/?page=999").status_code == 404
    assert listed(client_for("asb_coordinator"), "page=999") == (1, [case.reference])


# --- At size: the home page's counts and links, and paging through the list ------------

CASES_AT_SIZE = 1000


def _bulk_cases(people: Any, *, n: int) -> list[Case]:
    """``n`` reported ASB cases the council leads, written in bulk (intake would take
    minutes): the coordinator may triage each, so all await their action."""
    now = timezone.now()
    agency = Agency.objects.get(code="council-asb")
    ward = Ward.objects.get(code=WARD)
    cases = Case.objects.bulk_create(
        Case(
            reference=f"ASB-2026-9{i:05d}",
            kind="asb",
            category="noise",
            state="reported",
            ward=ward,
            responsible_agency=agency,
            opened_by=people.officer,
            opened_at=now - timedelta(minutes=i),
            updated_at=now - timedelta(minutes=i),
        )
        for i in range(n)
    )
    CaseAgency.objects.bulk_create(
        CaseAgency(case=c, agency=agency, role=CaseAgencyRole.LEAD, added_at=now) for c in cases
    )
    return cases


def _bulk_breaches(cases: list[Case], *, agency: str) -> None:
    """One breached deadline per case, the first case's breached an hour ago (today),
    the others on the days before, one a day."""
    now = timezone.now()
    policy = SlaPolicy.objects.filter(kind="asb").order_by("pk").first()
    assert policy is not None
    responsible = Agency.objects.get(code=agency)
    Deadline.objects.bulk_create(
        Deadline(
            case=c,
            policy=policy,
            started_at=now - timedelta(days=30),
            clock_from=now - timedelta(days=30),
            due_at=now - timedelta(hours=1, days=i),
            warn_at=now - timedelta(hours=2, days=i),
            breached_at=now - timedelta(hours=1, days=i),
            status=DeadlineStatus.BREACHED,
            responsible_agency=responsible,
            updated_at=now,
        )
        for i, c in enumerate(cases)
    )


def test_a_thousand_cases_are_counted_linked_and_paged(people: Any, client_for: Any) -> None:
    cases = _bulk_cases(people, n=CASES_AT_SIZE)
    _bulk_breaches(cases[:90], agency="council-asb")
    client = client_for("asb_coordinator")
    home = client.get("/").content.decode()
    # Awaiting action: a count and a link to all of them, not a silent cut-off.
    assert f"of <strong>{CASES_AT_SIZE}</strong> cases" in home
    link = re.search(r'href="([^"]+)">View all (\d+) cases awaiting your action', home)
    assert link is not None
    assert int(link.group(2)) == CASES_AT_SIZE
    # Deadlines: today's breach first, and all 90 counted and linked.
    assert "of <strong>90</strong> deadlines" in home
    deadlines_section = home[home.index('id="deadlines"') : home.index('id="awaiting"')]
    first_row = re.search(r'href="/cases/([A-Z0-9-]+)/#deadlines"', deadlines_section)
    assert first_row is not None
    assert first_row.group(1) == cases[0].reference
    due = re.search(r'href="([^"]+)">View all (\d+) cases with these deadlines', home)
    assert due is not None
    assert int(due.group(2)) == 90
    # Following the links: the same counts, paged 25 at a time.
    url = link.group(1).replace("&amp;", "&")
    count, first = listed(client, url.split("?", 1)[1])
    assert (count, len(first)) == (CASES_AT_SIZE, 25)
    count, last = listed(client, url.split("?", 1)[1] + "&page=40")
    assert (count, len(last)) == (CASES_AT_SIZE, 25)
    assert not set(first) & set(last)
    page = client.get(url + "&page=2").content.decode()
    assert "Showing 26 to 50 of 1000" in page
    assert 'rel="next"' in page
    assert "page=3" in page
    assert "awaiting=me" in page
    count, breached = listed(client, due.group(1).replace("&amp;", "&").split("?", 1)[1])
    assert count == 90
    assert breached[0] == cases[89].reference  # by the next deadline: the longest overdue
    # The API counts the same.
    assert api_listed(people.asb_coordinator, "awaiting=me")[0] == CASES_AT_SIZE
    assert api_listed(people.asb_coordinator, "breached=true")[0] == 90
    # Someone from another agency sees none of it, in any count.
    assert listed(client_for("outsider")) == (0, [])


def test_outlines_are_never_ordered_by_what_they_hide(people: Any, client_for: Any) -> None:
    """A VAWG case's referrer sees it in outline: sorting by risk, activity or deadlines
    must not rank the outlines among themselves, or the order would tell their risk."""
    standard = raise_referral(people.officer, "vawg", details={"dash": dash(3)}).case
    high = raise_referral(people.officer, "vawg").case
    assert (standard.risk, high.risk) == ("standard", "high")
    by_reference = sorted([standard.reference, high.reference])
    officer = client_for("officer")
    for sort in ("-risk", "-updated", "updated", "due"):
        assert listed(officer, f"kind=vawg&sort={sort}")[1] == by_reference, sort
        assert api_listed(people.officer, f"kind=vawg&sort={sort}")[1] == by_reference, sort
    # The IDVA service, which leads both, sees them ranked.
    assert listed(client_for("idva"), "kind=vawg&sort=-risk")[1] == [
        high.reference,
        standard.reference,
    ]
