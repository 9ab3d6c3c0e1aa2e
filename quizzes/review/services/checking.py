"""Checking the answer to a shown card, once: the first verdict for a showing is final.

A choice or cloze card is answered and checked before it is graded. The first check of a showing,
or "Show answer" before any check (a wrong answer), is stored in CheckedAnswer, unique per card
and memory-state version (what the one-time token names: another tab or a reload showing the same
card is the same showing); checking again returns that same verdict, whatever is posted the
second time, and grading (review_record) reads it there. So showing the answer and then picking
the right choices cannot turn a miss into a hit, and every showing counts once.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from quizzes.content import answers
from quizzes.content.answers import Verdict
from quizzes.content.models import Card, CardKind
from quizzes.review.days import LearningDay
from quizzes.review.errors import GradeRefused, NothingPicked, ShownOnAnotherDay
from quizzes.review.models import CheckedAnswer
from quizzes.review.tokens import CardToken

NOTHING_PICKED_MESSAGE = "Pick an answer first."
UNCHECKED_MESSAGE = "Check your answer before grading this card."
OVERRIDE_REFUSED_MESSAGE = "Only a typed answer marked wrong can be counted as right."
SHOWN_ON_ANOTHER_DAY_MESSAGE = (
    "This card was shown on an earlier learning day, so its answer was not recorded. Here is "
    "today's review."
)


def refuse_expired(shown: CardToken, *, learning_day: LearningDay, now: datetime) -> None:
    """A shown card's token expires when the learner's learning day ends: the daily limits, the
    queue and the due dates it was shown under belong to that day."""
    if learning_day.day_of(shown.issued_at) != learning_day.day_of(now):
        raise ShownOnAnotherDay(SHOWN_ON_ANOTHER_DAY_MESSAGE)


def checked_answer(*, shown: CardToken) -> CheckedAnswer | None:
    """The stored check of this showing, if it was checked or revealed."""
    return CheckedAnswer.objects.filter(
        user_id=shown.user_id, card_id=shown.card_id, version=shown.version
    ).first()


def _first_check(
    *, user: Any, card: Card, shown: CardToken, now: datetime, **fields: Any
) -> CheckedAnswer:
    """Store this check unless the showing was checked already (a double click, a second tab with
    the same card): then the stored one, whatever it says."""
    try:
        with transaction.atomic():
            return CheckedAnswer.objects.create(
                user=user, card=card, version=shown.version, checked_at=now, **fields
            )
    except IntegrityError:
        return CheckedAnswer.objects.get(user=user, card=card, version=shown.version)


def answer_check(
    *,
    user: Any,
    card: Card,
    shown: CardToken,
    choices: Sequence[tuple[int, bool]],
    picked: Collection[int],
    typed: str,
    now: datetime,
    learning_day: LearningDay,
) -> CheckedAnswer:
    """Check the answer to a shown choice or cloze card (`choices` as (id, is correct)): the
    stored verdict when this showing was checked or revealed before, else the new one, stored.

    Raises NothingPicked for a choice card with nothing picked (nothing is stored, the learner
    picks and checks again) and ShownOnAnotherDay for yesterday's screen.
    """
    refuse_expired(shown, learning_day=learning_day, now=now)
    existing = checked_answer(shown=shown)
    if existing is not None:
        return existing
    if card.has_choices and not picked:
        raise NothingPicked(NOTHING_PICKED_MESSAGE)
    cloze = card.kind == CardKind.CLOZE
    verdict = answers.answer_verdict(
        kind=card.kind,
        front=card.front,
        accepted_answers=card.accepted_answers,
        choices=choices,
        picked=picked,
        typed=typed if cloze else "",
    )
    return _first_check(
        user=user,
        card=card,
        shown=shown,
        now=now,
        verdict=verdict,
        picked=sorted(picked) if card.has_choices else [],
        typed=typed if cloze else "",
    )


def answer_reveal(
    *, user: Any, card: Card, shown: CardToken, now: datetime, learning_day: LearningDay
) -> CheckedAnswer | None:
    """ "Show answer": for a choice or cloze card not checked yet, a wrong answer, stored (a card
    checked first keeps its verdict); a basic card has no verdict (None)."""
    refuse_expired(shown, learning_day=learning_day, now=now)
    if not answers.needs_check(card.kind):
        return None
    existing = checked_answer(shown=shown)
    if existing is not None:
        return existing
    return _first_check(
        user=user, card=card, shown=shown, now=now, verdict=Verdict.WRONG, revealed=True
    )


def answer_override(*, shown: CardToken, now: datetime, learning_day: LearningDay) -> CheckedAnswer:
    """ "I typed it right": a typed cloze answer checked wrong counts as right (a typo, a synonym
    the author did not list). Recorded on the answer's log row, so instructors see it; repeating
    it changes nothing. Raises GradeRefused for anything but a typed answer checked wrong."""
    refuse_expired(shown, learning_day=learning_day, now=now)
    checked = checked_answer(shown=shown)
    if checked is None:
        raise GradeRefused(UNCHECKED_MESSAGE)
    if checked.overridden:
        return checked
    if checked.verdict != Verdict.WRONG or not checked.typed or checked.revealed:
        raise GradeRefused(OVERRIDE_REFUSED_MESSAGE)
    CheckedAnswer.objects.filter(pk=checked.pk, overridden=False).update(
        verdict=Verdict.RIGHT, overridden=True
    )
    checked.verdict, checked.overridden = Verdict.RIGHT, True
    return checked


def grade_refusal(*, card: Card, checked: CheckedAnswer | None, rating: int) -> str:
    """Why this grade may not be recorded for this card ('' when it may): a choice or cloze card
    takes only the grades its stored verdict allows (a wrong answer is graded Again)."""
    if rating not in answers.ALL_GRADES:
        return "Choose a grade from 1 (Again) to 4 (Easy)."
    if not answers.needs_check(card.kind):
        return ""
    if checked is None:
        return UNCHECKED_MESSAGE
    return answers.grade_refusal(verdict=checked.verdict, rating=rating)
