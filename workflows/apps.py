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
