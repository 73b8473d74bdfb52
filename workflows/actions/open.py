"""Open a case: the first link of its chain, its agencies, its first deadlines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from cases.audit import acting_as
from cases.models import (
    REFERENCE_PREFIX,
    Case,
    CaseAgency,
    CaseAgencyRole,
    CaseKind,
    CaseReferrer,
    RiskLevel,
)
from partners.models import Agency, Ward
from workflows.actions.unit import _json_safe, case_change
from workflows.machines import machine_for
from workflows.references import reference_allocate


@transaction.atomic
def case_open(
    *,
    kind: str,
    category: str,
    ward: Ward,
    responsible_agency: Agency,
    opened_by: Any,
    opened_by_agency: Agency | None,
    reason: str,
    now: datetime,
    risk: str = RiskLevel.STANDARD,
    location_text: str = "",
    postcode: str = "",
    latitude: Any = None,
    longitude: Any = None,
    details: dict[str, Any] | None = None,
    expected_release_date: Any = None,
    reference: str | None = None,
    raised: dict[str, Any] | None = None,
) -> Case:
    """Create a case in its kind's initial state, with its lead and referring agencies.

    ``reference``: one reserved beforehand with ``references_reserve`` (intake does);
    without it the next one is allocated here, under a counter lock held until commit.
    ``raised``: the data of the ``referral.raised`` event that announces the case when
    intake opens it, so that opening a case is one log row and one event.
    """
    machine = machine_for(kind)
    prefix = REFERENCE_PREFIX[CaseKind(kind)]
    with acting_as(opened_by):
        case = machine(
            reference=reference or reference_allocate(prefix=prefix, now=now),
            kind=kind,
            category=category,
            state=machine.INITIAL_STATE,  # type: ignore[attr-defined]
            risk=risk,
            ward=ward,
            location_text=location_text,
            postcode=postcode,
            latitude=latitude,
            longitude=longitude,
            responsible_agency=responsible_agency,
            details=_json_safe(details or {}),
            expected_release_date=expected_release_date,
            opened_by=opened_by,
            opened_at=now,
            updated_at=now,
        )
        case.save(force_insert=True)
        case._csp_version_at = now  # type: ignore[attr-defined]  # version 1 is this open
        CaseAgency.objects.create(
            case=case, agency=responsible_agency, role=CaseAgencyRole.LEAD, added_at=now
        )
        if opened_by_agency and opened_by_agency != responsible_agency:
            CaseAgency.objects.create(
                case=case, agency=opened_by_agency, role=CaseAgencyRole.REFERRER, added_at=now
            )
        CaseReferrer.objects.create(case=case, user=opened_by, added_at=now)
    # The new row is this transaction's own: no one else can see it to lock it.
    with case_change(case=case, by=opened_by, name="open", reason=reason, now=now) as change:
        change.source, change.agency = "", opened_by_agency
        change.log_data = {"responsible_agency": responsible_agency.code, "risk": risk}
        if raised is not None:
            change.emit(type="referral.raised", data=raised)
    return case
