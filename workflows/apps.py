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
        self._ready_words()

    def _ready_words(self) -> None:
        """The workflows' labels for the words messages use (notifications.wording)."""
        from notifications.wording import register_words
        from workflows.labels import TRANSITION_LABELS
        from workflows.machines import MACHINES
        from workflows.models import SlaPolicy
        from workflows.sla.names import MILESTONES

        states = {code: label for m in MACHINES.values() for code, label in m.STATES}
        milestones = {
            name: m.label for by_name in MILESTONES.values() for name, m in by_name.items()
        }

        def policy(code: str) -> str | None:
            return SlaPolicy.objects.filter(code=code).values_list("name", flat=True).first()

        register_words("state", states.get)
        register_words("transition", TRANSITION_LABELS.get)
        register_words("milestone", milestones.get)
        register_words("policy", policy)

    def _ready_sla(self, auditlog: Any) -> None:
        """SLA admin pages (workflows/admin_sla.py) and the audit of policy and holiday edits."""
        from workflows import admin_sla  # noqa: F401  (registers the SLA admin pages)
        from workflows.models import BankHoliday, SlaPolicy

        auditlog.register(SlaPolicy)
        auditlog.register(BankHoliday)
