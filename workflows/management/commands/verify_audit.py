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
        "last row; hold each transition reason to its digest (an erased reason is counted, "
        "not a problem). Prints OK with counts, or each problem found, and then exits non-zero."
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
        # Erased reasons are retention, not tampering: counted, and only shown when there are.
        erased = (
            f" ({_n(report.erased_reasons, 'reason')} erased for retention)"
            if report.erased_reasons
            else ""
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"OK: {_n(report.cases, 'case')}, "
                f"{_n(report.transition_rows, 'transition log row')}{erased}, "
                f"{_n(report.seals, 'case audit seal')} and "
                f"{_n(report.global_seals, 'global audit seal')} verified; every audit entry "
                "is sealed and every case row matches its chain."
            )
        )
