from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import Case, PersonalDuty, Subject, SupportNeed
from partners.models import Agency
from referrals.models import Referral
from referrals.validation import ReferralInvalid
from tests.pages import formdata
from tests.personas import raise_referral
from tests.support.concurrency import own_task_queue, race

pytestmark = pytest.mark.django_db


def _summary_links(response: Any) -> list[tuple[str, str]]:
    """(href, text) of each link in the GOV.UK error summary."""
    html = response.content.decode()
    box = html.split('govuk-error-summary__list"', 1)[1].split("</ul>", 1)[0]
    return [(h, unescape(t.strip())) for h, t in re.findall(r'<a href="([^"]+)">([^<]+)</a>', box)]


def _token(client: Client, url: str) -> str:
    """The one-time form token of the page at ``url``, as the browser would send it."""
    page = client.get(url)
    assert page.status_code == 200, page
    found = re.search(r'name="form_token" value="([^"]+)"', page.content.decode())
    assert found is not None
    return found.group(1)


def _send(client: Client, url: str, data: dict[str, str] | None = None, **kwargs: Any) -> Any:
    """Press the page's send button: post its form with the token the page carries."""
    return client.post(url, {**(data or {}), "form_token": _token(client, url)}, **kwargs)


def _through_check(client: Client, kind: str, data: dict[str, str]) -> Any:
    assert client.post("/referrals/new/", {"kind": kind}).status_code == 302
    response = client.post(f"/referrals/new/{kind}/", data)
    assert response.status_code == 302, _summary_links(response)
    assert response["Location"] == f"/referrals/new/{kind}/check/"
    return client.get(response["Location"])


def test_an_officer_raises_an_asb_referral_and_nothing_is_written_before_the_last_step(
    people, client_for
) -> None:
    client = client_for("officer")
    check = _through_check(client, "asb", formdata.asb())
    assert check.status_code == 200
    assert "Check your answers" in check.content.decode()
    assert (
        "Jane Resident (Complainant, age 41, not disclosed to the other party)"
        in check.content.decode()
    )
    assert Referral.objects.count() == Case.objects.count() == Subject.objects.count() == 0

    token = _token(client, "/referrals/new/asb/check/")
    sent = client.post("/referrals/new/asb/check/", {"form_token": token})
    referral = Referral.objects.get()
    assert sent["Location"] == f"/referrals/{referral.reference}/confirmation/"
    panel = client.get(sent["Location"]).content.decode()
    assert "govuk-panel--confirmation" in panel
    assert referral.reference in panel
    assert referral.case.reference in panel
    assert referral.case.state == "reported"
    assert referral.case.responsible_agency.code == "council-asb"
    assert referral.case.postcode == "KV1 2AB"
    assert [(s.role, s.full_name, s.age) for s in referral.subjects.all()] == [
        ("complainant", "Jane Resident", 41)
    ]
    assert referral.details["repeat_incident"] is True
    # Sending again (the back button) lands on the same confirmation, raising nothing.
    again = client.post("/referrals/new/asb/check/", {"form_token": token})
    assert again["Location"] == sent["Location"]
    assert Referral.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "chosen", "withheld"),
    [
        ("complainant", "", True),  # as the role suggests
        ("complainant", "disclose", False),  # she agrees to be named
        ("perpetrator", "", False),
        ("perpetrator", "withhold", True),
    ],
)
def test_the_asb_form_asks_whether_other_agencies_may_be_told_who_each_person_is(
    people, client_for, role: str, chosen: str, withheld: bool
) -> None:
    """Issue 13, item 9: a complainant's identity went to every agency on the case."""
    client = client_for("officer")
    form = client.get("/referrals/new/asb/")
    assert "Can other agencies on the case be told who this person is?" in form.content.decode()
    data = formdata.asb(person_0_role=role, person_0_disclose=chosen)
    check = _through_check(client, "asb", data).content.decode()
    assert ("not disclosed to the other party" in check) is withheld

    _send(client, "/referrals/new/asb/check/")

    person = Referral.objects.get().subjects.get()
    assert person.withhold_from_other_party is withheld
    assert person.recorded_by_agency == Agency.objects.get(code="kestrel-police")


