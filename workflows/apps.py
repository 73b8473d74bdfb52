from typing import Any

from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "Workflows"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from workflows.machines import MACHINES
        from workflows.models import MaracReferral, RiskAssessment

        # Saves through a proxy send signals with the proxy as sender: register each one.
        for machine in MACHINES.values():
            auditlog.register(machine, mask_fields=["details"])
        auditlog.register(RiskAssessment, mask_fields=["answers"])
        auditlog.register(MaracReferral, mask_fields=["dash_answers"])
        self._ready_sla(auditlog)

    def _ready_sla(self, auditlog: Any) -> None:
        """SLA admin pages (workflows/admin_sla.py) and the audit of policy and holiday edits."""
        from workflows import admin_sla  # noqa: F401  (registers the SLA admin pages)
        from workflows.models import BankHoliday, SlaPolicy

        auditlog.register(SlaPolicy)
        auditlog.register(BankHoliday)
