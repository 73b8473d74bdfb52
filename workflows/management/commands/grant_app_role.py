from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from workflows.audit import AppRoleRefused, app_role_grant


class Command(BaseCommand):
    help = (
        "Grant the database role the service runs as (web, worker, beat) what it needs and "
        "no more: data changes on every table except UPDATE, DELETE and TRUNCATE on the "
        "append-only audit tables. Run as the tables' owner after every migrate. "
        "PostgreSQL only; see docs/operations.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the application's role, e.g. csp_app")

    def handle(self, *args: Any, role: str, **options: Any) -> None:
        try:
            with transaction.atomic():
                statements = app_role_grant(role=role)
        except AppRoleRefused as exc:
            raise CommandError(str(exc)) from exc
        for sql in statements:
            self.stdout.write(f"{sql};")
        self.stdout.write(self.style.SUCCESS(f"OK: '{role}' may change data, not the audit trail."))
