from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from partners.models import Agency, Membership, Ward

        auditlog.register(Agency)
        auditlog.register(Membership)
        auditlog.register(Ward)
