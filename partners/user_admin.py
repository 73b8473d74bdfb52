"""The admin's user pages: a user who has acted can be deactivated, never deleted.

Their audit entries name them as the actor. Deleting the user would null that column on
rows the append-only trigger protects (and the seal chains cover), so the delete page and
the "delete selected" action list the history as a reason that blocks the deletion, in
the admin's own "protected objects" form, and say what to do instead.
"""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin  # importing it registers the default
from django.db.models import Count
from django.http import HttpRequest

User = get_user_model()


class CaseworkUserAdmin(UserAdmin):
    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        users = list(objs)
        acted = dict(
            LogEntry.objects.filter(actor__in=users)
            .values("actor")
            .annotate(n=Count("pk"))
            .values_list("actor", "n")
        )
        for user in users:
            if acted.get(user.pk):
                protected = [
                    *protected,
                    f"{user.get_username()}: named as the actor of {acted[user.pk]} audit "
                    "entries, which are kept for ever. Audit history cannot be deleted: "
                    "deactivate the account instead (untick “Active” on its page).",
                ]
        return deleted, counts, perms_needed, protected


admin.site.unregister(User)
admin.site.register(User, CaseworkUserAdmin)
