"""A card draft, its stable key, and the checks every draft passes before it is written (pure)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

from quizzes.content.itemcheck import item_problems

BASIC = "basic"
CLOZE = "cloze"
MCQ = "mcq"
TRUE_FALSE = "true_false"
MAX_DISTRACTORS = 3
MAX_CHOICE_LENGTH = 500  # Choice.text's limit; longer cells make a basic card instead
# Passages that call for action now: their drafts are suggested critical (a reviewer confirms).
URGENT_RE = re.compile(
    r"\b(?:emergenc(?:y|ies)|urgent(?:ly)?|immediate(?:ly)?|straight away|at once|"
    r"without delay|life[- ]threatening|same day)\b",
    re.IGNORECASE,
)
SUGGESTED_CRITICAL_TAG = "suggested-critical"


@dataclass(frozen=True)
class CardDraft:
    key: str
    topic_key: str
    lesson_key: str | None
    kind: str
    front: str
    back: str
    explanation: str
    source_excerpt: str
    choices: tuple[tuple[str, bool], ...] = ()
    accepted_answers: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    critical: bool = False
    clinical_note: str = ""
    note_reference: str = ""
    # Why the draft fails the mechanical item checks ("" when it passes): publishing skips it.
    needs_edit: str = ""


def card_key(article_slug: str, generator: str, *identity: str) -> str:
    digest = hashlib.sha256("\x1f".join((article_slug, generator, *identity)).encode()).hexdigest()
    return f"{article_slug[:60]}-{generator}-{digest[:16]}"


def option_problems(draft: CardDraft) -> list[str]:
    """The item-check codes of a draft (an empty list when it passes them all)."""
    return [problem.code for problem in _problems(draft)]


def _problems(draft: CardDraft):
    return item_problems(
        kind=draft.kind,
        front=draft.front,
        back=draft.back,
        explanation=draft.explanation,
        choices=draft.choices,
        critical=draft.critical,
    )


def checked(draft: CardDraft, *, urgent_text: str = "") -> CardDraft:
    """The draft suggested critical when its passage is urgent, and marked "needs edit" with the
    reasons when it fails the item checks."""
    if urgent_text and URGENT_RE.search(urgent_text):
        draft = replace(draft, critical=True, tags=(*draft.tags, SUGGESTED_CRITICAL_TAG))
        if any(problem.code == "critical-definition" for problem in _problems(draft)):
            draft = replace(draft, critical=False, tags=draft.tags[:-1])
    problems = _problems(draft)
    if problems:
        draft = replace(draft, needs_edit=" ".join(problem.message for problem in problems))
    return draft


def stable_order(choices: list[tuple[str, bool]], key: str) -> tuple[tuple[str, bool], ...]:
    # The right answer must not always come first, and re-imports must not reshuffle.
    return tuple(
        sorted(choices, key=lambda choice: hashlib.sha256((key + choice[0]).encode()).digest())
    )
