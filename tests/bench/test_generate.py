"""The COPY data generators write consistent rows the product's own code can work with."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from bench import generate
from cases.catalogue import category
from cases.models import Case, CaseAgency
from referrals.models import Referral
from workflows.actions import case_transition
from workflows.models import TransitionLog

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def test_referrals_are_generated_with_their_cases_across_wards_and_categories() -> None:
    partnership = generate.partnership_ensure(actors=5)
    assert len(partnership.actor_ids) == 5
    assert len(partnership.ward_ids) == 20

    written = generate.referrals_generate(count=200, partnership=partnership)

    assert written == {"cases": 180, "case_agencies": 180, "referrals": 200}
    assert Referral.objects.count() == 200
    for referral in Referral.objects.select_related("case"):
        case = referral.case
        assert (referral.kind, referral.category, referral.ward_id) == (
            case.kind,
            case.category,
            case.ward_id,
        )
        assert category(case.kind, case.category) is not None
        assert referral.raised_by_id in partnership.actor_ids
    assert Referral.objects.values("ward").distinct().count() > 10
    assert Referral.objects.values("kind").distinct().count() == 3
    leads = set(CaseAgency.objects.filter(role="lead").values_list("case_id", "agency_id"))
    assert leads == set(Case.objects.values_list("id", "responsible_agency_id"))


def test_generating_again_replaces_the_data_set_rather_than_adding_to_it() -> None:
    partnership = generate.partnership_ensure(actors=3)
    generate.referrals_generate(count=30, partnership=partnership)
    generate.referrals_generate(count=20, partnership=partnership)
    assert Referral.objects.count() == 20
    assert Case.objects.count() == 18
    assert generate.partnership_ensure(actors=3).actor_ids == partnership.actor_ids


def test_audit_rows_are_split_between_the_tables_with_linked_hash_fields() -> None:
    partnership = generate.partnership_ensure(actors=4)
    generate.referrals_generate(count=100, partnership=partnership)

    written, case_ids = generate.audit_generate(count=41, partnership=partnership)

    assert written == {"transition_logs": 20, "log_entries": 21, "cases_touched": 4}
    assert set(TransitionLog.objects.values_list("case_id", flat=True)) == set(case_ids)
    for case_id in case_ids:
        rows = list(TransitionLog.objects.filter(case_id=case_id).order_by("seq"))
        assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
        assert rows[0].prev_hash == ""
        for previous, row in itertools.pairwise(rows):
            assert row.prev_hash == previous.hash
            assert row.at >= previous.at
        assert all(HEX64.match(r.hash) for r in rows)
    case_type = ContentType.objects.get_for_model(Case)
    entries = LogEntry.objects.all()
    assert {e.content_type_id for e in entries} == {case_type.pk}
    assert {e.object_id for e in entries} == set(case_ids)
    assert {e.actor_id for e in entries} <= set(partnership.actor_ids)


def test_appended_cases_can_be_triaged_through_the_transition_service(people: Any) -> None:
    partnership = generate.partnership_ensure(actors=2)
    generate.referrals_generate(count=10, partnership=partnership)

    ids = generate.asb_cases_append(count=3, partnership=partnership)

    assert ids == [10, 11, 12]  # after the 9 generated cases, ids carry on
    case = case_transition(
        case_id=ids[0], name="triage", by=people.asb_coordinator, reason="Seen and triaged."
    )
    assert case.state == "triaged"
    opening, triage = TransitionLog.objects.filter(case_id=ids[0]).order_by("seq")
    assert (opening.seq, triage.seq) == (1, 2)
    assert triage.prev_hash == opening.hash
    assert Case.objects.filter(id__in=ids[1:], state="reported").count() == 2


def test_a_data_set_of_the_same_size_is_recognised_for_reuse_and_another_is_not() -> None:
    partnership = generate.partnership_ensure(actors=3)
    generate.referrals_generate(count=60, partnership=partnership)
    written, case_ids = generate.audit_generate(count=30, partnership=partnership)

    assert generate.referrals_present(count=60) == {
        "cases": 54,
        "case_agencies": 54,
        "referrals": 60,
        "reused": 1,
    }
    assert generate.referrals_present(count=61) is None
    assert generate.audit_present(count=30) == ({**written, "reused": 1}, case_ids)
    assert generate.audit_present(count=32) is None

    # Cases appended by the API benchmark are not generated data: the set is still reusable.
    generate.asb_cases_append(count=2, partnership=partnership)
    assert generate.referrals_present(count=60) is not None
    assert generate.audit_present(count=30) is not None

    # Regenerating the referrals empties the audit tables (their cases are gone).
    generate.referrals_generate(count=60, partnership=partnership)
    assert generate.audit_present(count=30) is None
