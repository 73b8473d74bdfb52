from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from workflows.diagrams import diagrams_write, stale_files


class Command(BaseCommand):
    help = (
        "Write docs/workflows/<kind>.mmd (Mermaid) from the state machines and refresh the "
        "diagrams embedded in docs/workflows.md. --check only reports whether they are stale."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        docs = Path(settings.BASE_DIR) / "docs"
        parser.add_argument("--directory", type=Path, default=docs / "workflows")
        parser.add_argument("--markdown", type=Path, default=docs / "workflows.md")
        parser.add_argument(
            "--check", action="store_true", help="Change nothing; fail if a file is stale."
        )

    def handle(
        self, *args: Any, directory: Path, markdown: Path, check: bool, **options: Any
    ) -> None:
        if not markdown.exists():
            raise CommandError(f"{markdown} does not exist.")
        if check:
            stale = stale_files(directory=directory, markdown=markdown)
            if stale:
                raise CommandError(
                    "Stale workflow diagrams (run `python manage.py workflow_diagrams`): "
                    + ", ".join(str(p) for p in stale)
                )
            self.stdout.write(self.style.SUCCESS("Workflow diagrams are up to date."))
            return
        changed = diagrams_write(directory=directory, markdown=markdown)
        for path in changed:
            self.stdout.write(f"wrote {path}")
        self.stdout.write(self.style.SUCCESS(f"Workflow diagrams ready ({len(changed)} changed)."))