def test_vawg_check_answers_recomputes_the_dash_score_and_the_marac_threshold(
    people, client_for
) -> None:
    client = client_for("officer")
    check = _through_check(client, "vawg", formdata.vawg(yes=15)).content.decode()
    assert "15 of 24: meets the MARAC threshold of 14" in check
    assert "High" in check
    _send(client, "/referrals/new/vawg/check/")
    case = Referral.objects.get().case
    assert case.kind == "vawg"
    assert case.risk == "high"
    assert case.details["dash_score"] == 15
    victim = case.subjects.get(role="victim")
    assert victim.safe_contact == {
        "safe_to_call": True,
        "safe_phone": "07700 900123",
        "safe_times": "Weekdays 10am to 12pm",
    }


def test_the_vawg_form_shows_the_server_side_score_without_javascript(people, client_for) -> None:
    client = client_for("officer")
    client.post("/referrals/new/", {"kind": "vawg"})
    data = formdata.vawg(yes=13)
    del data["summary"]  # an error brings the form back with the answers given
    page = client.post("/referrals/new/vawg/", data).content.decode()
    assert "DASH score: <span data-dash-score-value>13</span> of 24" in page
    assert "Below the MARAC threshold." in page


def test_the_dash_box_says_the_medium_band_is_local(people, client_for, settings) -> None:
    # Issue 13 item 7: SafeLives sets only the MARAC threshold; the medium band is local.
    settings.DASH_MEDIUM_FROM = 11
    client = client_for("officer")
    client.post("/referrals/new/", {"kind": "vawg"})
    page = client.get("/referrals/new/vawg/").content.decode()
    assert "Medium risk from 11 answers of yes." in page
    assert "local convention" in page
    assert "SafeLives sets only the MARAC threshold." in page


def test_going_back_to_the_vawg_form_shows_the_score_of_the_saved_answers(
    people, client_for
) -> None:
    client = client_for("officer")
    _through_check(client, "vawg", formdata.vawg(yes=16))
    page = client.get("/referrals/new/vawg/").content.decode()
    assert "DASH score: <span data-dash-score-value>16</span> of 24" in page
    assert "This meets the MARAC threshold." in page


def test_an_early_release_referral_records_the_person_their_numbers_and_needs(
    people, client_for
) -> None:
    client = client_for("probation")
    check = _through_check(client, "early_release", formdata.early_release()).content.decode()
    assert "A1234BC" in check
    assert "Accommodation: Referred (Kestrel Vale Housing Options)" in check
    _send(client, "/referrals/new/early_release/check/")
    case = Referral.objects.get().case
    assert case.kind == "early_release"
    assert case.category == "sds40"
    assert case.details["mappa_category"] == 2
    offender = case.subjects.get()
    assert offender.identifiers["prison_number"] == "A1234BC"
    assert str(offender.date_of_birth) == "1990-04-01"
    assert {
        (n.need, n.status, n.agency.code if n.agency else None) for n in SupportNeed.objects.all()
    } == {
        ("accommodation", "referred", "housing"),
        ("substance_misuse", "identified", None),
    }


def test_an_empty_asb_form_lists_each_missing_answer_linked_to_its_field(
    people, client_for
) -> None:
    client = client_for("officer")
    client.post("/referrals/new/", {"kind": "asb"})
    response = client.post("/referrals/new/asb/", {})
    assert response.status_code == 200
    assert _summary_links(response) == [
        ("#ward", "Select the ward"),
        ("#category", "Select what kind of anti-social behaviour it is"),
        ("#summary", "Enter a summary of what happened"),
        ("#occurred_at_day", "Enter when it happened"),
        ("#victim_vulnerable", "Select yes if the victim is vulnerable"),
        ("#repeat_incident", "Select yes if this has happened before"),
    ]
    html = response.content.decode()
    assert "<title>Error: " in html
    # Each link's target exists: the first radio of a group, the day box of a date.
    for href, _ in _summary_links(response):
        assert f'id="{href[1:]}"' in html
    assert Referral.objects.count() == 0


