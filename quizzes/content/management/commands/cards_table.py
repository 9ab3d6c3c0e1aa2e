"""Print the published cards per topic and kind as a Markdown table (the README's table is this
command's output after `make run`'s import; a test checks that they agree)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from quizzes.content.models import CardKind
from quizzes.content.selectors import published_cards_table


def cards_table_markdown() -> str:
    """The table, a row per topic and a total row."""
    rows = published_cards_table()
    kinds = list(CardKind.values)
    columns = [*(f"kind_{kind}" for kind in kinds), "total", "critical", "notes"]
    header = ["Topic", *kinds, "total", "critical", "clinical notes"]
    lines = [
        "| " + " | ".join(header) + " |",
        "| --- |" + " ---: |" * (len(header) - 1),
    ]
    for row in rows:
        lines.append(f"| {row['title']} | " + " | ".join(str(row[c]) for c in columns) + " |")
    totals = [str(sum(row[column] for row in rows)) for column in columns]
    lines.append("| **All** | " + " | ".join(f"**{total}**" for total in totals) + " |")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Print published cards per topic and kind as a Markdown table."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(cards_table_markdown())
