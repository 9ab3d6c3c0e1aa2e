"""Import an article file (and its curated cards) into topics, lessons and cards."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quizzes.content.models import Article
from quizzes.content.services.importing import (
    ArticleImportError,
    curated_cards_path,
    import_article_file,
)


class Command(BaseCommand):
    help = (
        "Import an article (plain text, Markdown, a saved web page or a Word .docx) into topics, "
        "lessons and draft cards, plus the published curated cards in <name>.cards.json beside "
        "it. Safe to run repeatedly; --dry-run shows the changes. Nothing is deleted or archived "
        "without --prune."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", type=Path, help="Article file, e.g. content/bone-metastases.txt"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List the changes without writing anything."
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help="Delete or archive the topics, lessons, cards, FAQ entries and references that "
            "left the file (without it they are kept and listed).",
        )
        parser.add_argument(
            "--article",
            metavar="SLUG",
            help="Update this article whatever the file is called (e.g. an edited copy).",
        )

    def handle(self, *args: Any, path: Path, dry_run: bool, prune: bool, **options: Any) -> None:
        article = None
        if options.get("article"):
            article = Article.objects.filter(slug=options["article"]).first()
            if article is None:
                raise CommandError(f"no article with the slug {options['article']!r}")
        started = time.perf_counter()
        try:
            report = import_article_file(path, dry_run=dry_run, prune=prune, article=article)
        except ArticleImportError as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started
        self.stdout.write(report.summary())
        cards_path = curated_cards_path(path)
        if not cards_path.exists():
            self.stdout.write(f"  No {cards_path}: curated cards left as they are.")
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"  Warning: {warning}"))
        self._write_held_back(report)
        if dry_run:
            self.stdout.write("Changes:" if report.changes else "Changes: none")
            for line in report.changes:
                self.stdout.write(f"  {line}")
            self.stdout.write("Dry run: nothing was written.")
        else:
            self.stdout.write(f"Done in {elapsed:.2f} s.")

    def _write_held_back(self, report: Any) -> None:
        if not report.held_back:
            return
        self.stdout.write("Held back (not in the file; import again with --prune to remove):")
        for line in report.held_back:
            self.stdout.write(f"  {line}")