def test_a_partly_answered_dash_checklist_links_each_gap_to_its_question(
    people, client_for
) -> None:
    client = client_for("officer")
    client.post("/referrals/new/", {"kind": "vawg"})
    data = formdata.vawg(yes=15)
    del data["dash_q7"], data["dash_q20"]
    response = client.post("/referrals/new/vawg/", data)
    assert _summary_links(response) == [
        ("#dash_q7", "Select yes, no or not known for question 7"),
        ("#dash_q20", "Select yes, no or not known for question 20"),
    ]


def test_a_vawg_referral_without_a_victim_asks_for_the_victims_name(people, client_for) -> None:
    client = client_for("officer")
    client.post("/referrals/new/", {"kind": "vawg"})
    data = formdata.vawg()
    for key in ("victim_full_name", "victim_age", "safe_to_call", "safe_phone", "safe_times"):
        del data[key]
    response = client.post("/referrals/new/vawg/", data)
    assert _summary_links(response) == [("#victim_full_name", "Enter the victim's full name")]


def test_typed_mistakes_are_explained_on_the_field_that_holds_them(people, client_for) -> None:
    client = client_for("probation")
    client.post("/referrals/new/", {"kind": "early_release"})
    data = formdata.early_release(
        prison_number="12345",
        expected_release_date_day="31",
        expected_release_date_month="2",
        need_housing_status="",
        need_family_agency="housing",
    )
    response = client.post("/referrals/new/early_release/", data)
    assert _summary_links(response) == [
        ("#prison_number", "Enter a prison number like A1234BC"),
        ("#expected_release_date_day", "The expected release date must be a real date"),
        ("#need_family_status", "Select a status for family and relationships"),
    ]


def test_a_persons_row_errors_are_linked_to_that_rows_fields(people, client_for) -> None:
    client = client_for("officer")
    client.post("/referrals/new/", {"kind": "asb"})
    data = formdata.asb(person_2_full_name="Sam Neighbour", person_2_age="forty")
    response = client.post("/referrals/new/asb/", data)
    assert _summary_links(response) == [
        ("#person_2_role", "Select the person's role"),
        ("#person_2_age", "Age must be a whole number, like 34"),
    ]
    data["person_2_age"] = ""
    response = client.post("/referrals/new/asb/", data)
    assert _summary_links(response) == [("#person_2_role", "Select the person's role")]


def test_a_possible_duplicate_is_offered_and_the_referral_can_join_it(people, client_for) -> None:
    existing = raise_referral(people.officer, "asb").case
    client = client_for("officer")
    _through_check(client, "asb", formdata.asb())
    offered = _send(client, "/referrals/new/asb/check/")
    assert offered["Location"] == "/referrals/new/asb/possible-duplicates/"
    page = client.get(offered["Location"]).content.decode()
    assert f"Add to {existing.reference}" in page
    assert "Create a new case" in page
    assert Referral.objects.count() == 1

    unanswered = _send(client, offered["Location"], {})
    assert _summary_links(unanswered) == [
        ("#case", "Select the case to add this referral to, or create a new case")
    ]
    joined = _send(client, offered["Location"], {"case": str(existing.pk)})
    referral = Referral.objects.latest("created_at")
    assert joined["Location"] == f"/referrals/{referral.reference}/confirmation/"
    assert referral.case == existing
    assert Case.objects.count() == 1
    assert (
        "Your referral was added to the open case"
        in client.get(joined["Location"]).content.decode()
    )


def test_choosing_a_new_case_over_a_possible_duplicate_opens_one(people, client_for) -> None:
    raise_referral(people.officer, "asb")
    client = client_for("officer")
    _through_check(client, "asb", formdata.asb())
    _send(client, "/referrals/new/asb/check/")
    _send(client, "/referrals/new/asb/possible-duplicates/", {"case": "new"})
    assert Case.objects.count() == 2
    assert Referral.objects.count() == 2


def test_duplicates_the_user_cannot_see_are_not_offered(people, client_for) -> None:
    raise_referral(people.officer, "asb")  # the fire officer cannot see this case
    client = client_for("outsider")
    _through_check(client, "asb", formdata.asb())
    sent = _send(client, "/referrals/new/asb/check/")
    assert sent["Location"].endswith("/confirmation/")
    assert Case.objects.count() == 2


