"""Admin for referrals (read-only: raised through ``referral_raise``) and routing rules."""

from __future__ import annotations

from django.contrib import admin

from cases.admin import LogsCaseViewsMixin, ReadOnlyAdminMixin
from referrals.models import Referral, RoutingRule


@admin.register(Referral)
class ReferralAdmin(LogsCaseViewsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "kind", "category", "ward", "raising_agency", "created_at"]
    list_filter = ["kind", "raising_agency"]
    search_fields = ["reference", "case__reference"]
    list_select_related = ["ward", "raising_agency"]
    date_hierarchy = "created_at"
    exclude = ["location_key"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """Configuration, edited here; every change is in the audit log with its actor."""

    list_display = ["kind", "category", "ward", "agency", "priority", "is_active"]
    list_filter = ["kind", "is_active", "agency"]
    list_editable = ["priority", "is_active"]
    search_fields = ["category", "agency__name"]
    autocomplete_fields = ["ward", "agency"]
