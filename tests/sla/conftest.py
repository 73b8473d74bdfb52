"""SLA test fixtures: the reference data (policies, holidays) every SLA test relies on.

Migrations seed both, but a transactional test elsewhere flushes every table when it
ends, so each database test here re-seeds what is missing (idempotent, cheap when present).
"""

from __future__ import annotations

import pytest

from workflows.models import BankHoliday
from workflows.sla import seed_bank_holidays, seed_sla_policies


@pytest.fixture(autouse=True)
def _sla_reference_data(request: pytest.FixtureRequest) -> None:
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    seed_sla_policies()
    if not BankHoliday.objects.filter(date__year__in=[2026, 2027]).exists():
        seed_bank_holidays(years=range(2025, 2029))
