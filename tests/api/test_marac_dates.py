"""A MARAC hearing is scheduled (a future date) and then heard (not in the future): the API
refuses each the wrong way round with a 400 naming the field (issue 14, item 5)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.workflows.flows import case_in
from workflows.models import MaracReferral

pytestmark = pytest.mark.django_db


def _transition(client: Any, case: Any, name: str, data: dict[str, Any]) -> Any:
    return client.post(
        f"/api/v1/cases/{case.pk}/transitions/",
        {"transition": name, "reason": "For the test", "data": data},
        format="json",
    )


def test_a_hearing_heard_in_the_future_is_a_400_naming_heard_at(demo: Any, as_user: Any) -> None:
    case = case_in(demo.people, "vawg", "marac_referred")
    tomorrow = (timezone.now() + timedelta(days=1)).isoformat()
    response = _transition(as_user("idva"), case, "record_marac_hearing", {"heard_at": tomorrow})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["data.heard_at"]
    case.refresh_from_db()
    assert case.state == "marac_referred"  # nothing half-written
    assert MaracReferral.objects.get(case=case).heard_at is None


def test_a_referral_takes_a_future_hearing_date_and_refuses_a_past_one(
    demo: Any, as_user: Any
) -> None:
    case = case_in(demo.people, "vawg", "risk_assessed", path=[("assess_risk", {})])
    client = as_user("idva")
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    refused = _transition(client, case, "refer_to_marac", {"hearing_scheduled_for": past})
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["data.hearing_scheduled_for"]
    assert not MaracReferral.objects.filter(case=case).exists()
    when = timezone.now() + timedelta(days=9)
    accepted = _transition(
        client, case, "refer_to_marac", {"hearing_scheduled_for": when.isoformat()}
    )
    assert accepted.status_code == 200, accepted.json()
    referral = MaracReferral.objects.get(case=case)
    assert referral.hearing_scheduled_for == when
    assert referral.heard_at is None
