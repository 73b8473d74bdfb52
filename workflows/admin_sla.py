"""Admin pages for SLA policies, bank holidays and (read-only) deadlines.

Imported from ``WorkflowsConfig.ready``; kept apart from workflows/admin.py so each can
change without the other. Holiday saves and deletes go through the SLA services, which
recompute the open working-day deadlines.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from workflows.models import BankHoliday, Deadline, HolidaySource, SlaPolicy
from workflows.sla import bank_holiday_delete, bank_holiday_save


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "trigger", "risk", "duration", "is_active"]
    list_filter = ["kind", "trigger", "is_active", "duration_unit"]
    search_fields = ["code", "name", "source"]
    fieldsets = [
        (None, {"fields": ["code", "name", "kind", "is_active", "source"]}),
        (
            "When the clock starts",
            {
                "fields": [
                    "trigger",
                    "trigger_state",
                    "trigger_event",
                    "date_field",
                    "offset_days",
                    "anchor_time",
                    "risk",
                ]
            },
        ),
        (
            "When it is due and what meets it",
            {
                "fields": [
                    "duration_unit",
                    "duration_value",
                    "working_day_cutoff",
                    "met_by",
                    "warn_fraction",
                ]
            },
        ),
        (
            "Who answers for it",
            {
                "fields": [
                    "responsible",
                    "owed_by_detail",
                    "responsible_agency_kind",
                    "escalate_managers_after_hours",
                    "escalate_partnership_after_hours",
                    "max_pause_hours",
                ]
            },
        ),
    ]

    @admin.display(description="Duration")
    def duration(self, obj: SlaPolicy) -> str:
        return f"{obj.duration_value} {obj.get_duration_unit_display()}"


@admin.register(BankHoliday)
class BankHolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "title", "source", "updated_at"]
    list_filter = ["source"]
    date_hierarchy = "date"
    search_fields = ["title"]
    fields = ["date", "title"]

    def save_model(self, request: HttpRequest, obj: BankHoliday, form: Any, change: bool) -> None:
        obj.source = HolidaySource.ADMIN
        moved = bank_holiday_save(holiday=obj, now=timezone.now())
        self._report(request, moved)

    def delete_model(self, request: HttpRequest, obj: BankHoliday) -> None:
        self._report(request, bank_holiday_delete(holidays=[obj], now=timezone.now()))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[BankHoliday]) -> None:
        self._report(request, bank_holiday_delete(holidays=list(queryset), now=timezone.now()))

    def _report(self, request: HttpRequest, moved: int) -> None:
        self.message_user(
            request, f"{moved} open working-day deadlines recomputed.", level=messages.INFO
        )


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    """Read-only: deadlines change only through transitions, pauses and the scanner."""

    list_display = [
        "case",
        "policy",
        "status",
        "due_at",
        "responsible_agency",
        "escalation_level",
        "paused_at",
        "scan_failures",
    ]
    list_filter = ["status", "escalation_level", "policy__kind", "policy", "responsible_agency"]
    search_fields = ["case__reference", "policy__code"]
    list_select_related = ["case", "policy", "responsible_agency"]
    date_hierarchy = "due_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
