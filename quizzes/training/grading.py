"""Grading of training-quiz responses. Pure: no database, no clock.

A response is what AttemptQuestion.response stores: a list of choice ids for choice cards, the
typed text for cloze cards, or None when the learner left the question blank (no credit).

- Single answer (MCQ) and true/false: right (1) or wrong (0).
- Multiple select, all-or-nothing: 1 only for exactly the set of correct choices.
- Multiple select, partial credit (a module setting), weighted as Moodle does: each correct choice
  picked earns 1/n_correct, each wrong choice picked costs 1/n_wrong (n_wrong: the wrong choices
  shown), floored at 0 and capped at 1. Ticking every box therefore earns exactly 0, however many
  of the choices are right, and a blank answer earns nothing.
- Cloze: the typed text is compared case- and whitespace-insensitively (closing punctuation
  ignored, as in the daily review) with every accepted typing: the deleted text(s) of the front
  and each line of Card.accepted_answers.
- A question whose card changed after it was drawn (its kind, or the choices shown no longer
  there) cannot be graded as the learner saw it: it earns 0 and is marked as changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from quizzes.content.answers import cloze_expected, normalise

ZERO = Decimal("0")
ONE = Decimal("1")
FRACTION_PLACES = Decimal("0.0001")
SCORE_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class GivenAnswer:
    """What the learner gave for one question: choice ids picked or text typed (maybe blank)."""

    position: int
    choice_ids: list[int] = field(default_factory=list)
    typed: str = ""

    @property
    def blank(self) -> bool:
        return not self.choice_ids and not " ".join((self.typed or "").split())


MCQ = "mcq"
TRUE_FALSE = "true_false"
MULTI_SELECT = "multi_select"
CLOZE = "cloze"
GRADABLE_KINDS = frozenset({MCQ, TRUE_FALSE, MULTI_SELECT, CLOZE})

CHANGED_NOTE = "Question changed after the attempt started: it earns no credit."


def cloze_accepted(*, front: str, accepted_answers: str = "") -> list[str]:
    """Every typing that earns credit for a cloze card: its deletions and accepted lines."""
    return cloze_expected(front, accepted_answers)


def grade_choices(
    *,
    kind: str,
    correct_choice_ids: Iterable[int],
    selected: Iterable[int],
    partial_credit: bool,
    shown_choice_ids: Iterable[int] = (),
) -> Decimal:
    """Credit 0..1 for the choice ids picked out of those shown."""
    correct = set(correct_choice_ids)
    picked = set(selected)
    if not picked or not correct:
        return ZERO
    if kind != MULTI_SELECT or not partial_credit:
        return ONE if picked == correct else ZERO
    # A picked id that was not shown still counts as a wrong choice.
    wrong_choices = (set(shown_choice_ids) | picked) - correct
    right = len(picked & correct)
    wrong = len(picked - correct)
    credit = Decimal(right) / Decimal(len(correct))
    if wrong:
        credit -= Decimal(wrong) / Decimal(len(wrong_choices))
    credit = min(ONE, max(ZERO, credit))
    return credit.quantize(FRACTION_PLACES, rounding=ROUND_HALF_UP)


def grade_cloze(*, typed: str, accepted_answers: Sequence[str]) -> Decimal:
    """1 when the typed text matches an accepted typing, ignoring case and spacing."""
    given = normalise(typed)
    if not given:
        return ZERO
    return ONE if any(given == normalise(option) for option in accepted_answers) else ZERO


def grade_response(
    *,
    kind: str,
    correct_choice_ids: Iterable[int] = (),
    response: Any,
    accepted_answers: Sequence[str] = (),
    partial_credit: bool = False,
    shown_choice_ids: Iterable[int] = (),
) -> Decimal:
    """Credit 0..1 for one stored response to a card of the given kind (None: blank, 0)."""
    if kind not in GRADABLE_KINDS:
        raise ValueError(f"cards of kind {kind!r} are not quiz questions")
    if response is None:
        return ZERO
    if kind == CLOZE:
        if not isinstance(response, str):
            return ZERO
        return grade_cloze(typed=response, accepted_answers=accepted_answers)
    if not isinstance(response, list) or not all(
        isinstance(item, int) and not isinstance(item, bool) for item in response
    ):
        return ZERO
    return grade_choices(
        kind=kind,
        correct_choice_ids=correct_choice_ids,
        selected=response,
        partial_credit=partial_credit,
        shown_choice_ids=shown_choice_ids,
    )


def question_changed(
    *, drawn_kind: str, kind: str, shown_choice_ids: Sequence[int], choice_ids: Iterable[int]
) -> bool:
    """Whether the card no longer is the question the learner was shown when it was drawn.

    `drawn_kind` is empty for questions drawn before the kind was recorded; then the shape of the
    drawn choices tells (cloze cards are drawn without choices, choice cards with them).
    """
    if kind not in GRADABLE_KINDS or (drawn_kind and drawn_kind != kind):
        return True
    if kind == CLOZE:
        return bool(shown_choice_ids)
    return not shown_choice_ids or not set(shown_choice_ids) <= set(choice_ids)


@dataclass(frozen=True)
class QuestionGrade:
    fraction: Decimal
    changed: bool


def grade_question(question: Any, *, partial_credit: bool) -> QuestionGrade:
    """Credit for one attempt question as drawn: the one grading rule of submit and feedback.

    `question` is an AttemptQuestion with its card and the card's choices already loaded.
    """
    card = question.card
    choices = list(card.choices.all())
    shown = list(question.choice_order or ())
    if question_changed(
        drawn_kind=question.card_kind,
        kind=card.kind,
        shown_choice_ids=shown,
        choice_ids=[choice.pk for choice in choices],
    ):
        return QuestionGrade(fraction=ZERO, changed=True)
    fraction = grade_response(
        kind=card.kind,
        correct_choice_ids=[choice.pk for choice in choices if choice.is_correct],
        response=question.response,
        accepted_answers=(
            cloze_accepted(front=card.front, accepted_answers=card.accepted_answers)
            if card.kind == CLOZE
            else ()
        ),
        partial_credit=partial_credit,
        shown_choice_ids=shown,
    )
    return QuestionGrade(fraction=fraction, changed=False)


def attempt_score(fractions: Iterable[Decimal | None], *, questions: int) -> Decimal:
    """The attempt's score in percent (2 places): credit earned over questions asked."""
    if questions <= 0:
        return ZERO.quantize(SCORE_PLACES)
    earned = sum((fraction or ZERO for fraction in fractions), ZERO)
    return (Decimal(100) * earned / Decimal(questions)).quantize(
        SCORE_PLACES, rounding=ROUND_HALF_UP
    )


def is_pass(score: Decimal, *, pass_mark: int) -> bool:
    return score >= Decimal(pass_mark)


def is_fully_right(fraction: Decimal | None) -> bool:
    return fraction is not None and fraction >= ONE
