"""The curated cards file (`<article>.cards.json`): hand-written cards checked strictly, then
attached to the lessons whose words they rest on."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from quizzes.content.cardgen import CardDraft
from quizzes.content.models import CardKind
from quizzes.content.parsing.tree import ParsedArticle
from quizzes.content.services.import_report import ArticleImportError
from quizzes.content.services.publishing import content_problems

# Version 2 adds a clinical note (and its reference) to every card; version 1 files still import.
CURATED_VERSIONS = (1, 2)
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
NOTE_FIELDS = {"clinical_note": str, "note_reference": str}
KEY_RE = re.compile(r"^[-a-zA-Z0-9_]+$")


@dataclass(frozen=True)
class CuratedCard:
    draft: CardDraft
    topic: str
    lesson: str | None


def curated_json(text: str) -> Any:
    """json.loads, with nesting too deep for the parser (a RecursionError, e.g. 100,000 nested
    lists) reported as the JSONDecodeError it is to the instructor."""
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None


def parse_curated_cards(text: str, *, name: str) -> list[CuratedCard]:
    """Validate the curated cards JSON strictly; every problem is a one-line ArticleImportError."""
    try:
        data = curated_json(text)
    except json.JSONDecodeError as error:
        raise ArticleImportError(
            f"{name}: invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from error
    if not isinstance(data, dict) or set(data) != {"version", "cards"}:
        raise ArticleImportError(f'{name}: expected an object with exactly "version" and "cards"')
    if data["version"] not in CURATED_VERSIONS:
        raise ArticleImportError(
            f"{name}: unsupported version {data['version']!r} (expected 1 or 2)"
        )
    fields = CURATED_FIELDS | (NOTE_FIELDS if data["version"] == 2 else {})
    if not isinstance(data["cards"], list):
        raise ArticleImportError(f'{name}: "cards" must be a list')
    seen: set[str] = set()
    cards = []
    for number, raw in enumerate(data["cards"], start=1):
        label = f"{name}: card {number}"
        if isinstance(raw, dict) and isinstance(raw.get("key"), str):
            label += f" ({raw['key']})"
        card = _curated_card(raw, label, fields=fields)
        if card.draft.key in seen:
            raise ArticleImportError(f"{label}: duplicate key")
        seen.add(card.draft.key)
        cards.append(card)
    return cards


def _check_shape(raw: Any, *, fields: dict[str, Any], fail: Any) -> None:
    """The card's fields are exactly the format's, of the right types and not empty."""
    if not isinstance(raw, dict):
        raise fail("must be an object")
    missing = [name for name in fields if name not in raw]
    if missing:
        raise fail(f"missing field {missing[0]!r}")
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise fail(f"unknown field {unknown[0]!r}")
    for name, expected in fields.items():
        if not isinstance(raw[name], expected):
            raise fail(f"field {name!r} has the wrong type")
    if bool(raw.get("clinical_note", "").strip()) != bool(raw.get("note_reference", "").strip()):
        raise fail("a clinical note needs its reference, and a reference its note")
    for name in ("key", "topic", "front", "source"):
        if not raw[name].strip():
            raise fail(f"field {name!r} is empty")
    if not KEY_RE.match(raw["key"]) or len(raw["key"]) > 160:
        raise fail("key must be letters, digits, '-' or '_' (at most 160)")
    if raw["kind"] not in CardKind.values:
        raise fail(f"kind {raw['kind']!r} is not one of {', '.join(CardKind.values)}")
    if not all(isinstance(tag, str) and tag.strip() for tag in raw["tags"]):
        raise fail("tags must be non-empty strings")
    if not all(isinstance(answer, str) and answer.strip() for answer in raw["accepted_answers"]):
        raise fail("accepted_answers must be non-empty strings")
    if len(", ".join(tag.strip() for tag in raw["tags"])) > 300:
        raise fail("tags are longer than 300 characters together")


def _curated_card(raw: Any, label: str, *, fields: dict[str, Any]) -> CuratedCard:
    def fail(problem: str) -> ArticleImportError:
        return ArticleImportError(f"{label}: {problem}")

    _check_shape(raw, fields=fields, fail=fail)
    choices = _curated_choices(raw["choices"], fail)
    # Curated cards are published by the import, so they meet what publishing asks of every card
    # (the publishing rules and the mechanical item-writing checks of docs/item-writing.md). Every
    # curated card is tied to a lesson (its topic's introduction when "lesson" is null).
    problems = content_problems(
        kind=raw["kind"],
        front=raw["front"],
        back=raw["back"],
        explanation=raw["explanation"],
        has_lesson=True,
        choices=list(choices),
        critical=raw["critical"],
    )
    if problems:
        raise fail(problems[0])
    draft = CardDraft(
        key=raw["key"],
        topic_key="",
        lesson_key=None,
        kind=raw["kind"],
        front=raw["front"],
        back=raw["back"],
        explanation=raw["explanation"],
        source_excerpt=raw["source"],
        choices=choices,
        accepted_answers=tuple(answer.strip() for answer in raw["accepted_answers"]),
        tags=tuple(tag.strip() for tag in raw["tags"]),
        critical=raw["critical"],
        clinical_note=raw.get("clinical_note", "").strip(),
        note_reference=raw.get("note_reference", "").strip(),
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
