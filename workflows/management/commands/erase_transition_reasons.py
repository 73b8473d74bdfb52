from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils import timezone

from cases.models import Case
from workflows.models import LONDON
from workflows.retention import ReasonErasure, transition_reasons_erase


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


class Command(BaseCommand):
    help = (
        "Erase the free-text reasons of transition log rows written before a date (London "
        "midnight), of cases closed before it, or of one case with --case. Each row keeps "
        "its reason's digest, so the chains still verify; history shows when a reason was "
        "erased. Rows written before reason digests are kept. Run as the tables' owner: "
        "the app role may not UPDATE audit tables (docs/operations.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--before", required=True, help="YYYY-MM-DD (London)")
        parser.add_argument("--case", help="a case reference: this case only, open or closed")
        parser.add_argument("--dry-run", action="store_true", help="count, erase nothing")

    def handle(
        self, *args: Any, before: str, case: str | None, dry_run: bool, **options: Any
    ) -> None:
        try:
            day = date.fromisoformat(before)
        except ValueError:
            raise CommandError(f"--before: give a date as YYYY-MM-DD, not '{before}'") from None
        tomorrow = timezone.now().astimezone(LONDON).date() + timedelta(days=1)
        if day > tomorrow:
            raise CommandError(f"--before: {day} is in the future (the latest is {tomorrow})")
        target = None
        if case is not None:
            target = Case.objects.filter(reference=case.strip().upper()).first()
            if target is None:
                raise CommandError(f"--case: no case {case.strip().upper()}")
        try:
            result = transition_reasons_erase(before=day, case=target, dry_run=dry_run)
        except DatabaseError as exc:
            raise CommandError(
                f"the database refused the erasure ({exc}); run this command as the tables' "
                "owner (docs/operations.md)"
            ) from exc
        scope = f"case {target.reference}" if target is not None else "closed cases only"
        self.stdout.write(self._summary(result, f"written before {_day(day)}, {scope}", dry_run))

    def _summary(self, result: ReasonErasure, scope: str, dry_run: bool) -> str:
        verb = "Dry run: would erase" if dry_run else "Erased"
        return (
            f"{verb} {_n(result.erased, 'transition log reason')} in "
            f"{_n(result.cases, 'case')} ({scope}); {result.already_erased} already erased, "
            f"{result.kept} kept (written before reason digests)."
        )
