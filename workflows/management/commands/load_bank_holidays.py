from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from workflows.calendar import parse_govuk_bank_holidays
from workflows.models import HolidaySource
from workflows.sla import bank_holidays_load


class Command(BaseCommand):
    help = (
        "Load bank holidays from a GOV.UK bank-holidays JSON file (https://www.gov.uk/"
        "bank-holidays.json). The years in the file are replaced; open working-day "
        "deadlines are recomputed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="Path to the GOV.UK JSON document.")
        parser.add_argument(
            "--division",
            default="england-and-wales",
            help="Division to load (default: england-and-wales).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            document = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
        try:
            holidays = parse_govuk_bank_holidays(document, division=options["division"])
            result = bank_holidays_load(
                holidays=holidays, source=HolidaySource.GOVUK, now=timezone.now()
            )
        except ValueError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        years = sorted({d.year for d in holidays})
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(holidays)} bank holidays for {years[0]}-{years[-1]}: "
                f"{result.created} added, {result.updated} updated, {result.removed} removed; "
                f"{result.recomputed} open deadlines recomputed."
            )
        )
