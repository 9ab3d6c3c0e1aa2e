"""Fingerprints: what the importer last wrote to a row, so a later import can tell an instructor's
edit (kept as it is) from its own writing (updated to match the article)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from quizzes.content.models import Card

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
    "clinical_note",
    "note_reference",
    "needs_edit",
)
# Added after the first imports: hashed only when set, so cards without it keep their fingerprints.
HASHED_WHEN_SET = ("needs_edit",)


def plain(value: Any) -> Any:
    # Saving a card in the admin turns "\n" into "\r\n" and strips ends; that is not an edit.
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def card_fingerprint(values: dict[str, Any], choices: list[tuple[str, bool]]) -> str:
    """Hash of what makes a card: its place, kind, status, texts and choices (not its position)."""
    payload = [plain(values[name]) for name in CARD_FIELDS if name not in HASHED_WHEN_SET]
    payload.append([[plain(text), correct] for text, correct in choices])
    payload += [[name, plain(values[name])] for name in HASHED_WHEN_SET if values.get(name)]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def row_fingerprint(values: dict[str, Any]) -> str:
    """Hash of what the importer writes to a topic or lesson, position included."""
    payload = [[name, plain(values[name])] for name in sorted(values)]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def row_values(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in fields}


def current_values(card: Card) -> tuple[dict[str, Any], list[tuple[str, bool]]]:
    values = {name: getattr(card, name) for name in CARD_FIELDS}
    choices = [(choice.text, choice.is_correct) for choice in card.choices.all()]
    return values, choices
