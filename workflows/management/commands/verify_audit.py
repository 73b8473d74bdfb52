from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from workflows.audit import audit_verify


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = (
        "Recompute every case's transition-log and audit-seal hash chains. Prints OK with "
        "counts, or each broken chain's first bad link, and then exits non-zero."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
        for broken in report.breaks:
            self.stderr.write(f"BROKEN {broken}")
        if not report.ok:
            raise CommandError(
                f"audit trail verification failed: {_n(len(report.breaks), 'problem')} "
                f"in {_n(report.cases, 'case')}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"OK: {_n(report.cases, 'case')}, "
                f"{_n(report.transition_rows, 'transition log row')} and "
                f"{_n(report.seals, 'audit seal')} verified; every audit entry about a case "
                "is sealed."
            )
        )
