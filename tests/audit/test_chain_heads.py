"""The audit trail as a whole: entries not about a case are sealed into a global chain,
and every case row is held to what its transition log's last row says."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace
from typing import Any

import pytest
from auditlog.models import LogEntry
from auditlog.signals import post_log
from django.apps import apps
from django.db import connection

from cases.models import Case
from partners.models import Agency, Membership, Role
from referrals.models import RoutingRule
from tests.audit.conftest import go, verify
from tests.personas import raise_referral
from tests.support.concurrency import race
from workflows import audit
from workflows.audit import audit_verify
from workflows.models import AuditSeal, SlaPolicy, TransitionLog

pytestmark = pytest.mark.django_db

SEALS = "workflows_auditseal"
ENTRIES = "auditlog_logentry"
CASES = "cases_case"


def _global_seals() -> list[AuditSeal]:
    return list(AuditSeal.objects.filter(case__isnull=True).order_by("seq"))


def _grant(people: Any) -> Membership:
    """A role grant: the auditor becomes a manager at the housing agency."""
    return Membership.objects.create(
        user=people.auditor, agency=Agency.objects.get(code="housing"), role=Role.MANAGER
    )


@pytest.fixture
def asb(people) -> Case:
    case = raise_referral(people.officer, "asb").case
    return go(case, "triage", people.asb_coordinator)


def test_role_grants_routing_rules_and_sla_policies_are_sealed_in_one_chain(people) -> None:
    before = len(_global_seals())
    membership = _grant(people)
    rule = RoutingRule.objects.get(kind="asb", category="licensed_premises")
    rule.priority = 3
    rule.save()
    policy = SlaPolicy.objects.first()
    assert policy is not None
    policy.name = "Renamed"
    policy.save()
    seals = _global_seals()
    assert [s.seq for s in seals] == list(range(1, len(seals) + 1))
    added = [s.log_entry for s in seals[before:]]
    assert [(e.content_type.model, e.object_id) for e in added] == [
        ("membership", membership.pk),
        ("routingrule", rule.pk),
        ("slapolicy", policy.pk),
    ]
    ok, output = verify()
    assert ok, output
    assert f"and {len(seals)} global audit seals verified" in output


def test_a_rewritten_role_grant_is_reported_in_the_global_chain(people, tamper) -> None:
    membership = _grant(people)
    entry = LogEntry.objects.get_for_object(membership).get()
    seal = AuditSeal.objects.get(log_entry=entry)
    tamper(
        f"UPDATE {ENTRIES} SET changes = %s WHERE id = %s",
        ('{"role": ["None", "auditor"]}', entry.pk),
    )
    ok, output = verify()
    assert not ok
    assert (
        f"BROKEN global chain {SEALS} seq {seal.seq}: "
        "the stored hash does not match the row's content"
    ) in output


def test_a_removed_global_entry_and_an_unsealed_one_are_reported(people, tamper) -> None:
    first, second = (
        _grant(people),
        Membership.objects.create(
            user=people.auditor, agency=Agency.objects.get(code="fire-rescue"), role=Role.MANAGER
        ),
    )
    seal = AuditSeal.objects.get(log_entry=LogEntry.objects.get_for_object(first).get())
    tamper(f"DELETE FROM {SEALS} WHERE id = %s", (seal.pk,))
    tamper(f"DELETE FROM {ENTRIES} WHERE id = %s", (seal.log_entry_id,))
    post_log.disconnect(dispatch_uid="csp-audit-seal")
    try:
        second.role = Role.AUDITOR
        second.save()
    finally:
        audit.connect_signals()
    unsealed = LogEntry.objects.get_for_object(second).latest("pk")
    ok, output = verify()
    assert not ok
    assert f"BROKEN global chain {SEALS} seq {seal.seq}: seq {seal.seq} is missing" in output
    assert (
        f"BROKEN global chain {ENTRIES} no seq: entry #{unsealed.pk} "
        f"(partners.membership {second.pk}, update at"
    ) in output


@pytest.mark.parametrize(
    ("sql", "said"),
    [
        ("state = 'closed'", "state 'closed' (the chain says 'triaged')"),
        ("version = version + 1", "version 3 (the chain says 2)"),
        (
            "responsible_agency_id = (SELECT id FROM partners_agency WHERE code = 'housing')",
            "lead agency #",
        ),
    ],
)
def test_a_case_row_changed_by_sql_is_reported(asb, tamper, sql, said) -> None:
    tamper(f"UPDATE {CASES} SET {sql} WHERE id = %s", (asb.pk,))
    ok, output = verify()
    assert not ok
    assert (
        f"BROKEN case {asb.reference} {CASES} seq 2: the case row does not match its "
        "chain's last row (seq 2): "
    ) in output
    assert said in output


def test_removing_the_newest_transition_rows_is_reported(asb, people, tamper) -> None:
    asb = go(asb, "assign", people.asb_coordinator, agency="housing")
    tamper("DELETE FROM workflows_transitionlog WHERE case_id = %s AND seq = 3", (asb.pk,))
    ok, output = verify()
    assert not ok
    assert f"BROKEN case {asb.reference} {CASES} seq 2:" in output
    assert "state 'assigned' (the chain says 'triaged')" in output
    assert "version 3 (the chain says 2)" in output


def test_each_chained_row_records_the_case_as_the_change_left_it(asb, people) -> None:
    asb = go(asb, "assign", people.asb_coordinator, agency="housing")
    rows = TransitionLog.objects.filter(case=asb).order_by("seq")
    assert [(r.target, r.version, r.responsible_agency_id) for r in rows] == [
        ("reported", 1, Agency.objects.get(code="council-asb").pk),
        ("triaged", 2, Agency.objects.get(code="council-asb").pk),
        ("assigned", 3, Agency.objects.get(code="housing").pk),
    ]
    assert audit_verify().ok


def test_a_head_written_before_rows_recorded_the_version_vouches_for_the_state(asb, tamper) -> None:
    # What a row written before migration 0008 looks like: no version or lead, hashed
    # without them.
    from workflows.chain import link_hash, transition_fields

    head = TransitionLog.objects.get(case=asb, seq=2)
    head.version, head.responsible_agency_id = None, None
    tamper(
        "UPDATE workflows_transitionlog SET version = NULL, responsible_agency_id = NULL, "
        "hash = %s WHERE id = %s",
        (link_hash(head.prev_hash, transition_fields(head)), head.pk),
    )
    tamper(f"UPDATE {CASES} SET version = 7 WHERE id = %s", (asb.pk,))
    assert verify()[0]
    tamper(f"UPDATE {CASES} SET state = 'closed' WHERE id = %s", (asb.pk,))
    assert "state 'closed' (the chain says 'triaged')" in verify()[1]


def test_nulling_a_rows_recorded_version_breaks_its_link(asb, tamper) -> None:
    tamper(
        "UPDATE workflows_transitionlog SET version = NULL WHERE case_id = %s AND seq = 2",
        (asb.pk,),
    )
    output = verify()[1]
    assert "workflows_transitionlog seq 2: the stored hash does not match" in output


def test_sealing_existing_global_entries_brings_them_into_the_chain(people) -> None:
    post_log.disconnect(dispatch_uid="csp-audit-seal")
    try:
        membership = _grant(people)
    finally:
        audit.connect_signals()
    entry = LogEntry.objects.get_for_object(membership).get()
    assert "has no seal" in verify()[1]

    migration = import_module("workflows.migrations.0009_seal_existing_global_audit_entries")
    migration.seal_global_entries(apps, SimpleNamespace(connection=connection))

    ok, output = verify()
    assert ok, output
    assert AuditSeal.objects.get(log_entry=entry).seq == len(_global_seals())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_role_grants_take_turns_in_the_global_chain(people) -> None:
    agencies = list(Agency.objects.order_by("pk")[:6])
    user_id = people.auditor.pk

    def grant(i: int) -> Membership:
        return Membership.objects.create(user_id=user_id, agency=agencies[i], role=Role.MANAGER)

    results = race(grant, len(agencies), join_timeout=60)
    assert not [r for r in results if isinstance(r, Exception)]
    seals = _global_seals()
    assert [s.seq for s in seals] == list(range(1, len(seals) + 1))
    assert audit_verify().ok
