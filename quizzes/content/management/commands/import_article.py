"""Import an article file (and its curated cards) into topics, lessons and cards."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quizzes.content.services.importing import (
    ArticleImportError,
    curated_cards_path,
    import_article_file,
)


class Command(BaseCommand):
    help = (
        "Import an article text file into topics, lessons and draft cards, plus the published "
        "curated cards in <name>.cards.json beside it. Safe to run repeatedly; --dry-run shows "
        "the changes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", type=Path, help="Article file, e.g. content/bone-metastases.txt"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List the changes without writing anything."
        )

    def handle(self, *args: Any, path: Path, dry_run: bool, **options: Any) -> None:
        started = time.perf_counter()
        try:
            report = import_article_file(path, dry_run=dry_run)
        except ArticleImportError as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started
        self.stdout.write(report.summary())
        cards_path = curated_cards_path(path)
        if not cards_path.exists():
            self.stdout.write(f"  No {cards_path}: curated cards left as they are.")
        if dry_run:
            self.stdout.write("Changes:" if report.changes else "Changes: none")
            for line in report.changes:
                self.stdout.write(f"  {line}")
            self.stdout.write("Dry run: nothing was written.")
        else:
            self.stdout.write(f"Done in {elapsed:.2f} s.")
