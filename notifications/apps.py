from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from notifications.models import Delivery, Endpoint, Subscription

        auditlog.register(Endpoint, mask_fields=["secret", "notify_api_key"])
        auditlog.register(Subscription)
        # Status changes by tasks are compare-and-swap updates and leave no audit row; what
        # is audited is a person's retry of a dead delivery.
        auditlog.register(Delivery, include_fields=["status", "attempts", "next_attempt_at"])
