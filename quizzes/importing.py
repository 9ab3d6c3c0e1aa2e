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
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .articles import ArticleFormatError, ParsedArticle, normalise_text, parse_article, slugify
from .cardgen import CardDraft, generate_cards
from .models import (
    Article,
    AttemptQuestion,
    Card,
    CardKind,
    CardOrigin,
    CardStatus,
    Choice,
    Lesson,
    MemoryState,
    ModuleLesson,
    ReviewLog,
    Topic,
    TrainingModule,
)
from .services.authoring import cards_unlock_for_readers
from .validation import card_problems

MODELS = ("Article", "Topic", "Lesson", "Card")
KEPT_REASONS = {
    "Article": "changed by an instructor",
    "Topic": "changed by an instructor or still in use",
    "Lesson": "changed by an instructor or still in use",
    "Card": "changed by an instructor",
}
# What the importer writes to topics and lessons; their fingerprints hash exactly these.
TOPIC_FIELDS = ("kind", "number", "title", "slug", "position")
LESSON_FIELDS = ("topic_id", "title", "position", "body", "source_passage")
GENERATED_POSITIONS = 1000  # generated drafts sort after the curated cards of the same lesson
CURATED_VERSION = 1
CURATED_FIELDS = {
    "key": str,
    "topic": str,
    "lesson": (str, type(None)),
    "kind": str,
    "front": str,
    "back": str,
    "explanation": str,
    "critical": bool,
    "tags": list,
    "choices": list,
    "accepted_answers": list,
    "source": str,
}
KEY_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
CARD_FIELDS = (
    "topic_id",
    "lesson_id",
    "origin",
    "kind",
    "status",
    "front",
    "back",
    "explanation",
    "accepted_answers",
    "source_excerpt",
    "tags",
    "critical",
)


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
) -> ImportReport:
    """Parse, generate and write one article in a single transaction; a dry run rolls back."""
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
        _Writer(parsed, report, source_name=source_name, content_hash=content_hash).write(
            curated=drafts if curated_cards is not None else None, generated=generated
        )
        if dry_run:
            transaction.set_rollback(True)
    return report


def _check_lengths(parsed: ParsedArticle, name: str) -> None:
    for topic in parsed.topics:
        if len(topic.title) > 300:
            raise ArticleImportError(
                f"{name}: heading longer than 300 characters: {topic.title[:60]}…"
            )


# --- curated cards -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CuratedCard:
    draft: CardDraft
    topic: str
    lesson: str | None


