"""Default policies, admin validation of policy names, milestones and personal duties."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from workflows.actions import case_milestone_record
from workflows.errors import (
    InvalidTransitionData,
    TransitionForbidden,
    TransitionNotAvailable,
    UnknownTransition,
)
from workflows.models import SlaPolicy
from workflows.sla import seed_sla_policies
from workflows.sla.policies import DEFAULT_POLICIES

pytestmark = pytest.mark.django_db


def test_every_default_policy_is_seeded_valid_and_cites_its_source() -> None:
    seeded = SlaPolicy.objects.filter(code__in=[p["code"] for p in DEFAULT_POLICIES])
    assert seeded.count() == len(DEFAULT_POLICIES) == 20
    for policy in seeded:
        policy.full_clean()
        assert policy.source.strip()


def test_seeding_keeps_an_administrators_edits() -> None:
    SlaPolicy.objects.filter(code="asb_triage").update(duration_value=3)
    assert seed_sla_policies() == 0
    assert SlaPolicy.objects.get(code="asb_triage").duration_value == 3


def test_a_policy_naming_an_unknown_state_or_transition_is_invalid() -> None:
    policy = SlaPolicy.objects.get(code="asb_triage")
    policy.trigger_state = "triaged_twice"
    policy.met_by = ["triage", "teleport"]
    with pytest.raises(ValidationError) as exc:
        policy.full_clean()
    assert set(exc.value.message_dict) == {"trigger_state", "met_by"}
    assert "teleport" in exc.value.message_dict["met_by"][0]


def test_the_admin_form_rejects_an_unknown_meeting_transition(
    client: Any, django_user_model
) -> None:
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456789")
    client.force_login(admin)
    policy = SlaPolicy.objects.get(code="asb_triage")
    response = client.post(
        f"/admin/workflows/slapolicy/{policy.pk}/change/",
        {
            "code": policy.code,
            "name": policy.name,
            "kind": policy.kind,
            "is_active": "on",
            "source": policy.source,
            "trigger": policy.trigger,
            "trigger_state": policy.trigger_state,
            "trigger_event": "",
            "date_field": "",
            "offset_days": "0",
            "anchor_time": "17:00",
            "risk": "",
            "duration_unit": policy.duration_unit,
            "duration_value": "2",
            "met_by": '["teleport"]',
            "warn_fraction": "0.75",
            "responsible": policy.responsible,
            "owed_by_detail": "",
            "escalate_managers_after_hours": "24",
            "escalate_partnership_after_hours": "48",
            "max_pause_hours": "72",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert "Not transitions or milestones of asb cases: teleport." in response.content.decode()
    assert SlaPolicy.objects.get(code="asb_triage").met_by == ["triage", "no_further_action"]


def test_the_ladder_must_climb() -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        SlaPolicy.objects.filter(code="asb_triage").update(escalate_partnership_after_hours=1)


# --- milestones --------------------------------------------------------------------------------


def test_milestones_check_kind_reason_role_and_state(people: Any) -> None:
    from tests.sla.support import asb_case, go

    case = asb_case(people.officer)
    with pytest.raises(UnknownTransition):
        case_milestone_record(
            case_id=case.pk, milestone="report_fgm_to_police", by=people.officer, reason="x"
        )
    with pytest.raises(InvalidTransitionData) as exc:
        case_milestone_record(
            case_id=case.pk, milestone="review_risk", by=people.asb_coordinator, reason=" "
        )
    assert set(exc.value.errors) == {"reason"}
    with pytest.raises(TransitionForbidden):
        case_milestone_record(
            case_id=case.pk, milestone="review_risk", by=people.outsider, reason="Reviewed"
        )
    go(case, "no_further_action", people.asb_coordinator)
    with pytest.raises(TransitionNotAvailable, match="closed"):
        case_milestone_record(
            case_id=case.pk, milestone="review_risk", by=people.asb_coordinator, reason="Reviewed"
        )