def test_a_confirmation_is_shown_only_to_the_person_who_raised_it(people, client_for) -> None:
    referral = raise_referral(people.officer, "asb")
    url = f"/referrals/{referral.reference}/confirmation/"
    assert client_for("officer").get(url).status_code == 200
    assert client_for("asb_coordinator").get(url).status_code == 404


def test_steps_out_of_order_go_back_to_the_start(people, client_for) -> None:
    client = client_for("officer")
    assert client.get("/referrals/new/asb/check/")["Location"] == "/referrals/new/"
    assert client.post("/referrals/new/asb/check/")["Location"] == "/referrals/new/"
    assert client.get("/referrals/new/vawg/possible-duplicates/")["Location"] == "/referrals/new/"
    assert client.get("/referrals/new/burglary/").status_code == 404
    assert Referral.objects.count() == 0


def test_choosing_no_kind_is_an_error_linked_to_the_radios(people, client_for) -> None:
    response = client_for("officer").post("/referrals/new/", {})
    assert _summary_links(response) == [("#kind", "Select what the referral is about")]


def test_answers_are_kept_when_going_back_to_change_them(people, client_for) -> None:
    client = client_for("officer")
    _through_check(client, "asb", formdata.asb(location_text="The Old Mill"))
    page = client.get("/referrals/new/asb/").content.decode()
    assert 'value="The Old Mill"' in page


def test_someone_outside_any_agency_cannot_raise_a_referral(people, db) -> None:
    from django.contrib.auth.models import User

    client = Client()
    client.force_login(User.objects.create_user("visitor", password="visitor-pass-2026"))
    assert client.get("/referrals/new/").status_code == 403
    assert client.get("/referrals/new/asb/").status_code == 403


def test_signed_out_people_are_sent_to_sign_in(people) -> None:
    response = Client().get("/referrals/new/")
    assert response["Location"] == "/sign-in/?next=/referrals/new/"


