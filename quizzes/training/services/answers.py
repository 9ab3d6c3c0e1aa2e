"""Checking and storing the answers a learner gives: one question's, or a whole page's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from quizzes.content.models import CardKind
from quizzes.training import grading
from quizzes.training.errors import InvalidAnswer, QuestionChanged, TrainingRefused
from quizzes.training.grading import GivenAnswer
from quizzes.training.models import Attempt, AttemptQuestion, FeedbackPolicy

MAX_TYPED_LENGTH = 500
CHANGED_MESSAGE = (
    "This question was changed by your instructor after the attempt started, so it can no "
    "longer be answered. It earns no credit."
)


def clean_response(
    question: AttemptQuestion, *, choice_ids: list[int], typed: str
) -> list[int] | str:
    kind = question.card.kind
    if grading.question_changed(
        drawn_kind=question.card_kind,
        kind=kind,
        shown_choice_ids=question.choice_order,
        choice_ids=[choice.pk for choice in question.card.choices.all()],
    ):
        raise QuestionChanged(CHANGED_MESSAGE)
    if kind == CardKind.CLOZE:
        text = " ".join((typed or "").split())
        if not text:
            raise InvalidAnswer("Type an answer before saving.")
        if len(text) > MAX_TYPED_LENGTH:
            raise InvalidAnswer(f"Answers are at most {MAX_TYPED_LENGTH} characters.")
        return text
    picked = list(dict.fromkeys(choice_ids))
    if not picked:
        raise InvalidAnswer("Choose an answer before saving.")
    shown = set(question.choice_order)
    if any(choice_id not in shown for choice_id in picked):
        raise InvalidAnswer("That choice is not part of this question. Reload the page.")
    if kind != CardKind.MULTI_SELECT and len(picked) != 1:
        raise InvalidAnswer("Choose exactly one answer.")
    return sorted(picked, key=question.choice_order.index)


def questions_at(attempt: Attempt, positions: Sequence[int]) -> dict[int, AttemptQuestion]:
    return {
        question.position: question
        for question in AttemptQuestion.objects.filter(attempt=attempt, position__in=positions)
        .select_related("card")
        .prefetch_related("card__choices")
    }


def store_given(locked: Attempt, given: Sequence[GivenAnswer], *, now: datetime) -> dict[int, str]:
    """Save the non-blank answers of a page (the attempt is locked and open) in one query.
    Returns a problem per position refused; questions already checked stay as they are."""
    problems: dict[int, str] = {}
    changed: list[AttemptQuestion] = []
    questions = questions_at(locked, [answer.position for answer in given])
    immediate = locked.module.feedback_policy == FeedbackPolicy.IMMEDIATE
    for answer in given:
        question = questions.get(answer.position)
        if question is None or answer.blank or (immediate and question.checked_at is not None):
            continue
        try:
            response = clean_response(question, choice_ids=answer.choice_ids, typed=answer.typed)
        except TrainingRefused as error:
            problems[answer.position] = str(error)
            continue
        if question.response != response:
            question.response, question.answered_at = response, now
            changed.append(question)
    AttemptQuestion.objects.bulk_update(changed, ["response", "answered_at"])
    return problems
