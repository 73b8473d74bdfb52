from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from cases.audit import REFERRAL_MASKED_FIELDS
        from referrals.models import Referral, RoutingRule

        auditlog.register(Referral, mask_fields=REFERRAL_MASKED_FIELDS)
        auditlog.register(RoutingRule)
