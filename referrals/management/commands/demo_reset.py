from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection


class Command(BaseCommand):
    help = (
        "Development only (DEBUG=true): delete everything in the database, then migrate and "
        "seed the demo afresh. `make demo-reset` runs it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask before deleting everything."
        )

    def handle(self, *args: Any, yes: bool, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "demo_reset deletes every table in the database: it runs only with DEBUG=true "
                "(development), never in production."
            )
        name = connection.settings_dict["NAME"]
        question = f"Delete everything in {name} and seed the demo again? [y/N] "
        if not yes and input(question).strip().lower() not in ("y", "yes"):
            raise CommandError("Nothing deleted.")
        tables = connection.introspection.table_names()
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for table in tables:
                    cursor.execute(f"DROP TABLE IF EXISTS {quote(table)} CASCADE")
            else:
                cursor.execute("PRAGMA foreign_keys = OFF")
                for table in tables:
                    cursor.execute(f"DROP TABLE IF EXISTS {quote(table)}")
                cursor.execute("PRAGMA foreign_keys = ON")
        self.stdout.write(f"Deleted {len(tables)} tables from {name}.")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo", stdout=self.stdout, stderr=self.stderr)
