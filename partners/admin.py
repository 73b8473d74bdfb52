from django.contrib import admin
from django.http import HttpRequest

from partners import user_admin  # noqa: F401  (registers the user admin)
from partners.models import Agency, ApiToken, Membership, Ward


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "email", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "created_at"]
    list_filter = ["role", "agency"]
    search_fields = ["user__username", "agency__name"]
    autocomplete_fields = ["user", "agency"]


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "local_authority_name"]
    search_fields = ["name", "code"]
    list_filter = ["local_authority_name"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens can be seen and revoked (deleted) here, never created or edited: a key is
    issued only by signing in, and only its digest is stored."""

    list_display = ["user", "prefix", "two_factor", "created_at", "last_used_at"]
    list_filter = ["two_factor"]
    search_fields = ["user__username"]
    fields = readonly_fields = ("user", "prefix", "two_factor", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
