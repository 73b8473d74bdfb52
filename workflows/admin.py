"""Admin for workflow records: all read-only. They are written by the services alone."""

from __future__ import annotations

from django.contrib import admin

from cases.admin import LogsCaseViewsMixin, ReadOnlyAdminMixin
from workflows.models import AuditSeal, MaracReferral, RiskAssessment, TransitionLog


@admin.register(TransitionLog)
class TransitionLogAdmin(LogsCaseViewsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "seq", "transition", "source", "target", "actor", "actor_agency", "at"]
    list_filter = ["transition", "target"]
    search_fields = ["case__reference"]
    list_select_related = ["case", "actor", "actor_agency"]
    date_hierarchy = "at"


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(LogsCaseViewsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "score", "risk", "professional_judgement", "escalation", "assessed_at"]
    list_filter = ["risk", "escalation"]
    search_fields = ["case__reference"]
    list_select_related = ["case"]


@admin.register(MaracReferral)
class MaracReferralAdmin(LogsCaseViewsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "dash_score", "referred_by", "referred_at", "heard_at"]
    search_fields = ["case__reference"]
    list_select_related = ["case", "referred_by"]


@admin.register(AuditSeal)
class AuditSealAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "seq", "log_entry", "hash"]
    search_fields = ["case__reference"]
    list_select_related = ["case", "log_entry"]
