"""Every audit entry is sealed into its case's chain (or the global one), in its transaction."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from cases.models import Case, Subject, SupportNeed
from tests.audit.conftest import go, label, sealed_entries
from tests.personas import raise_referral
from workflows.audit import audit_verify, seal_fields
from workflows.chain import link_hash
from workflows.models import AuditSeal

pytestmark = pytest.mark.django_db


def test_a_cases_entries_are_sealed_from_seq_1_each_linked_to_the_one_before(people) -> None:
    case = raise_referral(people.officer, "vawg").case
    go(case, "assess_risk", people.idva)
    seals = list(AuditSeal.objects.filter(case=case).select_related("log_entry"))
    assert [s.seq for s in seals] == list(range(1, len(seals) + 1))
    assert len(seals) == 8
    prev = ""
    for seal in seals:
        assert seal.prev_hash == prev
        assert seal.hash == link_hash(prev, seal_fields(seal, seal.log_entry))
        prev = seal.hash
    assert audit_verify().ok


def test_each_case_has_its_own_chain(people) -> None:
    first = raise_referral(people.officer, "asb").case
    second = raise_referral(people.officer, "asb", location_text="Elsewhere Road").case
    go(first, "triage", people.asb_coordinator)
    assert AuditSeal.objects.filter(case=first).values_list("seq", flat=True).last() == 6
    assert AuditSeal.objects.filter(case=second).values_list("seq", flat=True).last() == 5
    assert AuditSeal.objects.get(case=second, seq=1).prev_hash == ""


def test_saves_through_a_workflow_proxy_use_the_case_content_type_and_chain(people) -> None:
    case = raise_referral(people.officer, "vawg").case
    case = go(case, "assess_risk", people.idva)
    assert type(case).__name__ == "VawgCase"
    case_type = ContentType.objects.get_for_model(Case)
    case_entries = [e for e in sealed_entries(case) if e.content_type_id == case_type.pk]
    assert [(label(e), e.object_id) for e in case_entries] == [
        (("cases.case", "create"), case.pk),
        (("cases.case", "update"), case.pk),
    ]


def test_an_entry_written_outside_any_service_is_still_chained(people) -> None:
    case = raise_referral(people.officer, "early_release").case
    last = AuditSeal.objects.filter(case=case).latest("seq")
    need = SupportNeed.objects.get(case=case, need="accommodation")
    need.status = "met"
    need.save()
    seal = AuditSeal.objects.get(log_entry=LogEntry.objects.get_for_object(need).latest("pk"))
    assert (seal.case_id, seal.seq, seal.prev_hash) == (case.pk, last.seq + 1, last.hash)
    assert audit_verify().ok


def test_a_case_view_is_sealed_like_any_other_entry(people) -> None:
    from cases.services import case_viewed

    case = raise_referral(people.officer, "vawg").case
    case_viewed(case=case, by=people.idva)
    assert label(sealed_entries(case)[-1]) == ("cases.case", "access")


def test_entries_about_no_case_join_the_global_chain_not_a_cases(people) -> None:
    from referrals.models import RoutingRule

    rule = RoutingRule.objects.get(kind="asb", category="licensed_premises")
    rule.priority = 1
    rule.save()
    seal = AuditSeal.objects.get(log_entry=LogEntry.objects.get_for_object(rule).latest("pk"))
    assert seal.case_id is None
    assert seal.seq == AuditSeal.objects.filter(case__isnull=True).count()


def _add_witness_then_fail(case: Case, seals_before: int) -> None:
    with transaction.atomic():
        Subject.objects.create(
            case=case, role="witness", full_name="W", name_key="w", created_at=timezone.now()
        )
        assert AuditSeal.objects.count() == seals_before + 1
        raise RuntimeError("the service failed after writing")


def test_a_rolled_back_change_leaves_neither_entry_nor_seal(people) -> None:
    case = raise_referral(people.officer, "asb").case
    entries, seals = LogEntry.objects.count(), AuditSeal.objects.count()
    with pytest.raises(RuntimeError):
        _add_witness_then_fail(case, seals)
    assert (LogEntry.objects.count(), AuditSeal.objects.count()) == (entries, seals)


def test_the_seal_depends_on_the_audit_key(people) -> None:
    raise_referral(people.officer, "asb")
    assert audit_verify().ok
    with override_settings(AUDIT_HMAC_KEY="a-different-key"):
        report = audit_verify()
    assert not report.ok
    assert "does not match" in report.breaks[0].problem
