from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from cases.audit import SystemCommand
from cases.models import Case
from notifications.demo import seed_demo_endpoints
from notifications.models import Endpoint
from notifications.services import outbox_bulk_load, outbox_mark_historical
from partners.demo import seed_demo_admin, seed_partnership
from referrals.demo import seed_demo_cases
from workflows.actions import deadlines_scan
from workflows.sla import sla_demo_deadline_soon


class Command(SystemCommand):
    help = (
        "Create the fictional demo partnership (wards, agencies, users), its default routing "
        "rules and 300 demo cases in every state of every workflow; with DEBUG on, the admin "
        "account too. Idempotent: a second run adds nothing, and demo cases somebody has "
        "changed are left as they are (one INFO line each). --demo-deadline also starts a "
        "one-minute deadline (make run uses it) so a breach notification follows shortly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-cases",
            action="store_true",
            help="Only the partnership and users: no routing rules or demo cases.",
        )
        parser.add_argument(
            "--demo-deadline",
            action="store_true",
            help="Start a deadline that breaches a minute from now on a reported ASB case.",
        )

    def handle(self, *args: Any, no_cases: bool, demo_deadline: bool, **options: Any) -> None:
        created = seed_partnership(password=str(settings.DEMO_PASSWORD))
        if settings.DEBUG:
            # A superuser whose password is the demo's: development only (make run), never
            # where DEBUG is off (compose seeds the demo too).
            created |= seed_demo_admin(password=str(settings.DEMO_PASSWORD))
        if not no_cases:
            try:
                with outbox_bulk_load():
                    created |= seed_demo_cases()
            except (LookupError, RuntimeError) as exc:
                raise CommandError(str(exc)) from exc
            if not Endpoint.objects.exists():
                # The demo's history is loaded, not lived: the deadlines it left overdue
                # are settled now, as the scanner would have settled them (else the first
                # scan breaches dozens at once), and nobody is notified of any of it.
                with outbox_bulk_load():
                    deadlines_scan()
                outbox_mark_historical(before=timezone.now(), reason="demo history")
            created |= seed_demo_endpoints(webhook_base_url=settings.NOTIFICATIONS_DEMO_WEBHOOK_URL)
        skipped = created.pop("skipped", 0)
        summary = ", ".join(f"{n} {what}" for what, n in created.items())
        if skipped:
            summary += f"; {skipped} demo cases changed by hand left as they are"
        self.stdout.write(self.style.SUCCESS(f"Demo partnership ready (created {summary})."))
        case = Case.objects.open().filter(kind="asb", state="reported").order_by("pk").first()
        if demo_deadline and case is not None:
            deadline = sla_demo_deadline_soon(case)
            self.stdout.write(
                f"Demo deadline on {case.reference} breaches at {deadline.due_at:%H:%M:%S} UTC."
            )
