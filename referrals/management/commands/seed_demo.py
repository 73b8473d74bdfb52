from __future__ import annotations

from typing import Any

from django.conf import settings

from cases.audit import SystemCommand
from partners.demo import seed_partnership


class Command(SystemCommand):
    help = "Create the fictional demo partnership (idempotent): wards, agencies and users."

    def handle(self, *args: Any, **options: Any) -> None:
        created = seed_partnership(password=str(settings.DEMO_PASSWORD))
        summary = ", ".join(f"{n} {what}" for what, n in created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo partnership ready (created {summary})."))
