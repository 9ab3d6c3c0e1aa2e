"""What an import did, or would do in a dry run, and why it could not be done."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    dry_run: bool = False
    created: dict[str, int] = field(default_factory=_counter)
    updated: dict[str, int] = field(default_factory=_counter)
    archived: dict[str, int] = field(default_factory=_counter)
    deleted: dict[str, int] = field(default_factory=_counter)
    kept: dict[str, int] = field(default_factory=_counter)
    unchanged: dict[str, int] = field(default_factory=_counter)
    changes: list[str] = field(default_factory=list)

    def note(self, bucket: str, model: str, line: str | None = None) -> None:
        getattr(self, bucket)[model] += 1
        if line:
            self.changes.append(line)

    @property
    def changed(self) -> int:
        """Rows created, updated, archived or deleted; 0 means the database already matched."""
        buckets = (self.created, self.updated, self.archived, self.deleted)
        return sum(sum(bucket.values()) for bucket in buckets)

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        lines = [f'{self.source_name}: {verb} "{self.article_title}"']
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
        return "\n".join(lines)
