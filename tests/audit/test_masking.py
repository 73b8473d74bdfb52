"""Personal data never reaches the audit log: masked fields are stored as ******** in full."""

from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.db.models import Model

from cases import audit
from cases.models import Case, CaseAgency, Subject, SupportNeed
from referrals.models import Referral
from tests.audit.conftest import go
from tests.personas import payload, raise_referral
from workflows.machines import MACHINES
from workflows.models import MaracReferral, RiskAssessment

EXPECTED_MASKS: dict[type[Model], list[str]] = {
    Case: audit.CASE_MASKED_FIELDS,
    **{machine: audit.CASE_MASKED_FIELDS for machine in MACHINES.values()},
    Subject: audit.SUBJECT_MASKED_FIELDS,
    SupportNeed: audit.SUPPORT_NEED_MASKED_FIELDS,
    CaseAgency: [],
    Referral: audit.REFERRAL_MASKED_FIELDS,
    RiskAssessment: audit.RISK_ASSESSMENT_MASKED_FIELDS,
    MaracReferral: audit.MARAC_REFERRAL_MASKED_FIELDS,
}


@pytest.mark.parametrize("model", list(EXPECTED_MASKS), ids=lambda m: m.__name__)
def test_each_case_model_and_every_proxy_is_registered_with_its_mask(model) -> None:
    assert auditlog.contains(model)
    assert sorted(auditlog.get_model_fields(model)["mask_fields"]) == sorted(EXPECTED_MASKS[model])


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("Alice Victim", audit.MASK),
        ("A", audit.MASK),
        ("{'safe_to_call': True}", audit.MASK),
        ("1990-04-01", audit.MASK),
        ("", ""),
        ("None", "None"),
    ],
)
def test_mask_hides_the_whole_value_and_shows_only_absence(value, shown) -> None:
    assert audit.mask_completely(value) == shown


SECRETS = {
    "Alice Victim": "victim's name",
    "alice victim": "victim's name key",
    "Bob Partner": "perpetrator's name",
    "weekdays 10-12": "safe contact times",
    "controlling behaviour": "VAWG summary",
    "Quay Street": "location",
    "KV9 9ZZ": "postcode",
    "51.123456": "latitude",
    "Carl Released": "offender's name",
    "A1234BC": "prison number",
    "X123456": "probation case reference",
    "1990-04-01": "date of birth",
    "no fixed abode": "early-release summary",
    "Sofa-surfing": "support need notes",
    "Closed after the victim moved away": "closure reason",
}


@pytest.mark.django_db
def test_no_personal_data_from_three_workflows_reaches_any_audit_entry(people) -> None:
    where = {
        "location_text": "14 Quay Street",
        "postcode": "KV9 9ZZ",
        "latitude": "51.123456",
        "longitude": "-1.654321",
    }
    vawg = raise_referral(people.officer, "vawg", **where).case
    vawg = go(vawg, "assess_risk", people.idva)
    vawg = go(vawg, "refer_to_marac", people.idva)
    asb = raise_referral(people.officer, "asb", **where).case
    for name in ("triage", "assign", "start_work", "resolve"):
        asb = go(asb, name, people.asb_coordinator)
    from workflows.actions import case_transition

    case_transition(
        case_id=asb.pk,
        name="close",
        by=people.asb_coordinator,
        reason="Closed after the victim moved away",
    )
    details = payload("early_release")["details"]
    details["needs"] = [
        {
            "need": "accommodation",
            "status": "referred",
            "agency": "housing",
            "notes": "Sofa-surfing",
        },
    ]
    raise_referral(people.probation, "early_release", details=details)

    entries = list(LogEntry.objects.all())
    assert len(entries) > 20
    dumped = json.dumps(
        [[e.changes, e.changes_text, e.object_repr, e.serialized_data] for e in entries]
    )
    leaks = {what for secret, what in SECRETS.items() if secret in dumped}
    assert leaks == set()
    # The DASH answers themselves ("yes"/"no" per question code) are masked as a whole.
    assert '"dash"' not in dumped
    assert "-1.654321" not in dumped
