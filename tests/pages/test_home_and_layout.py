from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import include, path

from tests.personas import raise_referral
from workflows.actions import case_transition

pytestmark = pytest.mark.django_db


def test_the_coordinator_home_lists_cases_awaiting_triage(people, client_for) -> None:
    case = raise_referral(people.officer, "asb").case
    licensing = raise_referral(people.officer, "asb", category="licensed_premises").case
    page = client_for("asb_coordinator").get("/").content.decode()
    assert case.reference in page
    assert "Triage, No further action" in page
    # Licensing leads that one: nothing there for the ASB team to do.
    assert licensing.reference not in page


def test_home_lists_my_referrals_with_their_state_and_nothing_awaiting(people, client_for) -> None:
    referral = raise_referral(people.officer, "asb")
    case_transition(
        case_id=referral.case.pk, name="triage", by=people.asb_coordinator, reason="triaged"
    )
    page = client_for("officer").get("/").content.decode()
    assert referral.reference in page
    assert referral.case.reference in page
    assert "Triaged" in page
    assert "No cases are waiting for you." in page


def test_home_finds_waiting_cases_in_a_bounded_number_of_queries(
    people, client_for, django_assert_max_num_queries
) -> None:
    for _ in range(6):
        raise_referral(people.officer, "asb", location_text="")
    client = client_for("asb_coordinator")
    with django_assert_max_num_queries(12):
        page = client.get("/").content.decode()
    assert page.count("Triage, No further action") == 6


def test_the_outsider_home_is_empty(people, client_for) -> None:
    raise_referral(people.officer, "asb")
    page = client_for("outsider").get("/").content.decode()
    assert "No cases are waiting for you." in page
    assert "You have not raised any referrals yet." in page


def test_navigation_follows_the_role(people, client_for) -> None:
    probation = client_for("probation").get("/").content.decode()
    officer = client_for("officer").get("/").content.decode()
    assert 'href="/early-release/"' in probation
    assert 'href="/early-release/"' not in officer
    for html in (probation, officer):
        assert 'href="/referrals/new/"' in html
        assert 'class="govuk-skip-link"' in html
        assert "CSP Casework" in html
        assert "govuk-phase-banner" in html
        assert 'action="/sign-out/"' in html
    # The page you are on is marked in the navigation.
    assert '<a class="govuk-service-navigation__link" href="/" aria-current="page">' in officer
    assert 'href="/referrals/new/" aria-current' not in officer


def test_sign_in_with_a_wrong_password_shows_the_error_summary(people) -> None:
    client = Client()
    page = client.get("/sign-in/").content.decode()
    assert 'autocomplete="current-password"' in page
    # A wrong password goes on to the code step, as a right one with two-factor sign-in does;
    # the error comes after it (tests/auth/test_policy.py).
    step = client.post("/sign-in/", {"username": "officer", "password": "nope"})
    assert step["Location"] == "/sign-in/code/"
    wrong = client.post("/sign-in/code/", {"code": "123456"})
    html = wrong.content.decode()
    assert wrong.status_code == 200
    assert '<a href="#username">Enter a correct username and password.' in html
    empty = client.post("/sign-in/", {})
    assert '<a href="#username">Enter your username</a>' in empty.content.decode()
    assert '<a href="#password">Enter your password</a>' in empty.content.decode()


def test_sign_in_and_out(people) -> None:
    client = Client()
    signed_in = client.post(
        "/sign-in/", {"username": "officer", "password": "persona-pass-2026", "next": "/"}
    )
    assert signed_in["Location"] == "/"
    assert "Priya Shah, Kestrel Vale Police" in client.get("/").content.decode()
    assert client.post("/sign-out/")["Location"] == "/sign-in/"
    assert client.get("/")["Location"] == "/sign-in/?next=/"


def test_the_not_found_page_is_a_gov_uk_page(people, client_for) -> None:
    response = client_for("officer").get("/no-such-page/")
    assert response.status_code == 404
    assert '<h1 class="govuk-heading-xl">Page not found</h1>' in response.content.decode()


def _boom(request: object) -> HttpResponse:
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _boom), path("", include("config.urls"))]


@override_settings(ROOT_URLCONF=__name__)
def test_the_server_error_page_renders_without_a_request_context(people) -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert "govuk-footer" in html


def test_the_forbidden_page_is_a_gov_uk_page(people, client_for) -> None:
    response = client_for("officer").get("/early-release/")
    assert response.status_code == 403
    assert "You cannot do this" in response.content.decode()


def test_the_accessibility_statement_is_public(db) -> None:
    response = Client().get("/accessibility/")
    assert response.status_code == 200
    assert "WCAG" in response.content.decode()


def test_only_people_who_may_raise_a_referral_are_offered_it(people, client_for) -> None:
    # The same rule as the API's POST /api/v1/referrals/: any working role, never an auditor.
    officer = client_for("officer").get("/").content.decode()
    auditor = client_for("auditor").get("/").content.decode()
    assert officer.count('href="/referrals/new/"') == 2  # the navigation and "Start something"
    assert "Start something" in officer
    assert 'href="/referrals/new/"' not in auditor
    assert "Raise a referral" not in auditor
    assert "You have not raised any referrals yet." not in auditor
    assert 'href="/manage/"' in auditor  # the auditor's own work is still offered
