from typing import Any

from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "Workflows"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.core.checks import register

        from workflows.review.checks import check_case_review_settings

        register(check_case_review_settings)

        from cases.audit import (
            CASE_MASKED_FIELDS,
            MARAC_REFERRAL_MASKED_FIELDS,
            RISK_ASSESSMENT_MASKED_FIELDS,
        )
        from workflows import audit
        from workflows.machines import MACHINES
        from workflows.models import MaracReferral, RiskAssessment

        # Saves through a proxy send signals with the proxy as sender: register each one.
        for machine in MACHINES.values():
            auditlog.register(machine, mask_fields=CASE_MASKED_FIELDS)
        auditlog.register(RiskAssessment, mask_fields=RISK_ASSESSMENT_MASKED_FIELDS)
        auditlog.register(MaracReferral, mask_fields=MARAC_REFERRAL_MASKED_FIELDS)
        # Not CaseReviewApplication: its every change is an action on the case's chain
        # (with digests of the reasons and recommendations), and a case's audit entries are
        # read by everyone who sees the case in full, a referrer and the other party's side
        # included, who may not learn of an application (workflows.policy).
        audit.connect_signals()
        self._ready_sla(auditlog)

    def _ready_sla(self, auditlog: Any) -> None:
        """SLA admin pages (workflows/admin_sla.py) and the audit of policy and holiday edits."""
        from workflows import admin_sla  # noqa: F401  (registers the SLA admin pages)
        from workflows.models import BankHoliday, SlaPolicy

        auditlog.register(SlaPolicy)
        auditlog.register(BankHoliday)
