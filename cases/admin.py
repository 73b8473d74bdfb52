"""Admin for cases: read-only. Cases change only through the services (STYLE rule 2).

An edit here would skip the version bump, the transition log and the outbox event, so
the admin shows cases and never changes them; ``state`` in particular moves only through
``workflows.actions.case_transition``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.template.response import TemplateResponse

from cases.models import Case, CaseAgency, CaseReferrer, Subject, SupportNeed
from cases.services import case_viewed


class ReadOnlyAdminMixin:
    """No add, change or delete: the rows are records, written by services only."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LogsCaseViewsMixin:
    """Opening a row that belongs to a VAWG case in the admin is logged like any read."""

    def case_of(self, obj: Any) -> Case | None:
        case: Case | None = getattr(obj, "case", None)
        return case

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Model | None = None,
    ) -> TemplateResponse:
        if obj is not None and not add and request.method == "GET":
            case = self.case_of(obj)
            if case is not None:
                case_viewed(case=case, by=request.user)
        response: TemplateResponse = super().render_change_form(  # type: ignore[misc]
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )
        return response


class _ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    show_change_link = False


class CaseAgencyInline(_ReadOnlyInline):
    model = CaseAgency


class CaseReferrerInline(_ReadOnlyInline):
    model = CaseReferrer


class SubjectInline(_ReadOnlyInline):
    model = Subject
    exclude = ["name_key"]


class SupportNeedInline(_ReadOnlyInline):
    model = SupportNeed


@admin.register(Case)
class CaseAdmin(LogsCaseViewsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "reference",
        "kind",
        "category",
        "state",
        "risk",
        "responsible_agency",
        "opened_at",
    ]
    list_filter = ["kind", "state", "risk", "responsible_agency"]
    search_fields = ["reference"]
    list_select_related = ["responsible_agency"]
    date_hierarchy = "opened_at"
    inlines = [CaseAgencyInline, CaseReferrerInline, SubjectInline, SupportNeedInline]

    def case_of(self, obj: Any) -> Case | None:
        return obj if isinstance(obj, Case) else None
