"""The data migration that moves each case's one FGM duty out of ``case.details`` into a
``PersonalDuty`` row, giving it the clocks that were running for it."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps

from cases.models import Case, DutyStatus, PersonalDuty
from tests.sla.support import fgm_case, frozen, london
from workflows.models import Deadline, TransitionLog

pytestmark = pytest.mark.django_db

migration = importlib.import_module("workflows.migrations.0015_personal_duties_from_case_details")


def _as_before(case: Case) -> None:
    """Put ``case`` back as the code before PersonalDuty left it."""
    duty = PersonalDuty.objects.get(case=case)
    recorded = duty.recorded_at
    Deadline.objects.filter(duty=duty).update(duty=None)
    PersonalDuty.objects.filter(pk=duty.pk).delete()
    details = {
        **case.details,
        "fgm_mandatory_report": {
            "owed_by": duty.owed_by_id,
            "recorded_at": recorded.isoformat(),
            "basis": "FGM Act 2003 s5B",
            "referral": duty.referral,
        },
    }
    Case.objects.filter(pk=case.pk).update(details=details)


def test_the_old_duty_becomes_a_row_that_owns_its_running_clocks(people: Any) -> None:
    with frozen(london(2026, 4, 2, 15)):
        case = fgm_case(people.nurse)
    _as_before(case)
    migration.forwards(apps, None)
    duty = PersonalDuty.objects.get(case=case)
    assert (duty.owed_by, duty.agency.code, duty.profession, duty.status) == (
        people.nurse,
        "public-health",
        "healthcare",
        DutyStatus.OWED,
    )
    # Recorded on the day it was raised: that day is taken as the day of discovery.
    assert (str(duty.discovered_on), duty.age_at_discovery) == ("2026-04-02", 17)
    owned = Deadline.objects.filter(case=case, policy__responsible="named_person")
    assert set(owned.values_list("duty", flat=True)) == {duty.pk}
    assert not Deadline.objects.filter(
        case=case, duty__isnull=True, policy__responsible="named_person"
    )
    case.refresh_from_db()
    assert "fgm_mandatory_report" not in case.details


def test_a_report_recorded_the_old_way_is_kept_as_reported_without_inventing_a_reference(
    people: Any,
) -> None:
    with frozen(london(2026, 4, 2, 15)):
        case = fgm_case(people.nurse)
    _as_before(case)
    last = TransitionLog.objects.filter(case=case).order_by("-seq").first()
    assert last is not None
    # The old milestone's row, as it was written (the chain is not re-checked here).
    TransitionLog.objects.create(
        case=case,
        seq=last.seq + 1,
        transition="report_fgm_to_police",
        source=case.state,
        target=case.state,
        actor=people.nurse,
        reason="Reported on 101, ref 4471",
        at=london(2026, 4, 3, 9),
        prev_hash=last.hash,
        hash="x" * 64,
    )
    migration.forwards(apps, None)
    duty = PersonalDuty.objects.get(case=case)
    assert (duty.status, duty.reported_at, duty.police_reference) == (
        DutyStatus.REPORTED,
        london(2026, 4, 3, 9),
        "not recorded",
    )
