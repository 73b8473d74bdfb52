"""Transition reasons are chained by their digest, so the text can be erased for retention.

A row's hash covers an HMAC of its reason (``reason_digest``), not the text: blanking the
text by ``erase_transition_reasons`` leaves every chain valid, ``verify_audit`` counts the
erased reasons and still catches a reason edited by SQL, and history says when a reason was
erased. Rows written before digests existed keep covering their text and still verify.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from cases.models import Case
from tests.audit.conftest import go, verify
from tests.personas import raise_referral
from workflows.actions import case_transition
from workflows.chain import link_hash, transition_fields
from workflows.history import case_history
from workflows.models import TransitionLog

pytestmark = pytest.mark.django_db

TRANSITIONS = "workflows_transitionlog"
NARRATIVE = "Neighbour says Mr Example drinks and shouts at his children most nights"
WRITTEN_AT = datetime(2026, 6, 10, 12, tzinfo=UTC)
# 23:30 UTC on 1 July is 00:30 on 2 July in London (BST): the marker shows London's date.
ERASED_AT = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
MARKER = "Reason erased on 2 July 2026 (retention)"


def hmac_of(text: str) -> str:
    key = str(settings.AUDIT_HMAC_KEY).encode()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def closed_asb(people) -> Case:
    """An ASB case triaged with a personal narrative, then closed with no further action."""
    with time_machine.travel(WRITTEN_AT, tick=False):
        case = raise_referral(people.officer, "asb").case
        case = case_transition(
            case_id=case.pk, name="triage", by=people.asb_coordinator, reason=NARRATIVE, data={}
        )
        return go(case, "no_further_action", people.asb_coordinator)


def erase(*args: str) -> str:
    out = StringIO()
    call_command("erase_transition_reasons", *args, stdout=out)
    return out.getvalue()


def rows_of(case: Case) -> list[TransitionLog]:
    return list(TransitionLog.objects.filter(case=case).order_by("seq"))


def as_written_before_digests(case: Case, tamper) -> None:
    """Rewrite a case's chain as the log held it before digests: no digest, and every hash
    over the reason text (what migration 0010 found in existing databases)."""
    prev = ""
    for row in rows_of(case):
        row.reason_digest, row.prev_hash = "", prev
        row.hash = link_hash(prev, transition_fields(row))
        tamper(
            f"UPDATE {TRANSITIONS} SET reason_digest = '', prev_hash = %s, hash = %s WHERE id = %s",
            (row.prev_hash, row.hash, row.pk),
        )
        prev = row.hash


# --- The digest --------------------------------------------------------------------------


def test_each_row_stores_the_hmac_of_its_reason_and_its_hash_covers_the_digest(people) -> None:
    case = closed_asb(people)
    rows = rows_of(case)
    assert [r.reason for r in rows][1] == NARRATIVE
    for row in rows:
        assert row.reason_digest == hmac_of(row.reason)
        fields = transition_fields(row)
        assert fields["reason_digest"] == row.reason_digest
        assert "reason" not in fields
        assert row.hash == link_hash(row.prev_hash, fields)
    assert verify()[0]


def test_a_chain_written_before_digests_still_verifies_and_its_text_is_still_covered(
    people, tamper
) -> None:
    case = closed_asb(people)
    as_written_before_digests(case, tamper)
    ok, output = verify()
    assert ok, output
    assert "reason" in transition_fields(rows_of(case)[1])

    tamper(
        f"UPDATE {TRANSITIONS} SET reason = 'Nothing to see' WHERE case_id = %s AND seq = 2",
        (case.pk,),
    )
    assert (
        f"BROKEN case {case.reference} {TRANSITIONS} seq 2: "
        "the stored hash does not match the row's content"
    ) in verify()[1]


def test_a_reason_edited_by_sql_is_reported_against_its_digest(people, tamper) -> None:
    case = closed_asb(people)
    tamper(
        f"UPDATE {TRANSITIONS} SET reason = 'Nothing to see' WHERE case_id = %s AND seq = 2",
        (case.pk,),
    )
    ok, output = verify()
    assert not ok
    assert (
        f"BROKEN case {case.reference} {TRANSITIONS} seq 2: "
        "the reason does not match its digest (the text was changed)"
    ) in output
    assert output.count("BROKEN") == 1


def test_a_reason_blanked_by_sql_without_erasure_is_reported(people, tamper) -> None:
    case = closed_asb(people)
    tamper(f"UPDATE {TRANSITIONS} SET reason = '' WHERE case_id = %s AND seq = 2", (case.pk,))
    assert "seq 2: the reason does not match its digest" in verify()[1]


def test_a_digest_removed_or_replaced_by_sql_breaks_the_link(people, tamper) -> None:
    case = closed_asb(people)
    tamper(
        f"UPDATE {TRANSITIONS} SET reason_digest = '' WHERE case_id = %s AND seq = 2", (case.pk,)
    )
    assert "seq 2: the stored hash does not match the row's content" in verify()[1]


def test_a_digest_forged_to_fit_new_text_breaks_the_link(people, tamper) -> None:
    case = closed_asb(people)
    tamper(
        f"UPDATE {TRANSITIONS} SET reason = 'Nothing to see', reason_digest = %s "
        "WHERE case_id = %s AND seq = 2",
        (hmac_of("Nothing to see"), case.pk),
    )
    assert "seq 2: the stored hash does not match the row's content" in verify()[1]


def test_erased_text_put_back_differently_is_reported(people, tamper) -> None:
    case = closed_asb(people)
    with time_machine.travel(ERASED_AT, tick=False):
        erase("--before", "2026-07-03")
    tamper(
        f"UPDATE {TRANSITIONS} SET reason = 'Nothing to see' WHERE case_id = %s AND seq = 2",
        (case.pk,),
    )
    assert "seq 2: the reason is marked erased but has text" in verify()[1]


# --- Erasure -----------------------------------------------------------------------------


def test_erasing_a_closed_case_blanks_its_reasons_and_the_chain_still_verifies(people) -> None:
    case = closed_asb(people)
    digests = [r.reason_digest for r in rows_of(case)]
    with time_machine.travel(ERASED_AT, tick=False):
        output = erase("--before", "2026-07-03")
    assert output == (
        "Erased 3 transition log reasons in 1 case (written before 3 July 2026, closed cases "
        "only); 0 already erased, 0 kept (written before reason digests).\n"
    )
    rows = rows_of(case)
    assert [(r.reason, r.reason_erased_at) for r in rows] == [("", ERASED_AT)] * 3
    assert [r.reason_digest for r in rows] == digests
    ok, report = verify()
    assert ok, report
    assert "3 transition log rows (3 reasons erased for retention)" in report


def test_history_shows_when_a_reason_was_erased_never_a_blank(people) -> None:
    case = closed_asb(people)
    with time_machine.travel(ERASED_AT, tick=False):
        erase("--before", "2026-07-03")

    history = case_history(case=case, full=True)
    assert [t.reason for t in history.transitions] == [MARKER] * 3

    client = APIClient()
    client.force_authenticate(people.asb_coordinator)
    body = client.get(f"/api/v1/cases/{case.pk}/history/").json()
    assert [t["reason"] for t in body["transitions"]] == [MARKER] * 3

    client.force_login(people.asb_coordinator)
    html = client.get(f"/cases/{case.reference}/").content.decode()
    assert NARRATIVE not in html
    assert html.count(MARKER) == 3


def test_reasons_that_are_present_read_exactly_as_before(people) -> None:
    case = closed_asb(people)
    history = case_history(case=case, full=True)
    assert history.transitions[1].reason == NARRATIVE
    client = APIClient()
    client.force_login(people.asb_coordinator)
    html = client.get(f"/cases/{case.reference}/").content.decode()
    assert NARRATIVE in html
    assert "Reason erased" not in html


def test_open_cases_are_kept_unless_named(people) -> None:
    closed = closed_asb(people)
    with time_machine.travel(WRITTEN_AT, tick=False):
        open_case = raise_referral(people.officer, "asb", location_text="2 Open Row").case
    with time_machine.travel(ERASED_AT, tick=False):
        assert erase("--before", "2026-07-03").startswith(
            "Erased 3 transition log reasons in 1 case"
        )
        assert {r.reason for r in rows_of(open_case)} != {""}
        output = erase("--before", "2026-07-03", "--case", open_case.reference.lower())
    assert output.startswith("Erased 1 transition log reason in 1 case (written before 3 July")
    assert f"case {open_case.reference})" in output
    assert [r.reason for r in rows_of(open_case)] == [""]
    assert verify()[0]
    assert {r.reason for r in rows_of(closed)} == {""}


def test_only_rows_written_before_the_date_are_erased(people) -> None:
    with time_machine.travel(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False):
        case = raise_referral(people.officer, "asb").case
    with time_machine.travel(datetime(2026, 3, 5, 12, tzinfo=UTC), tick=False):
        go(case, "triage", people.asb_coordinator)
        erase("--before", "2026-03-04", "--case", case.reference)
    assert [bool(r.reason) for r in rows_of(case)] == [False, True]


def test_a_dry_run_counts_and_changes_nothing(people) -> None:
    case = closed_asb(people)
    before = [(r.reason, r.reason_erased_at) for r in rows_of(case)]
    with time_machine.travel(ERASED_AT, tick=False):
        output = erase("--before", "2026-07-03", "--dry-run")
    assert output.startswith("Dry run: would erase 3 transition log reasons in 1 case")
    assert [(r.reason, r.reason_erased_at) for r in rows_of(case)] == before


def test_a_second_run_counts_the_reasons_already_erased(people) -> None:
    closed_asb(people)
    with time_machine.travel(ERASED_AT, tick=False):
        erase("--before", "2026-07-03")
        output = erase("--before", "2026-07-03")
    assert output.startswith("Erased 0 transition log reasons in 0 cases")
    assert "3 already erased" in output


def test_rows_written_before_digests_are_kept_and_counted(people, tamper) -> None:
    case = closed_asb(people)
    as_written_before_digests(case, tamper)
    with time_machine.travel(ERASED_AT, tick=False):
        output = erase("--before", "2026-07-03")
    assert "Erased 0 transition log reasons" in output
    assert "3 kept (written before reason digests)" in output
    assert rows_of(case)[1].reason == NARRATIVE
    assert verify()[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--before", "03/07/2026"], "--before: give a date as YYYY-MM-DD, not '03/07/2026'"),
        (["--before", "2026-07-09"], "--before: 2026-07-09 is in the future"),
        (["--before", "2026-07-03", "--case", "ASB-1999-000001"], "no case ASB-1999-000001"),
    ],
)
def test_bad_input_is_refused_by_name_and_nothing_is_erased(people, args, message) -> None:
    case = closed_asb(people)
    with time_machine.travel(ERASED_AT, tick=False), pytest.raises(CommandError) as exc:
        erase(*args)
    assert message in str(exc.value)
    assert rows_of(case)[1].reason == NARRATIVE


def test_the_before_date_is_a_london_midnight(people) -> None:
    # 2 July 2026 00:30 in London is 1 July 23:30 UTC: written "before 2 July" in UTC terms
    # would be wrong; in London it is written on 2 July, so --before 2026-07-02 keeps it.
    with time_machine.travel(ERASED_AT, tick=False):
        case = raise_referral(people.officer, "asb").case
        erase("--before", "2026-07-02", "--case", case.reference)
        assert rows_of(case)[0].reason != ""
        erase("--before", "2026-07-03", "--case", case.reference)
        assert rows_of(case)[0].reason == ""
