"""Admin for the outbox, endpoints, subscriptions, deliveries and inboxes.

Every write goes through ``notifications.services``, the same functions the API calls.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control

from cases.models import CaseKind
from notifications import services
from notifications.events import EVENT_TYPES
from notifications.models import (
    Delivery,
    DeliveryStatus,
    Endpoint,
    InboxItem,
    OutboxEvent,
    Subscription,
)
from notifications.services.endpoints import DESTINATION_FIELDS, ENDPOINT_FIELDS


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the relay and the tasks: people may look, not touch."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "type", "case_reference", "kind", "published_at"]
    list_filter = ["type", "kind", ("published_at", admin.EmptyFieldListFilter)]
    search_fields = ["case_reference", "id"]
    date_hierarchy = "occurred_at"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, required=False, assume_scheme="https")
    notify_base_url = forms.URLField(
        max_length=200,
        required=False,
        assume_scheme="https",
        help_text="Blank: the NOTIFY_BASE_URL setting.",
    )
    # Never sent back to the browser; blank on change keeps the stored key.
    notify_api_key = forms.CharField(
        required=False,
        label="Notify API key",
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave blank to keep the current key.",
    )

    class Meta:
        model = Endpoint
        fields = [
            "agency",
            "channel",
            "name",
            "email_address",
            "url",
            "allow_private",
            "notify_api_key",
            "notify_template_id",
            "notify_base_url",
            "is_active",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk and not data.get("notify_api_key"):
            data["notify_api_key"] = self.instance.notify_api_key
        channel = data.get("channel") or self.instance.channel
        if channel:
            try:
                services.endpoint_validate(channel=channel, values=data)
            except ValidationError as exc:
                self.add_error(None, exc)
        return data

    def _post_clean(self) -> None:
        # The service sets the secret and timestamps; the model's own checks would see the
        # row before it does, so they run in the service instead.
        pass


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    """Secrets are never on an endpoint's page, which anyone with "view endpoint" may open:
    a webhook's signing secret is shown once, to whoever issued it (on adding the endpoint
    and by the rotate action), and a Notify key never."""

    form = EndpointForm
    list_display = ["name", "agency", "channel", "target_label", "is_active", "updated_at"]
    list_filter = ["channel", "is_active", "agency"]
    search_fields = ["name", "agency__name", "email_address", "url"]
    actions = ["rotate_secret"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fixed = ["signing_secret", "notify_api_key_status", "created_at", "updated_at"]
        return [*fixed, "agency", "channel"] if obj else fixed

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(EndpointForm.Meta.fields)
        if obj is None:
            return fields
        if not self.has_change_permission(request, obj):
            # A read-only page prints every field's stored value, the key's included.
            fields[fields.index("notify_api_key")] = "notify_api_key_status"
        return [*fields, "signing_secret", "created_at", "updated_at"]

    @admin.display(description="Signing secret")
    def signing_secret(self, endpoint: Endpoint) -> str:
        if not endpoint.secret:
            return "-"
        return (
            "Set. It was shown once, when issued; to give the partner a new one, use the "
            '"Give the selected webhooks a new signing secret" action.'
        )

    @admin.display(description="Notify API key")
    def notify_api_key_status(self, endpoint: Endpoint) -> str:
        return "Set (never shown)" if endpoint.notify_api_key else "-"

    def save_model(self, request: HttpRequest, obj: Endpoint, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changed = {key: data[key] for key in form.changed_data if key in ENDPOINT_FIELDS}
            if any(key in changed for key in DESTINATION_FIELDS):
                # The administrator saw the new address beside the box: their approval.
                changed["allow_private"] = data["allow_private"]
            saved = services.endpoint_update(endpoint_id=obj.pk, by=request.user, changes=changed)
        else:
            values = {key: data[key] for key in ENDPOINT_FIELDS if key in data}
            saved = services.endpoint_create(
                agency=data["agency"], channel=data["channel"], by=request.user, **values
            )
        _adopt(obj, saved)

    def response_add(
        self, request: HttpRequest, obj: Endpoint, post_url_continue: str | None = None
    ) -> HttpResponse:
        response = super().response_add(request, obj, post_url_continue)
        if obj.secret and response.status_code == 302:
            return self._secrets_issued(request, [obj], next_url=response["Location"])
        return response

    @admin.action(
        description="Give the selected webhooks a new signing secret", permissions=["change"]
    )
    def rotate_secret(
        self, request: HttpRequest, queryset: QuerySet[Endpoint]
    ) -> HttpResponse | None:
        rotated = []
        for endpoint in queryset:
            try:
                rotated.append(
                    services.endpoint_rotate_secret(endpoint_id=endpoint.pk, by=request.user)
                )
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{endpoint}: {_message(exc)}", messages.WARNING)
        if not rotated:
            return None
        return self._secrets_issued(request, rotated, next_url=request.get_full_path())

    def _secrets_issued(
        self, request: HttpRequest, endpoints: list[Endpoint], *, next_url: str
    ) -> HttpResponse:
        """The one page that shows signing secrets, to the person who just issued them."""
        response = TemplateResponse(
            request,
            "admin/notifications/endpoint/secrets_issued.html",
            {
                **self.admin_site.each_context(request),
                "title": "Give the partner the signing secret",
                "opts": self.opts,
                "endpoints": endpoints,
                "next_url": next_url,
            },
        )
        add_never_cache_headers(response)
        patch_cache_control(response, no_store=True)
        return response


class SubscriptionForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        choices=[(t, t) for t in EVENT_TYPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event type.",
    )
    kinds = forms.MultipleChoiceField(
        choices=CaseKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every kind of case.",
    )

    class Meta:
        model = Subscription
        fields = ["endpoint", "event_types", "kinds", "is_active"]

    def _post_clean(self) -> None:
        pass  # the service checks and writes (agency, timestamps, uniqueness)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["agency", "endpoint", "event_types", "kinds", "is_active"]
    list_filter = ["is_active", "agency"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["endpoint"] if obj else []

    def save_model(self, request: HttpRequest, obj: Subscription, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            saved = services.subscription_update(
                subscription_id=obj.pk,
                by=request.user,
                event_types=data["event_types"],
                kinds=data["kinds"],
                is_active=data["is_active"],
            )
        else:
            saved = services.subscription_create(
                endpoint=data["endpoint"],
                by=request.user,
                event_types=data["event_types"],
                kinds=data["kinds"],
                is_active=data["is_active"],
            )
        _adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Subscription) -> None:
        services.subscription_delete(subscription_id=obj.pk, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        for subscription in queryset:
            services.subscription_delete(subscription_id=subscription.pk, by=request.user)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "event_type",
        "case_reference",
        "recipient",
        "channel",
        "status",
        "attempts",
        "short_error",
        "latency",
        "created_at",
    ]
    list_filter = ["status", "channel", "endpoint__agency"]
    search_fields = ["event__case_reference", "reference", "last_error"]
    list_select_related = ["event", "endpoint", "user"]
    actions = ["retry"]

    @admin.display(description="event", ordering="event__type")
    def event_type(self, delivery: Delivery) -> str:
        return delivery.event.type

    @admin.display(description="case", ordering="event__case_reference")
    def case_reference(self, delivery: Delivery) -> str:
        return delivery.event.case_reference

    @admin.display(description="to")
    def recipient(self, delivery: Delivery) -> str:
        return str(delivery.endpoint or delivery.user)

    @admin.display(description="last error")
    def short_error(self, delivery: Delivery) -> str:
        error = delivery.last_error
        return error if len(error) <= 80 else error[:80] + "..."

    @admin.action(description="Retry the selected dead deliveries", permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        retried = 0
        skipped = queryset.exclude(status=DeliveryStatus.DEAD).count()
        for delivery in queryset.filter(status=DeliveryStatus.DEAD):
            try:
                services.delivery_retry(delivery_id=delivery.pk, by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"Delivery {delivery.pk}: {_message(exc)}", "warning")
            else:
                retried += 1
        self.message_user(request, f"Queued {retried} dead deliveries to be sent again.")
        if skipped:
            self.message_user(
                request, f"Left {skipped} that were not dead alone.", messages.WARNING
            )


@admin.register(InboxItem)
class InboxItemAdmin(ReadOnlyAdmin):
    list_display = ["user", "event", "created_at", "read_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "event__case_reference"]
    list_select_related = ["user", "event"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _adopt(obj: Any, saved: Any) -> None:
    """Copy what the service saved onto the admin's object, which it logs and redirects to."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False


def _message(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return str(exc)
