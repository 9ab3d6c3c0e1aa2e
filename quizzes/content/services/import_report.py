"""What an import did, or would do in a dry run, and why it could not be done."""

from __future__ import annotations

from dataclasses import dataclass, field

from quizzes.content.parsing.formats import FORMAT_NAMES

MODELS = ("Article", "Topic", "Lesson", "Card")
KEPT_REASONS = {
    "Article": "changed by an instructor",
    "Topic": "changed by an instructor or still in use",
    "Lesson": "changed by an instructor or still in use",
    "Card": "changed by an instructor",
}


class ArticleImportError(ValueError):
    """The article or its curated cards cannot be imported; the message is one line."""


def _counter() -> dict[str, int]:
    return dict.fromkeys(MODELS, 0)


@dataclass
class ImportReport:
    source_name: str
    article_title: str = ""
    article_slug: str = ""
    dry_run: bool = False
    created: dict[str, int] = field(default_factory=_counter)
    updated: dict[str, int] = field(default_factory=_counter)
    archived: dict[str, int] = field(default_factory=_counter)
    deleted: dict[str, int] = field(default_factory=_counter)
    kept: dict[str, int] = field(default_factory=_counter)
    unchanged: dict[str, int] = field(default_factory=_counter)
    # Rows that left the file but stay, because deleting or archiving needs prune=True.
    held: dict[str, int] = field(default_factory=_counter)
    changes: list[str] = field(default_factory=list)
    held_back: list[str] = field(default_factory=list)
    format: str = "text"
    format_reason: str = ""
    warnings: list[str] = field(default_factory=list)
    pruning: bool = False
    # The diff an instructor reads before confirming: lessons by "Topic › Lesson" title, and the
    # cards whose source passage no longer reads as the card quotes it.
    lessons: dict[str, list[str]] = field(
        default_factory=lambda: {"added": [], "changed": [], "removed": []}
    )
    source_changed: list[str] = field(default_factory=list)

    def note(self, bucket: str, model: str, line: str | None = None) -> None:
        getattr(self, bucket)[model] += 1
        if line:
            self.changes.append(line)

    def hold(self, model: str | None, line: str) -> None:
        """Something left the file and stays until an import with prune=True removes it."""
        if model:
            self.held[model] += 1
        self.held_back.append(line)

    @property
    def format_name(self) -> str:
        return FORMAT_NAMES.get(self.format, self.format)

    @property
    def changed(self) -> int:
        """Rows created, updated, archived or deleted; 0 means the database already matched."""
        buckets = (self.created, self.updated, self.archived, self.deleted)
        return sum(sum(bucket.values()) for bucket in buckets)

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        lines = [f'{self.source_name}: {verb} "{self.article_title}"']
        lines.append(f"  Format:  {self.format_reason or self.format_name}")
        for model in MODELS:
            counts = [
                f"{self.created[model]} created",
                f"{self.updated[model]} updated",
                f"{self.archived[model]} archived",
                f"{self.deleted[model]} deleted",
                f"{self.unchanged[model]} unchanged",
            ]
            if self.kept[model]:
                counts.append(f"{self.kept[model]} kept ({KEPT_REASONS[model]})")
            lines.append(f"  {model + ':':<9}{', '.join(counts)}")
        if self.held_back:
            lines.append(
                f"  Held back: {len(self.held_back)} left the file but stay "
                "(--prune deletes or archives them)"
            )
        return "\n".join(lines)
