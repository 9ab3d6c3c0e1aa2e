"""The rules a card must follow, in words an instructor understands. Pure: no database, no request.

Used by the card admin form (with the submitted choices), the bulk publish action, the CSV import
and the publishing service, so every way a card reaches learners is checked the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quizzes.content.models import CHOICE_KINDS, CardKind

# One deletion: {{c1::answer}} or {{c1::answer::hint}}. Answers and hints stay on one line.
CLOZE_DELETION = re.compile(
    r"\{\{c(?P<number>[1-9][0-9]*)::(?P<answer>[^{}\n]*?)(?:::(?P<hint>[^{}\n]*))?\}\}"
)
# Anything that looks like an attempt at a deletion, well formed or not.
_BRACED = re.compile(r"\{\{.*?\}\}", re.DOTALL)

MIN_DISTRACTORS = 2
TRUE_FALSE_TEXTS = ("true", "false")


@dataclass(frozen=True)
class ClozeDeletion:
    number: int
    answer: str
    hint: str


def cloze_deletions(front: str) -> list[ClozeDeletion]:
    """The well-formed deletions in a cloze front, in reading order."""
    return [
        ClozeDeletion(
            number=int(match["number"]),
            answer=match["answer"].strip(),
            hint=(match["hint"] or "").strip(),
        )
        for match in CLOZE_DELETION.finditer(front or "")
        if match["answer"].strip()
    ]


def _malformed_cloze(front: str) -> list[str]:
    problems = []
    for braced in _BRACED.findall(front):
        if not CLOZE_DELETION.fullmatch(braced):
            problems.append(
                f"This cloze deletion is not written correctly: “{braced}”. "
                "Write it as {{c1::answer}} or {{c1::answer::hint}}."
            )
        elif not CLOZE_DELETION.fullmatch(braced)["answer"].strip():
            problems.append(
                f"This cloze deletion hides nothing: “{braced}”. Put the answer after c1::."
            )
    leftover = _BRACED.sub("", front)
    if "{{" in leftover or "}}" in leftover:
        problems.append("A cloze deletion is opened with {{ or closed with }} but not both.")
    return problems


def _choice_problems(kind: str, choices: list[tuple[str, bool]]) -> list[str]:
    label = CardKind(kind).label if kind in CardKind.values else kind
    if kind not in CHOICE_KINDS:
        if choices:
            return [f"A “{label}” card has no choices: delete them or change the kind of card."]
        return []

    problems = []
    texts = [text.strip() for text, _ in choices]
    correct = sum(1 for _, is_correct in choices if is_correct)
    wrong = len(choices) - correct
    if any(not text for text in texts):
        problems.append("Every choice needs some text.")
    seen: set[str] = set()
    for text in texts:
        if text and text.casefold() in seen:
            problems.append(f"Two choices say “{text}”: each choice must be different.")
        seen.add(text.casefold())

    if kind == CardKind.MCQ:
        if correct != 1:
            problems.append(
                "A single-best-answer question needs exactly one correct choice; "
                f"this one has {correct}."
            )
        if wrong < MIN_DISTRACTORS:
            problems.append(
                "A single-best-answer question needs at least two wrong choices (distractors); "
                f"this one has {wrong}."
            )
    elif kind == CardKind.MULTI_SELECT:
        if correct < 1:
            problems.append("A multiple-select question needs at least one correct choice.")
        if len(choices) < 2:
            problems.append("A multiple-select question needs at least two choices to pick from.")
    elif kind == CardKind.TRUE_FALSE:
        if len(choices) != 2 or sorted(t.casefold() for t in texts) != sorted(TRUE_FALSE_TEXTS):
            problems.append(
                "A true/false card has exactly two choices, “True” and “False”; "
                f"this one has {len(choices)}: {', '.join(texts) or 'none'}."
            )
        elif correct != 1:
            problems.append("Mark exactly one of “True” and “False” as correct.")
    return problems


def card_field_problems(
    *,
    kind: str,
    front: str,
    explanation: str,
    has_lesson: bool,
    publishing: bool,
    back: str | None = None,
) -> dict[str, list[str]]:
    """Problems with the card's own fields, keyed by field name, for forms to show in place."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    front = front or ""
    if kind not in CardKind.values:
        add("kind", f"“{kind}” is not a kind of card BoneLearn knows.")
    if not front.strip():
        add("front", "Write the front of the card: it is the question the learner sees.")
    elif kind == CardKind.CLOZE:
        for message in _malformed_cloze(front):
            add("front", message)
        if not cloze_deletions(front):
            add(
                "front",
                "A cloze card needs at least one deletion in the front, written like "
                "{{c1::answer}}.",
            )
    if publishing:
        if not (explanation or "").strip():
            add(
                "explanation",
                "A published card needs an explanation: say why the answer is right.",
            )
        if not has_lesson:
            add(
                "lesson",
                "A published card needs a source lesson, so learners can go back to the passage.",
            )
        if kind == CardKind.BASIC and back is not None and not back.strip():
            add("back", "A published basic card needs an answer on the back.")
    return problems


def choice_problems(*, kind: str, choices: list[tuple[str, bool]]) -> list[str]:
    """Problems with the card's choices (text, is_correct) for its kind."""
    return _choice_problems(kind, choices)


def card_problems(
    *,
    kind: str,
    front: str,
    explanation: str,
    has_lesson: bool,
    choices: list[tuple[str, bool]],
    publishing: bool,
    back: str | None = None,
) -> list[str]:
    """Every problem that stops this card being saved (publishing=False) or published (True).

    `choices` are (text, is_correct) pairs; `back` is only checked when given.
    """
    field_problems = card_field_problems(
        kind=kind,
        front=front,
        explanation=explanation,
        has_lesson=has_lesson,
        publishing=publishing,
        back=back,
    )
    messages = [message for field in field_problems.values() for message in field]
    return messages + choice_problems(kind=kind, choices=choices)
