from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from cases.models import Case, CaseAgency, Subject, SupportNeed

        auditlog.register(Case, mask_fields=["details"])
        auditlog.register(CaseAgency)
        auditlog.register(
            Subject,
            mask_fields=["full_name", "name_key", "date_of_birth", "identifiers", "safe_contact"],
        )
        auditlog.register(SupportNeed, mask_fields=["notes"])