def parse_curated_cards(text: str, *, name: str) -> list[CuratedCard]:
    """Validate the curated cards JSON strictly; every problem is a one-line ArticleImportError."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ArticleImportError(
            f"{name}: invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from error
    if not isinstance(data, dict) or set(data) != {"version", "cards"}:
        raise ArticleImportError(f'{name}: expected an object with exactly "version" and "cards"')
    if data["version"] != CURATED_VERSION:
        raise ArticleImportError(f"{name}: unsupported version {data['version']!r} (expected 1)")
    if not isinstance(data["cards"], list):
        raise ArticleImportError(f'{name}: "cards" must be a list')
    seen: set[str] = set()
    cards = []
    for number, raw in enumerate(data["cards"], start=1):
        label = f"{name}: card {number}"
        if isinstance(raw, dict) and isinstance(raw.get("key"), str):
            label += f" ({raw['key']})"
        card = _curated_card(raw, label)
        if card.draft.key in seen:
            raise ArticleImportError(f"{label}: duplicate key")
        seen.add(card.draft.key)
        cards.append(card)
    return cards


def _curated_card(raw: Any, label: str) -> CuratedCard:
    def fail(problem: str) -> ArticleImportError:
        return ArticleImportError(f"{label}: {problem}")

    if not isinstance(raw, dict):
        raise fail("must be an object")
    missing = [name for name in CURATED_FIELDS if name not in raw]
    if missing:
        raise fail(f"missing field {missing[0]!r}")
    unknown = sorted(set(raw) - set(CURATED_FIELDS))
    if unknown:
        raise fail(f"unknown field {unknown[0]!r}")
    for name, expected in CURATED_FIELDS.items():
        if not isinstance(raw[name], expected):
            raise fail(f"field {name!r} has the wrong type")
    for name in ("key", "topic", "front", "source"):
        if not raw[name].strip():
            raise fail(f"field {name!r} is empty")
    if not KEY_RE.match(raw["key"]) or len(raw["key"]) > 160:
        raise fail("key must be letters, digits, '-' or '_' (at most 160)")
    kind = raw["kind"]
    if kind not in CardKind.values:
        raise fail(f"kind {kind!r} is not one of {', '.join(CardKind.values)}")
    if not all(isinstance(tag, str) and tag.strip() for tag in raw["tags"]):
        raise fail("tags must be non-empty strings")
    if not all(isinstance(answer, str) and answer.strip() for answer in raw["accepted_answers"]):
        raise fail("accepted_answers must be non-empty strings")
    tags = ", ".join(tag.strip() for tag in raw["tags"])
    if len(tags) > 300:
        raise fail("tags are longer than 300 characters together")
    choices = _curated_choices(raw["choices"], fail)
    # Curated cards are published straight away, so they meet the rules the admin enforces when
    # an instructor publishes (one cloze parser, one set of choice rules). Every curated card is
    # tied to a lesson (its topic's introduction when "lesson" is null) or the import fails.
    problems = card_problems(
        kind=kind,
        front=raw["front"],
        explanation=raw["explanation"],
        has_lesson=True,
        choices=list(choices),
        publishing=True,
        back=raw["back"],
    )
    if problems:
        raise fail(" ".join(problems))
    draft = CardDraft(
        key=raw["key"],
        topic_key="",
        lesson_key=None,
        kind=kind,
        front=raw["front"],
        back=raw["back"],
        explanation=raw["explanation"],
        source_excerpt=raw["source"],
        choices=choices,
        accepted_answers=tuple(answer.strip() for answer in raw["accepted_answers"]),
        tags=tuple(tag.strip() for tag in raw["tags"]),
        critical=raw["critical"],
    )
    return CuratedCard(draft=draft, topic=raw["topic"], lesson=raw["lesson"])


def _curated_choices(raw_choices: list, fail: Any) -> tuple[tuple[str, bool], ...]:
    """The choices' shape; whether they suit the card's kind is validation.card_problems' call."""
    choices = []
    for position, choice in enumerate(raw_choices, start=1):
        if (
            not isinstance(choice, dict)
            or set(choice) != {"text", "correct"}
            or not isinstance(choice["text"], str)
            or not isinstance(choice["correct"], bool)
        ):
            raise fail(f'choice {position} must be {{"text": string, "correct": true/false}}')
        if not choice["text"].strip() or len(choice["text"]) > 500:
            raise fail(f"choice {position} text must be 1 to 500 characters")
        choices.append((choice["text"], choice["correct"]))
    return tuple(choices)


def resolve_curated_cards(
    cards: list[CuratedCard], parsed: ParsedArticle, *, name: str
) -> list[CardDraft]:
    """Attach curated cards to their topic and lesson; a source must be the lesson's own words."""
    by_title: dict[str, list] = {}
    for topic in parsed.topics:
        by_title.setdefault(_normal(topic.title), []).append(topic)
    drafts = []
    for card in cards:
        label = f"{name}: card {card.draft.key}"
        topics = by_title.get(_normal(card.topic), [])
        if not topics:
            raise ArticleImportError(f"{label}: topic {card.topic!r} is not in the article")
        if len(topics) > 1:
            raise ArticleImportError(f"{label}: topic {card.topic!r} is in the article twice")
        topic = topics[0]
        if card.lesson is None:
            lessons = [lesson for lesson in topic.lessons if lesson.is_intro]
            missing = f"{label}: topic {card.topic!r} has no introduction text"
        else:
            lessons = [
                lesson
                for lesson in topic.lessons
                if not lesson.is_intro and _normal(lesson.title) == _normal(card.lesson)
            ]
            missing = f"{label}: lesson {card.lesson!r} is not in topic {card.topic!r}"
        if not lessons:
            raise ArticleImportError(missing)
        lesson = lessons[0]
        if card.draft.source_excerpt not in lesson.source:
            raise ArticleImportError(
                f"{label}: source is not a verbatim excerpt of lesson {lesson.title!r}"
            )
        drafts.append(
            CardDraft(**{**card.draft.__dict__, "topic_key": topic.key, "lesson_key": lesson.key})
        )
    return drafts