def test_an_auditor_cannot_raise_a_referral_through_the_pages_either(people, client_for) -> None:
    client = client_for("auditor")
    for url in ("/referrals/new/", "/referrals/new/asb/", "/referrals/new/asb/check/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Auditors read the record" in response.content.decode()
    assert client.post("/referrals/new/", {"kind": "asb"}).status_code == 403
    assert not Referral.objects.exists()


def test_the_service_refuses_an_auditor_whatever_calls_it(people) -> None:
    with pytest.raises(ReferralInvalid) as exc:
        raise_referral(people.auditor, "asb")
    assert set(exc.value.errors) == {"raised_by"}
    assert not Referral.objects.exists()


def _fgm_form(age: str = "15", found: date | None = None) -> dict[str, str]:
    found = found or timezone.localdate()
    return formdata.vawg(
        yes=3,
        category="fgm",
        victim_full_name="Fatima Example",
        victim_age=age,
        fgm_known="yes",
        fgm_discovered_on_day=str(found.day),
        fgm_discovered_on_month=str(found.month),
        fgm_discovered_on_year=str(found.year),
        fgm_discovered_how="disclosed",
        summary="FGM disclosed at school by the pupil.",
    )


def test_a_school_nurse_is_told_before_sending_that_the_fgm_report_is_her_duty(
    people, client_for
) -> None:
    client = client_for("nurse")
    check = _through_check(client, "vawg", _fgm_form()).content.decode()
    assert "Your duty to report this FGM to the police" in check
    assert "records no personal duty" not in check
    response = _send(client, "/referrals/new/vawg/check/", follow=True)
    referral = Referral.objects.get()
    assert PersonalDuty.objects.get(case=referral.case).owed_by == people.nurse
    assert "You must now report this FGM to the police yourself" in response.content.decode()


def test_known_fgm_asks_when_it_was_discovered_and_flags_a_month_already_passed(
    people, client_for
) -> None:
    # FGM Act 2003 s5B(5)(c): the month runs from the discovery, not from the referral.
    client = client_for("nurse")
    form = _fgm_form()
    for key in ("fgm_discovered_on_day", "fgm_discovered_on_month", "fgm_discovered_on_year"):
        form.pop(key)
    assert client.post("/referrals/new/", {"kind": "vawg"}).status_code == 302
    errors = client.post("/referrals/new/vawg/", form)
    assert errors.status_code == 200
    page = errors.content.decode()
    assert (
        '<a href="#fgm_discovered_on_day">Enter the date you first discovered the FGM</a>' in page
    )
    long_ago = timezone.localdate() - timedelta(days=45)
    check = _through_check(client, "vawg", _fgm_form(found=long_ago)).content.decode()
    assert "The month to report this FGM ended on" in check
    response = _send(client, "/referrals/new/vawg/check/", follow=True)
    assert "The month to report this FGM ended on" in response.content.decode()


def test_a_police_officer_raising_known_fgm_is_not_told_of_a_duty_they_do_not_owe(
    people, client_for
) -> None:
    client = client_for("officer")
    check = _through_check(client, "vawg", _fgm_form()).content.decode()
    assert "Your duty to report" not in check
    assert "records no personal duty for you" in check
    response = _send(client, "/referrals/new/vawg/check/", follow=True)
    page = response.content.decode()
    assert "Referral sent" in page
    assert "report this FGM to the police yourself" not in page
    case = Referral.objects.get().case
    assert not PersonalDuty.objects.filter(case=case).exists()
    # The girl is under 16: child protection, led by children's social care (Domestic Abuse
    # Act 2021 s1; Working Together to Safeguard Children 2023), not the IDVA service.
    assert case.responsible_agency.code == "childrens-social-care"


def test_adult_fgm_says_nothing_of_the_duty_to_anyone(people, client_for) -> None:
    for persona in ("nurse", "officer"):
        check = _through_check(client_for(persona), "vawg", _fgm_form(age="30")).content.decode()
        assert 'id="fgm-duty"' not in check, persona


# --- One-time form token: "Send referral" raises one referral however often it is pressed


def test_a_send_without_the_pages_token_sends_nothing_and_shows_the_answers_again(
    people, client_for
) -> None:
    client = client_for("officer")
    _through_check(client, "asb", formdata.asb())
    for token in ("", "forged-token"):
        response = client.post("/referrals/new/asb/check/", {"form_token": token})
        assert response.status_code == 200
        assert "Your referral has not been sent" in response.content.decode()
    assert not Referral.objects.exists()
    assert _send(client, "/referrals/new/asb/check/")["Location"].endswith("/confirmation/")


def test_another_persons_form_token_is_refused(people, client_for) -> None:
    officer, coordinator = client_for("officer"), client_for("asb_coordinator")
    _through_check(officer, "asb", formdata.asb())
    _through_check(coordinator, "asb", formdata.asb(location_text="1 Elsewhere Road"))
    stolen = _token(officer, "/referrals/new/asb/check/")
    response = coordinator.post("/referrals/new/asb/check/", {"form_token": stolen})
    assert response.status_code == 200
    assert not Referral.objects.exists()


def test_a_token_from_check_answers_does_not_send_the_duplicates_page(people, client_for) -> None:
    raise_referral(people.officer, "asb")
    client = client_for("officer")
    _through_check(client, "asb", formdata.asb())
    token = _token(client, "/referrals/new/asb/check/")
    assert client.post("/referrals/new/asb/check/", {"form_token": token})["Location"] == (
        "/referrals/new/asb/possible-duplicates/"
    )
    reused = client.post(
        "/referrals/new/asb/possible-duplicates/", {"case": "new", "form_token": token}
    )
    assert reused.status_code == 200
    assert Referral.objects.count() == 1


@pytest.fixture
def own_queue() -> Iterator[None]:
    """Relay tasks of these intakes go to a queue of their own: nothing consumes them here."""
    with own_task_queue("send-once"):
        yield


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_concurrent_clicks_of_send_raise_one_referral_and_land_on_its_confirmation(
    people, client_for, own_queue
) -> None:
    client = client_for("officer")
    _through_check(client, "asb", formdata.asb())
    token = _token(client, "/referrals/new/asb/check/")

    def click(i: int) -> str:
        browser = Client()
        browser.cookies = client.cookies
        response = browser.post("/referrals/new/asb/check/", {"form_token": token})
        assert response.status_code == 302, response
        return str(response["Location"])

    landed = race(click, 4)
    referral = Referral.objects.get()
    assert landed == [f"/referrals/{referral.reference}/confirmation/"] * 4
    assert Case.objects.count() == 1
