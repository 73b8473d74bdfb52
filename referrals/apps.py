from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from referrals.models import Referral, RoutingRule

        auditlog.register(Referral, mask_fields=["summary", "location_text", "details"])
        auditlog.register(RoutingRule)