def _normal(text: str) -> str:
    return " ".join(text.split())


# --- writing -------------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    # Saving a card in the admin turns "\n" into "\r\n" and strips ends; that is not an edit.
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def card_fingerprint(values: dict[str, Any], choices: list[tuple[str, bool]]) -> str:
    """Hash of what makes a card: its place, kind, status, texts and choices (not its position)."""
    payload = [_plain(values[name]) for name in CARD_FIELDS]
    payload.append([[_plain(text), correct] for text, correct in choices])
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def row_fingerprint(values: dict[str, Any]) -> str:
    """Hash of what the importer writes to a topic or lesson, position included."""
    payload = [[name, _plain(values[name])] for name in sorted(values)]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def _row_values(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in fields}


def _current_values(card: Card) -> tuple[dict[str, Any], list[tuple[str, bool]]]:
    values = {name: getattr(card, name) for name in CARD_FIELDS}
    choices = [(choice.text, choice.is_correct) for choice in card.choices.all()]
    return values, choices


class _Writer:
    def __init__(
        self, parsed: ParsedArticle, report: ImportReport, *, source_name: str, content_hash: str
    ) -> None:
        self.parsed = parsed
        self.report = report
        self.source_name = source_name
        self.content_hash = content_hash

    def write(self, *, curated: list[CardDraft] | None, generated: list[CardDraft]) -> None:
        article = self._article()
        topics = self._topics(article)
        lessons = self._lessons(topics)
        self._cards(article, topics, lessons, curated=curated, generated=generated)
        self._retire_lessons_and_topics(article, topics, lessons)

    # Article -----------------------------------------------------------------------------------
    def _article(self) -> Article:
        parsed = self.parsed
        wanted = {
            "title": parsed.title,
            "source_name": self.source_name,
            "content_hash": self.content_hash,
            "faq": [{"question": entry.question, "answer": entry.answer} for entry in parsed.faq],
            "references": list(parsed.references),
        }
        article = Article.objects.filter(slug=parsed.slug).first()
        if article is None:
            article = Article.objects.create(slug=parsed.slug, **wanted)
            self.report.note("created", "Article", f"create Article {parsed.slug}")
            return article
        changed = [name for name, value in wanted.items() if getattr(article, name) != value]
        if changed:
            for name in changed:
                setattr(article, name, wanted[name])
            article.save()
            self.report.note(
                "updated", "Article", f"update Article {parsed.slug} ({', '.join(changed)})"
            )
        else:
            self.report.note("unchanged", "Article")
        return article

    # Topics -------------------------------------------------------------------------------------
    def _topics(self, article: Article) -> dict[str, Topic]:
        existing = {topic.key: topic for topic in Topic.objects.filter(article=article)}
        wanted = {}
        for position, parsed in enumerate(self.parsed.topics):
            wanted[parsed.key] = {
                "kind": parsed.kind,
                "number": parsed.number,
                "title": parsed.title,
                "slug": slugify(f"{article.slug}-{parsed.key}", max_length=120),
                "position": position,
            }
        key_of_slug = {values["slug"]: key for key, values in wanted.items()}
        for topic_id, slug, title in Topic.objects.filter(slug__in=key_of_slug).values_list(
            "id", "slug", "title"
        ):
            owner = existing.get(key_of_slug[slug])
            if owner is None or owner.id != topic_id:
                # Another topic (of another article, or added in the admin) holds the address.
                raise ArticleImportError(
                    f"topic slug {slug} is already used by the topic {title!r}; "
                    "change that topic's slug in the admin, then import again"
                )
        return self._sync(
            Topic,
            existing,
            wanted,
            parent={"article": article},
            label=str,
            key_of=lambda t: t.key,
        )

    # Lessons ------------------------------------------------------------------------------------
    def _lessons(self, topics: dict[str, Topic]) -> dict[tuple[str, str], Lesson]:
        key_of_topic = {topic.id: key for key, topic in topics.items()}
        existing = {
            (key_of_topic[lesson.topic_id], lesson.key): lesson
            for lesson in Lesson.objects.filter(topic_id__in=key_of_topic)
        }
        wanted = {}
        for parsed_topic in self.parsed.topics:
            for position, parsed in enumerate(parsed_topic.lessons):
                wanted[(parsed_topic.key, parsed.key)] = {
                    "topic_id": topics[parsed_topic.key].id,
                    "title": parsed.title,
                    "position": position,
                    "body": parsed.body,
                    "source_passage": parsed.source,
                }
        return self._sync(
            Lesson,
            existing,
            wanted,
            parent={},
            label="/".join,
            key_of=lambda lesson: (key_of_topic[lesson.topic_id], lesson.key),
        )

    def _sync(
        self, model: Any, existing: dict, wanted: dict, *, parent: dict, label: Any, key_of: Any
    ) -> dict:
        """Create missing rows and update the importer's unchanged ones in bulk; returns every row.

        A row an instructor changed (or added in the admin) is kept exactly as it is.
        """
        name = model.__name__
        to_create, to_update, fields = [], [], {"import_fingerprint"}
        for key, values in wanted.items():
            fingerprint = row_fingerprint(values)
            row = existing.get(key)
            if row is None:
                row_key = key[1] if isinstance(key, tuple) else key
                to_create.append(
                    model(key=row_key, import_fingerprint=fingerprint, **parent, **values)
                )
                self.report.note("created", name, f"create {name} {label(key)}")
                continue
            current = row_fingerprint(_row_values(row, tuple(values)))
            if row.import_fingerprint and current != row.import_fingerprint:
                self.report.note(
                    "kept", name, f"keep {name} {label(key)} (changed by an instructor)"
                )
                continue
            if not row.import_fingerprint and current != fingerprint:
                self.report.note("kept", name, f"keep {name} {label(key)} (added in the admin)")
                continue
            if row.import_fingerprint == fingerprint:
                self.report.note("unchanged", name)
                continue
            changed = [f for f, value in values.items() if _plain(getattr(row, f)) != _plain(value)]
            for field_name, value in values.items():
                setattr(row, field_name, value)
            row.import_fingerprint = fingerprint
            fields.update(values)
            to_update.append(row)
            if changed:
                self.report.note(
                    "updated", name, f"update {name} {label(key)} ({', '.join(changed)})"
                )
            else:
                # A row from before fingerprints, already as the article has it: adopted.
                self.report.note("unchanged", name)
        created = model.objects.bulk_create(to_create)
        if to_update:
            model.objects.bulk_update(to_update, sorted(fields))
        rows = dict(existing)
        rows.update((key_of(row), row) for row in created)
        return rows

    # Cards --------------------------------------------------------------------------------------
    def _cards(
        self,
        article: Article,
        topics: dict[str, Topic],
        lessons: dict[tuple[str, str], Lesson],
        *,
        curated: list[CardDraft] | None,
        generated: list[CardDraft],
    ) -> None:
        # Without a curated cards file the curated cards already imported are left as they are:
        # a missing file is not a decision to withdraw them.
        origins = (
            [CardOrigin.GENERATED]
            if curated is None
            else [CardOrigin.GENERATED, CardOrigin.CURATED]
        )
        drafts = [(draft, CardOrigin.CURATED, CardStatus.PUBLISHED) for draft in curated or []]
        drafts += [(draft, CardOrigin.GENERATED, CardStatus.DRAFT) for draft in generated]
        keys = [draft.key for draft, _, _ in drafts]
        imported = Q(topic__article=article, origin__in=origins)
        existing = {
            card.key: card
            for card in Card.objects.filter(Q(key__in=keys) | (imported & Q(key__isnull=False)))
            .select_related("topic")
            .prefetch_related("choices")
        }
        foreign = next((c for c in existing.values() if c.topic.article_id != article.id), None)
        if foreign:
            raise ArticleImportError(f"card key {foreign.key} already belongs to another article")

        new_cards, new_choices, updated_cards, update_fields = [], [], [], {"position"}
        choice_updates, choice_deletes = [], []
        # Positions count within a lesson and origin (generated cards after curated ones), so a
        # new card shifts only its own lesson's cards of its own kind.
        next_position: dict[tuple[str, str, str | None], int] = {}
        for draft, origin, status in drafts:
            place = (draft.topic_key, draft.lesson_key)
            base = GENERATED_POSITIONS if origin == CardOrigin.GENERATED else 0
            position = next_position.get((origin, *place), base)
            next_position[(origin, *place)] = position + 1
            lesson = lessons[place] if draft.lesson_key else None
            values = {
                "topic_id": topics[draft.topic_key].id,
                "lesson_id": lesson.id if lesson else None,
                "origin": origin,
                "kind": draft.kind,
                "status": status,
                "front": draft.front,
                "back": draft.back,
                "explanation": draft.explanation,
                "accepted_answers": "\n".join(draft.accepted_answers),
                "source_excerpt": draft.source_excerpt,
                "tags": ", ".join(draft.tags),
                "critical": draft.critical,
            }
            choices = list(draft.choices)
            fingerprint = card_fingerprint(values, choices)
            card = existing.get(draft.key)
            if card is None:
                card = Card(
                    key=draft.key, position=position, import_fingerprint=fingerprint, **values
                )
                new_cards.append(card)
                new_choices += [
                    Choice(card=card, text=text, is_correct=correct, position=index)
                    for index, (text, correct) in enumerate(choices)
                ]
                self.report.note("created", "Card", f"create Card {draft.key} ({draft.kind})")
                continue
            if card_fingerprint(*_current_values(card)) != card.import_fingerprint:
                self.report.note(
                    "kept", "Card", f"keep Card {draft.key} (changed by an instructor)"
                )
                continue
            if fingerprint == card.import_fingerprint and card.position == position:
                self.report.note("unchanged", "Card")
                continue
            current_values, current_choices = _current_values(card)
            changed = [name for name in CARD_FIELDS if current_values[name] != values[name]]
            for name in changed:
                setattr(card, name, values[name])
            update_fields.update(changed)
            if current_choices != choices:
                changed.append("choices")
                updates, creates, deletes = _replace_choices(card, choices)
                choice_updates += updates
                new_choices += creates
                choice_deletes += deletes
            if card.position != position:
                changed.append("position")
            card.position = position
            card.import_fingerprint = fingerprint
            updated_cards.append(card)
            self.report.note("updated", "Card", f"update Card {draft.key} ({', '.join(changed)})")

        Card.objects.bulk_create(new_cards)
        for choice in new_choices:
            choice.card_id = choice.card.id
        if updated_cards:
            Card.objects.bulk_update(updated_cards, sorted(update_fields | {"import_fingerprint"}))
        if choice_deletes:
            Choice.objects.filter(id__in=choice_deletes).delete()
        if choice_updates:
            Choice.objects.bulk_update(choice_updates, ["text", "is_correct", "position"])
        Choice.objects.bulk_create(new_choices)
        # Learners who already read a topic get its newly published cards, as with admin publishing.
        cards_unlock_for_readers(cards=new_cards, now=timezone.now())

        wanted_keys = set(keys)
        gone = [card for key, card in existing.items() if key not in wanted_keys]
        self._retire_cards(gone)

    def _retire_cards(self, cards: list[Card]) -> None:
        for _card in [card for card in cards if card.status == CardStatus.ARCHIVED]:
            self.report.note("unchanged", "Card")
        cards = [card for card in cards if card.status != CardStatus.ARCHIVED]
        if not cards:
            return
        ids = [card.id for card in cards]
        pool = TrainingModule.question_pool.through.objects.filter(card_id__in=ids)
        studied = (
            set(MemoryState.objects.filter(card_id__in=ids).values_list("card_id", flat=True))
            | set(ReviewLog.objects.filter(card_id__in=ids).values_list("card_id", flat=True))
            | set(AttemptQuestion.objects.filter(card_id__in=ids).values_list("card_id", flat=True))
            | set(pool.values_list("card_id", flat=True))
        )
        to_archive, to_delete = [], []
        for card in cards:
            untouched = card_fingerprint(*_current_values(card)) == card.import_fingerprint
            if card.id in studied or not untouched:
                card.status = CardStatus.ARCHIVED
                if untouched:
                    card.import_fingerprint = card_fingerprint(*_current_values(card))
                to_archive.append(card)
                reason = "has learner history" if card.id in studied else "changed by an instructor"
                self.report.note("archived", "Card", f"archive Card {card.key} ({reason})")
            else:
                to_delete.append(card.id)
                self.report.note("deleted", "Card", f"delete Card {card.key}")
        if to_archive:
            Card.objects.bulk_update(to_archive, ["status", "import_fingerprint"])
        if to_delete:
            Card.objects.filter(id__in=to_delete).delete()

    # Lessons and topics that left the article ----------------------------------------------------
    def _retire_lessons_and_topics(
        self, article: Article, topics: dict[str, Topic], lessons: dict[tuple[str, str], Lesson]
    ) -> None:
        wanted_lessons = {
            (topic.key, lesson.key) for topic in self.parsed.topics for lesson in topic.lessons
        }
        gone_lessons = {
            "/".join(key): lesson
            for key, lesson in lessons.items()
            if key not in wanted_lessons and lesson.import_fingerprint
        }
        if gone_lessons:
            ids = [lesson.id for lesson in gone_lessons.values()]
            in_use = set(Card.objects.filter(lesson_id__in=ids).values_list("lesson_id", flat=True))
            in_use |= set(
                ModuleLesson.objects.filter(lesson_id__in=ids).values_list("lesson_id", flat=True)
            )
            to_delete = self._retire(Lesson, gone_lessons, LESSON_FIELDS, in_use)
            Lesson.objects.filter(id__in=to_delete).delete()

        wanted_topics = {topic.key for topic in self.parsed.topics}
        gone_topics = {
            key: topic
            for key, topic in topics.items()
            if key not in wanted_topics and topic.import_fingerprint
        }
        if gone_topics:
            ids = [topic.id for topic in gone_topics.values()]
            in_use = set(Card.objects.filter(topic_id__in=ids).values_list("topic_id", flat=True))
            # Lessons still there: kept ones and those written in the admin.
            in_use |= set(
                Lesson.objects.filter(topic_id__in=ids).values_list("topic_id", flat=True)
            )
            to_delete = self._retire(Topic, gone_topics, TOPIC_FIELDS, in_use)
            Topic.objects.filter(id__in=to_delete).delete()

    def _retire(
        self, model: Any, gone: dict[str, Any], fields: tuple[str, ...], in_use: set[int]
    ) -> list[int]:
        """The ids of importer-written rows nobody changed or uses; the others are reported kept."""
        name = model.__name__
        to_delete = []
        for label, row in gone.items():
            if row_fingerprint(_row_values(row, fields)) != row.import_fingerprint:
                self.report.note("kept", name, f"keep {name} {label} (changed by an instructor)")
            elif row.id in in_use:
                self.report.note("kept", name, f"keep {name} {label} (still in use)")
            else:
                to_delete.append(row.id)
                self.report.note("deleted", name, f"delete {name} {label}")
        return to_delete


def _replace_choices(
    card: Card, choices: list[tuple[str, bool]]
) -> tuple[list[Choice], list[Choice], list[int]]:
    """Rewrite a card's choices in place by position, so surviving choices keep their ids."""
    old = list(card.choices.all())
    updates, creates = [], []
    for position, (text, correct) in enumerate(choices):
        if position < len(old):
            choice = old[position]
            if (choice.text, choice.is_correct, choice.position) != (text, correct, position):
                choice.text, choice.is_correct, choice.position = text, correct, position
                updates.append(choice)
        else:
            creates.append(Choice(card=card, text=text, is_correct=correct, position=position))
    deletes = [choice.id for choice in old[len(choices) :]]
    return updates, creates, deletes
