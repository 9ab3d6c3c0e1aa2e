"""An article file (+ curated cards) → database, idempotent, in one transaction.

Formats: plain text, Markdown, a saved web page or a Word file, detected from the content and the
extension (quizzes.content.parsing.formats); the report says which was used and lists the
reader's warnings.

Identity: the article the caller names (the admin asks which one), else the article whose slug
is the document's title (its lone top heading) or file name; topics by ``Topic.key`` within the
article, lessons by ``Lesson.key`` within their topic, cards by ``Card.key`` (quizzes.articles and
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

Nothing is deleted or archived unless the caller asks for it with ``prune=True`` (the command's
``--prune``, the admin's checkbox): without it, what left the file (topics, lessons, cards, FAQ
entries, references) is listed as held back and stays. A file without any FAQ or references never
wipes the article's: that is a warning, with or without pruning.

Curated cards are managed only when a curated cards file is given; importing the article alone
leaves them as they are.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.db import transaction

from quizzes.content.cardgen import CardDraft, generate_cards
from quizzes.content.models import Article
from quizzes.content.parsing.formats import decode_utf8, parse_document
from quizzes.content.parsing.text import _unique
from quizzes.content.parsing.tree import ArticleFormatError, ParsedArticle, normalise_text
from quizzes.content.services.curated import parse_curated_cards, resolve_curated_cards
from quizzes.content.services.import_report import ArticleImportError, ImportReport
from quizzes.content.services.import_writer import ImportWriter


# --- reading files -------------------------------------------------------------------------------
def decode_text(data: bytes, *, name: str) -> str:
    """UTF-8 (with or without BOM) → str; binary, non-UTF-8 or empty input is an import error."""
    try:
        return decode_utf8(data)
    except ArticleFormatError as error:
        raise ArticleImportError(f"{name} {error}") from error


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise ArticleImportError(f"{path} does not exist")
    if path.is_dir():
        raise ArticleImportError(f"{path} is a directory, not an article file")
    try:
        return path.read_bytes()
    except OSError as error:
        raise ArticleImportError(f"{path} cannot be read ({error.strerror})") from error


def _read(path: Path) -> str:
    return decode_text(_read_bytes(path), name=str(path))


def curated_cards_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.cards.json")


def import_article_file(
    path: Path, *, dry_run: bool = False, prune: bool = False, article: Article | None = None
) -> ImportReport:
    """Import an article file and the curated cards in ``<stem>.cards.json`` beside it, if any."""
    path = Path(path)
    data = _read_bytes(path)
    cards_path = curated_cards_path(path)
    curated = _read(cards_path) if cards_path.exists() else None
    return import_article_data(
        data=data,
        source_name=path.name,
        curated_cards=curated,
        dry_run=dry_run,
        prune=prune,
        article=article,
        curated_name=str(cards_path),
        display_name=str(path),
    )


def import_article_text(*, text: str, **options: Any) -> ImportReport:
    """import_article_data for text already in memory (tests, callers holding a str)."""
    return import_article_data(data=text.encode("utf-8"), **options)


def _drafts(
    parsed: ParsedArticle, *, curated_cards: str | None, curated_name: str
) -> tuple[list[CardDraft] | None, list[CardDraft]]:
    """The curated drafts (None without a curated file: the imported ones stay as they are) and
    the generated drafts, whose keys must not clash."""
    curated = None
    if curated_cards is not None:
        curated = resolve_curated_cards(
            parse_curated_cards(curated_cards, name=curated_name), parsed, name=curated_name
        )
    curated_keys = {draft.key for draft in curated or []}
    generated = generate_cards(parsed)
    clash = next((draft.key for draft in generated if draft.key in curated_keys), None)
    if clash:
        raise ArticleImportError(f"curated card key {clash} is also a generated card's key")
    return curated, generated


def import_article_data(
    *,
    data: bytes,
    source_name: str,
    curated_cards: str | None = None,
    dry_run: bool = False,
    prune: bool = False,
    article: Article | None = None,
    new_article: bool = False,
    curated_name: str | None = None,
    display_name: str | None = None,
    uploaded_by: Any = None,
) -> ImportReport:
    """Parse, generate and write one article in a single transaction; a dry run rolls back.

    `article` is the article to update whatever the file is called; `new_article` makes a new one
    even when an article of the same title exists. Neither: the article of the file's slug.
    `uploaded_by` is the instructor uploading in the admin (curated cards then follow the sign-off
    rule); None is the import command, run by an operator.
    """
    display_name = display_name or source_name
    if not data.strip():
        raise ArticleImportError(f"{display_name} is empty")
    try:
        parsed = parse_document(data, source_name=source_name)
    except ArticleFormatError as error:
        raise ArticleImportError(f"{display_name} {error}") from error
    _place(parsed, article=article, new_article=new_article)
    curated, generated = _drafts(
        parsed,
        curated_cards=curated_cards,
        curated_name=curated_name or f"{Path(source_name).stem}.cards.json",
    )
    _check_lengths(parsed, display_name)

    report = ImportReport(
        source_name=source_name,
        article_title=parsed.title,
        article_slug=parsed.slug,
        dry_run=dry_run,
    )
    report.format, report.format_reason = parsed.format, parsed.format_reason
    report.warnings = list(parsed.warnings)
    report.pruning = prune
    content_hash = _content_hash(data)
    with transaction.atomic():
        writer = ImportWriter(
            parsed,
            report,
            source_name=source_name,
            content_hash=content_hash,
            prune=prune,
            uploaded_by=uploaded_by,
        )
        writer.write(curated=curated, generated=generated)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _content_hash(data: bytes) -> str:
    """SHA-256 of the text (line endings and BOM aside), or of the bytes of a binary file."""
    try:
        text = normalise_text(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return hashlib.sha256(data).hexdigest()
    return hashlib.sha256(text.encode()).hexdigest()


def _place(parsed: ParsedArticle, *, article: Article | None, new_article: bool) -> None:
    """Point the parsed article at the article it updates (its slug keys every card)."""
    if article is not None:
        parsed.slug = article.slug
        if not parsed.title_from_document:
            parsed.title = article.title
    elif new_article:
        taken = set(
            Article.objects.filter(slug__startswith=parsed.slug).values_list("slug", flat=True)
        )
        parsed.slug = _unique(parsed.slug, taken)


def _check_lengths(parsed: ParsedArticle, name: str) -> None:
    for topic in parsed.topics:
        if len(topic.title) > 300:
            raise ArticleImportError(
                f"{name}: heading longer than 300 characters: {topic.title[:60]}…"
            )
