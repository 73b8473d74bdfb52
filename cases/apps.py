from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from cases import audit
        from cases.models import Case, CaseAgency, Subject, SupportNeed

        auditlog.register(Case, mask_fields=audit.CASE_MASKED_FIELDS)
        auditlog.register(CaseAgency)
        auditlog.register(Subject, mask_fields=audit.SUBJECT_MASKED_FIELDS)
        auditlog.register(SupportNeed, mask_fields=audit.SUPPORT_NEED_MASKED_FIELDS)
        audit.connect_signals()
