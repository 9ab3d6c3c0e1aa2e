"""Article text (+ curated cards) → database, idempotent, in one transaction.

Identity: the article by the slug of its file name, topics by ``Topic.key`` within the article,
lessons by ``Lesson.key`` within their topic, cards by ``Card.key`` (quizzes.articles and
quizzes.cardgen say how keys are made). Rows are updated in place, so ids and learner progress
survive re-imports.

Who owns a row: every topic, lesson and card the importer writes carries ``import_fingerprint``,
a hash of its fields as written. A row whose fields no longer match its fingerprint was changed
by an instructor (published, edited, archived, moved, reordered) and later imports leave it as it
is, reporting it "kept". Rows added in the admin have no fingerprint and are never touched (one
that already holds exactly what the importer would write is adopted). Otherwise:

- a card whose fact is still in the article (or curated file) is updated to match it;
- a card whose fact disappeared is deleted if nobody has studied it (no MemoryState, ReviewLog or
  quiz question, not in a module's question pool) and archived if somebody has or an instructor
  changed it; an archived card the importer left untouched comes back if its fact returns;
- a lesson or topic that disappeared is deleted if the importer wrote it, nobody changed it since
  and no cards (or training module, or lessons written in the admin) still use it.

Curated cards are managed only when a curated cards file is given; importing the article alone
leaves them as they are.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.db import transaction

from quizzes.content.cardgen import generate_cards
from quizzes.content.parsing.text import parse_article
from quizzes.content.parsing.tree import ArticleFormatError, ParsedArticle, normalise_text
from quizzes.content.services.curated import parse_curated_cards, resolve_curated_cards
from quizzes.content.services.import_report import ArticleImportError, ImportReport
from quizzes.content.services.import_writer import ImportWriter

# What the importer writes to topics and lessons; their fingerprints hash exactly these.


# --- reading files -------------------------------------------------------------------------------
def decode_text(data: bytes, *, name: str) -> str:
    """UTF-8 (with or without BOM) → str; binary, non-UTF-8 or empty input is an import error."""
    if b"\x00" in data:
        raise ArticleImportError(f"{name} is not UTF-8 text (it contains binary data)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArticleImportError(f"{name} is not UTF-8 text") from error
    if not text.strip():
        raise ArticleImportError(f"{name} is empty")
    return text


def _read(path: Path) -> str:
    if not path.exists():
        raise ArticleImportError(f"{path} does not exist")
    if path.is_dir():
        raise ArticleImportError(f"{path} is a directory, not an article file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ArticleImportError(f"{path} cannot be read ({error.strerror})") from error
    return decode_text(data, name=str(path))


def curated_cards_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.cards.json")


def import_article_file(path: Path, *, dry_run: bool = False) -> ImportReport:
    """Import an article file and the curated cards in ``<stem>.cards.json`` beside it, if any."""
    path = Path(path)
    text = _read(path)
    cards_path = curated_cards_path(path)
    curated = _read(cards_path) if cards_path.exists() else None
    return import_article_text(
        text=text,
        source_name=path.name,
        curated_cards=curated,
        dry_run=dry_run,
        curated_name=str(cards_path),
        display_name=str(path),
    )


def import_article_text(
    *,
    text: str,
    source_name: str,
    curated_cards: str | None = None,
    dry_run: bool = False,
    curated_name: str | None = None,
    display_name: str | None = None,
    uploaded_by: Any = None,
) -> ImportReport:
    """Parse, generate and write one article in a single transaction; a dry run rolls back.

    `uploaded_by` is the instructor uploading in the admin (curated cards then follow the sign-off
    rule); None is the import command, run by an operator."""
    display_name = display_name or source_name
    if not normalise_text(text).strip():
        raise ArticleImportError(f"{display_name} is empty")
    try:
        parsed = parse_article(text, source_name=source_name)
    except ArticleFormatError as error:
        raise ArticleImportError(f"{display_name} {error}") from error
    drafts = []
    if curated_cards is not None:
        name = curated_name or f"{Path(source_name).stem}.cards.json"
        drafts += resolve_curated_cards(
            parse_curated_cards(curated_cards, name=name), parsed, name=name
        )
    curated_keys = {draft.key for draft in drafts}
    generated = generate_cards(parsed)
    clash = next((draft.key for draft in generated if draft.key in curated_keys), None)
    if clash:
        raise ArticleImportError(f"curated card key {clash} is also a generated card's key")
    _check_lengths(parsed, display_name)

    report = ImportReport(source_name=source_name, article_title=parsed.title, dry_run=dry_run)
    content_hash = hashlib.sha256(normalise_text(text).encode()).hexdigest()
    with transaction.atomic():
        ImportWriter(
            parsed,
            report,
            source_name=source_name,
            content_hash=content_hash,
            uploaded_by=uploaded_by,
        ).write(curated=drafts if curated_cards is not None else None, generated=generated)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _check_lengths(parsed: ParsedArticle, name: str) -> None:
    for topic in parsed.topics:
        if len(topic.title) > 300:
            raise ArticleImportError(
                f"{name}: heading longer than 300 characters: {topic.title[:60]}…"
            )
