"""``manage.py verify_audit``: OK on honest data, names the first broken link otherwise."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

import pytest
from auditlog.models import LogEntry
from auditlog.signals import post_log
from django.apps import apps
from django.db import connection

from cases.models import Case
from tests.audit.conftest import go, verify
from tests.personas import raise_referral
from workflows import audit
from workflows.models import AuditSeal, TransitionLog

pytestmark = pytest.mark.django_db

TRANSITIONS = "workflows_transitionlog"
SEALS = "workflows_auditseal"
ENTRIES = "auditlog_logentry"


@pytest.fixture
def cases(people) -> dict[str, Case]:
    """One case of each kind, moved some way along its workflow."""
    asb = raise_referral(people.officer, "asb").case
    for name in ("triage", "assign", "start_work"):
        asb = go(asb, name, people.asb_coordinator)
    vawg = raise_referral(people.officer, "vawg").case
    vawg = go(vawg, "assess_risk", people.idva)
    vawg = go(vawg, "refer_to_marac", people.idva)
    early = raise_referral(people.probation, "early_release").case
    early = go(early, "start_planning", people.probation)
    return {"asb": asb, "vawg": vawg, "early_release": early}


def test_an_empty_database_verifies() -> None:
    assert verify() == (
        True,
        "OK: 0 cases, 0 transition log rows, 0 case audit seals and 0 global audit seals "
        "verified; every audit entry is sealed and every case row matches its chain.\n",
    )


def test_freshly_raised_and_transitioned_cases_verify_with_counts(cases) -> None:
    ok, output = verify()
    assert ok, output
    rows = TransitionLog.objects.count()
    seals = AuditSeal.objects.filter(case__isnull=False).count()
    global_seals = AuditSeal.objects.filter(case__isnull=True).count()
    assert (rows, seals + global_seals) == (9, LogEntry.objects.count())
    assert output.startswith(
        f"OK: 3 cases, {rows} transition log rows, {seals} case audit seals and "
        f"{global_seals} global audit seals verified"
    )


def test_a_reason_changed_in_the_transition_log_is_named_by_case_and_seq(cases, tamper) -> None:
    vawg = cases["vawg"]
    tamper(
        f"UPDATE {TRANSITIONS} SET reason = %s WHERE case_id = %s AND seq = 2",
        ("Nothing to see here", vawg.pk),
    )
    ok, output = verify()
    assert not ok
    assert (
        f"BROKEN case {vawg.reference} {TRANSITIONS} seq 2: "
        "the reason does not match its digest (the text was changed)"
    ) in output
    assert output.count("BROKEN") == 1
    assert "1 problem in 3 cases" in output


def test_a_deleted_transition_log_row_is_named_as_missing(cases, tamper) -> None:
    asb = cases["asb"]
    tamper(f"DELETE FROM {TRANSITIONS} WHERE case_id = %s AND seq = 2", (asb.pk,))
    ok, output = verify()
    assert not ok
    assert (
        f"BROKEN case {asb.reference} {TRANSITIONS} seq 2: "
        "seq 2 is missing (the next link is seq 3)"
    ) in output


def test_a_case_stripped_of_its_whole_transition_log_fails(cases, tamper) -> None:
    early = cases["early_release"]
    tamper(f"DELETE FROM {TRANSITIONS} WHERE case_id = %s", (early.pk,))
    ok, output = verify()
    assert not ok
    assert f"BROKEN case {early.reference} {TRANSITIONS} seq 1: the case has no" in output


def test_a_modified_audit_entry_is_named_by_case_and_seal_seq(cases, tamper) -> None:
    vawg = cases["vawg"]
    seal = AuditSeal.objects.get(case=vawg, seq=7)  # the risk assessment's creation
    tamper(
        f"UPDATE {ENTRIES} SET actor_id = %s WHERE id = %s",
        (vawg.opened_by_id, seal.log_entry_id),
    )
    ok, output = verify()
    assert not ok
    assert (
        f"BROKEN case {vawg.reference} {SEALS} seq 7: "
        "the stored hash does not match the row's content"
    ) in output


def test_changed_audit_entry_changes_are_detected(cases, tamper) -> None:
    asb = cases["asb"]
    seal = AuditSeal.objects.filter(case=asb).latest("seq")
    tamper(
        f"UPDATE {ENTRIES} SET changes = %s WHERE id = %s",
        ('{"state": ["assigned", "closed"]}', seal.log_entry_id),
    )
    ok, output = verify()
    assert not ok
    assert f"BROKEN case {asb.reference} {SEALS} seq {seal.seq}:" in output


def test_a_removed_seal_breaks_the_chain_and_leaves_its_entry_unsealed(cases, tamper) -> None:
    asb = cases["asb"]
    seal = AuditSeal.objects.get(case=asb, seq=3)
    tamper(f"DELETE FROM {SEALS} WHERE id = %s", (seal.pk,))
    ok, output = verify()
    assert not ok
    assert f"BROKEN case {asb.reference} {SEALS} seq 3: seq 3 is missing" in output
    assert (
        f"BROKEN case {asb.reference} {ENTRIES} no seq: entry #{seal.log_entry_id} "
        "(cases.caseagency"
    ) in output


def test_sealing_existing_entries_brings_an_unsealed_database_into_the_chain(people) -> None:
    # What a database written before seals existed looks like: entries, no seals.
    post_log.disconnect(dispatch_uid="csp-audit-seal")
    try:
        case = raise_referral(people.officer, "asb").case
        case = go(case, "triage", people.asb_coordinator)
        case = go(case, "assign", people.asb_coordinator, agency="housing")
    finally:
        audit.connect_signals()
    assert not AuditSeal.objects.filter(case__isnull=False).exists()
    ok, output = verify()
    assert not ok
    assert "the case has no sealed audit entries at all" in output

    migration = import_module("workflows.migrations.0003_seal_existing_audit_entries")
    migration.seal_existing_entries(apps, SimpleNamespace(connection=connection))

    ok, output = verify()
    assert ok, output
    about_cases = LogEntry.objects.filter(content_type_id__in=audit.case_content_type_ids())
    # Raised (case, 2 agencies, subject, referral), triaged (case), assigned (case, 3 agencies).
    assert AuditSeal.objects.filter(case=case).count() == about_cases.count() == 10
    # The lead agency row removed on assignment is placed by the case its deletion recorded.
    deleted_lead = AuditSeal.objects.get(case=case, log_entry__action=LogEntry.Action.DELETE)
    assert deleted_lead.log_entry.content_type.model == "caseagency"
