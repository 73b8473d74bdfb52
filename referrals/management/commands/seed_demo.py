from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from partners.demo import seed_partnership
from referrals.demo import seed_demo_cases


class Command(BaseCommand):
    help = (
        "Create the fictional demo partnership (wards, agencies, users), its default routing "
        "rules and 300 demo cases in every state of every workflow. Idempotent: a second run "
        "adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-cases",
            action="store_true",
            help="Only the partnership and users: no routing rules or demo cases.",
        )

    def handle(self, *args: Any, no_cases: bool, **options: Any) -> None:
        created = seed_partnership(password=str(settings.DEMO_PASSWORD))
        if not no_cases:
            try:
                created |= seed_demo_cases()
            except (LookupError, RuntimeError) as exc:
                raise CommandError(str(exc)) from exc
        summary = ", ".join(f"{n} {what}" for what, n in created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo partnership ready (created {summary})."))
