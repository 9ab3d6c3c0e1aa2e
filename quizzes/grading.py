"""Grading of training-quiz responses. Pure: no database, no clock.

A response is what AttemptQuestion.response stores: a list of choice ids for choice cards, the
typed text for cloze cards, or None when the learner left the question blank (no credit).

- Single answer (MCQ) and true/false: right (1) or wrong (0).
- Multiple select, all-or-nothing: 1 only for exactly the set of correct choices.
- Multiple select, partial credit (a module setting), as Moodle scores it: each correct choice
  picked earns 1/n_correct, each wrong choice picked costs 1/n_correct, floored at 0. Picking
  every choice therefore earns nothing, and a blank answer earns nothing.
- Cloze: the typed text is compared case- and whitespace-insensitively (closing punctuation
  ignored, as in the daily review) with every accepted typing: the deleted text(s) of the front
  and each line of Card.accepted_answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from quizzes.answers import cloze_expected, normalise

ZERO = Decimal("0")
ONE = Decimal("1")
FRACTION_PLACES = Decimal("0.0001")
SCORE_PLACES = Decimal("0.01")

MCQ = "mcq"
TRUE_FALSE = "true_false"
MULTI_SELECT = "multi_select"
CLOZE = "cloze"
GRADABLE_KINDS = frozenset({MCQ, TRUE_FALSE, MULTI_SELECT, CLOZE})


def cloze_accepted(*, front: str, accepted_answers: str = "") -> list[str]:
    """Every typing that earns credit for a cloze card: its deletions and accepted lines."""
    return cloze_expected(front, accepted_answers)


def grade_choices(
    *, kind: str, correct_choice_ids: Iterable[int], selected: Iterable[int], partial_credit: bool
) -> Decimal:
    """Credit 0..1 for the choice ids picked."""
    correct = set(correct_choice_ids)
    picked = set(selected)
    if not picked or not correct:
        return ZERO
    if kind != MULTI_SELECT or not partial_credit:
        return ONE if picked == correct else ZERO
    right = len(picked & correct)
    wrong = len(picked - correct)
    credit = Decimal(right - wrong) / Decimal(len(correct))
    return max(ZERO, credit).quantize(FRACTION_PLACES, rounding=ROUND_HALF_UP)


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
    )


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
