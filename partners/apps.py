from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_migrate


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from partners.models import Agency, Membership, Ward
        from partners.security import check_two_factor_roles

        auditlog.register(Agency)
        auditlog.register(Membership)
        auditlog.register(Ward)
        # A misspelt role would silently let its holders sign in without a second factor.
        try:
            check_two_factor_roles(settings.SIGN_IN_TWO_FACTOR_ROLES)
        except ValueError as exc:
            raise ImproperlyConfigured(str(exc)) from exc
        post_migrate.connect(_create_cache_table, sender=self)


def _create_cache_table(using: str = "default", **kwargs: Any) -> None:
    """`migrate` creates the database cache's table (the default cache outside tests, which
    holds the rate-limit counts every web process shares); idempotent."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
