from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from workflows.audit import audit_verify


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = (
        "Recompute every case's transition-log and audit-seal hash chains and the global "
        "seal chain, and hold each case row (state, lead agency, version) to its chain's "
        "last row. Prints OK with counts, or each problem found, and then exits non-zero."
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
                f"{_n(report.transition_rows, 'transition log row')}, "
                f"{_n(report.seals, 'case audit seal')} and "
                f"{_n(report.global_seals, 'global audit seal')} verified; every audit entry "
                "is sealed and every case row matches its chain."
            )
        )
