"""Writes of training: start an attempt, save an answer, submit (grade once), record completions.

Time limit: an attempt's answers are accepted until it closes: Attempt.deadline (fixed when it
starts: the time limit, capped at the module's closing) or the module's `available_until`,
whichever comes first, checked here on the server against the `now` the caller passes. An answer
at or after that moment is refused (TimeUp) and the attempt is submitted with what was saved
before it, stamped submitted at that moment. Submitting claims the attempt with a conditional
UPDATE (submitted_at IS NULL), so a double submit grades it once.

Mistakes become practice: on submit, every question not fully right (wrong, partly right or left
blank) is logged as a quiz review rated Again for that card, which puts it in the learner's
learning queue (due minutes later, so certainly in tomorrow's review). Doing it on submit rather
than on each answer means changing an answer never leaves a stale review behind. A question whose
card changed after it was drawn earns 0 but is not the learner's mistake, so it is not logged.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.template.defaultfilters import pluralize

from quizzes.content.models import CardKind, Choice
from quizzes.review.services.recording import quiz_mistakes_record
from quizzes.training import grading
from quizzes.training.errors import (
    AlreadyAnswered,
    AttemptFinished,
    InvalidAnswer,
    ModuleClosed,
    NoAttemptsLeft,
    NotAssigned,
    QuestionChanged,
    TimeUp,
)
from quizzes.training.models import (
    Attempt,
    AttemptQuestion,
    Completion,
    FeedbackPolicy,
    TrainingModule,
)
from quizzes.training.selectors.learner import assignments_for, module_closed_reason, pool_cards

MAX_TYPED_LENGTH = 500


TIME_UP_MESSAGE = (
    "Time is up: your attempt was submitted with the answers saved before the deadline."
)
CLOSED_MESSAGE = (
    "The module has closed: your attempt was submitted with the answers saved before it closed."
)
FINISHED_MESSAGE = "This attempt was already submitted; its answers can no longer change."
CHANGED_MESSAGE = (
    "This question was changed by your instructor after the attempt started, so it can no "
    "longer be answered. It earns no credit."
)


def closes_at(attempt: Attempt) -> datetime | None:
    """When the attempt stops taking answers: its deadline or the module's closing, if sooner.

    The module's closing is read again because an instructor may bring it forward mid-attempt.
    """
    ends = [end for end in (attempt.deadline, attempt.module.available_until) if end is not None]
    return min(ends) if ends else None


def is_expired(attempt: Attempt, *, now: datetime) -> bool:
    end = closes_at(attempt)
    return end is not None and now >= end


def time_up_message(attempt: Attempt, *, now: datetime) -> str:
    until = attempt.module.available_until
    closed = until is not None and now >= until
    if closed and (attempt.deadline is None or until <= attempt.deadline):
        return CLOSED_MESSAGE
    return TIME_UP_MESSAGE


# --- Starting --------------------------------------------------------------------------------


def _draw(module: TrainingModule, *, rng: random.Random) -> list[tuple[int, str, list[int]]]:
    """The attempt's questions: (card id, kind, choice ids as shown), drawn from the pool."""
    kinds = dict(pool_cards(module).values_list("pk", "kind"))
    pool = list(kinds)
    if not pool:
        raise ModuleClosed("This module has no questions yet. Please tell your instructor.")
    drawn = rng.sample(pool, k=min(module.questions_per_attempt, len(pool)))
    if not module.shuffle_questions:
        order = {card_id: index for index, card_id in enumerate(pool)}
        drawn.sort(key=order.__getitem__)
    choices: dict[int, list[int]] = {card_id: [] for card_id in drawn}
    for card_id, choice_id in (
        Choice.objects.filter(card_id__in=drawn)
        .order_by("position", "id")
        .values_list("card_id", "pk")
    ):
        choices[card_id].append(choice_id)
    if module.shuffle_choices:
        for ids in choices.values():
            rng.shuffle(ids)
    return [(card_id, kinds[card_id], choices[card_id]) for card_id in drawn]


def attempt_start(
    *, user: Any, module: TrainingModule, now: datetime, rng: random.Random | None = None
) -> Attempt:
    """The learner's open attempt of the module, or a new one with freshly drawn questions.

    Raises NotAssigned, ModuleClosed (unpublished, outside its dates, empty pool) or
    NoAttemptsLeft. An open attempt past its deadline is submitted first.
    """
    if not assignments_for(user).filter(module=module).exists():
        raise NotAssigned("This module is not assigned to you.")
    attempts_expire(user=user, now=now, module=module)
    with transaction.atomic():
        reason = module_closed_reason(module, now=now)
        if reason:
            raise ModuleClosed(reason)
        current = Attempt.objects.filter(user=user, module=module, submitted_at__isnull=True)
        existing = current.first()
        if existing is not None:
            return existing
        used = Attempt.objects.filter(user=user, module=module).aggregate(n=Max("number"))["n"]
        used = used or 0
        if module.attempts_allowed and used >= module.attempts_allowed:
            allowed = module.attempts_allowed
            raise NoAttemptsLeft(
                f"You have used {'your' if allowed == 1 else 'all'} {allowed} "
                f"attempt{pluralize(allowed)} of this module."
            )
        questions = _draw(module, rng=rng or random.SystemRandom())
        ends = [module.available_until] if module.available_until is not None else []
        if module.time_limit_minutes:
            ends.append(now + timedelta(minutes=module.time_limit_minutes))
        deadline = min(ends) if ends else None
        try:
            with transaction.atomic():
                attempt = Attempt.objects.create(
                    module=module, user=user, number=used + 1, started_at=now, deadline=deadline
                )
                AttemptQuestion.objects.bulk_create(
                    AttemptQuestion(
                        attempt=attempt,
                        card_id=card_id,
                        card_kind=kind,
                        position=position,
                        choice_order=order,
                    )
                    for position, (card_id, kind, order) in enumerate(questions, start=1)
                )
        except IntegrityError:
            # Started at the same moment in another tab: that attempt is the one to resume.
            existing = current.first()
            if existing is None:
                raise
            return existing
    return attempt


# --- Answering -------------------------------------------------------------------------------


def _clean_response(
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


def answer_save(
    *,
    attempt: Attempt,
    question: AttemptQuestion,
    choice_ids: list[int] | None = None,
    typed: str = "",
    now: datetime,
) -> AttemptQuestion:
    """Save the learner's answer to one question of her open attempt, at once.

    Raises AttemptFinished (already submitted), TimeUp (deadline passed or module closed: the
    attempt is then submitted), InvalidAnswer (a choice not shown, none picked, empty text),
    QuestionChanged (the card was edited since it was drawn) or AlreadyAnswered (immediate
    feedback: the first answer is final).
    """
    if question.attempt_id != attempt.pk:
        raise InvalidAnswer("That question is not part of this attempt.")
    response = _clean_response(question, choice_ids=choice_ids or [], typed=typed)
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().select_related("module").get(pk=attempt.pk)
        if locked.submitted_at is not None:
            raise AttemptFinished(FINISHED_MESSAGE)
        expired = is_expired(locked, now=now)
        if not expired:
            saved = AttemptQuestion.objects.filter(pk=question.pk)
            if locked.module.feedback_policy == FeedbackPolicy.IMMEDIATE:
                # Feedback is shown right after answering, so the first answer is final.
                saved = saved.filter(answered_at__isnull=True)
            if not saved.update(response=response, answered_at=now):
                raise AlreadyAnswered("You already answered this question.")
            question.response = response
            question.answered_at = now
            return question
    attempt_submit(attempt=locked, now=now)
    raise TimeUp(time_up_message(locked, now=now))


# --- Submitting ------------------------------------------------------------------------------


def attempt_submit(*, attempt: Attempt, now: datetime) -> Attempt:
    """Grade the attempt once: credit per question, score, pass/fail, the first Completion, and
    every question not fully right into the learner's review. A repeat returns it unchanged.

    A fixed number of queries however many questions are wrong: the write lock is held meanwhile.
    """
    end = closes_at(attempt)
    submitted_at = min(now, end) if end is not None else now
    with transaction.atomic():
        claimed = Attempt.objects.filter(pk=attempt.pk, submitted_at__isnull=True).update(
            submitted_at=submitted_at
        )
        if not claimed:
            return Attempt.objects.select_related("module").get(pk=attempt.pk)
        attempt = Attempt.objects.select_related("module", "user").get(pk=attempt.pk)
        module = attempt.module
        questions = list(
            AttemptQuestion.objects.filter(attempt=attempt)
            .select_related("card")
            .prefetch_related("card__choices")
        )
        mistakes = []
        for question in questions:
            grade = grading.grade_question(question, partial_credit=module.partial_credit)
            question.fraction = grade.fraction
            if not grade.changed and not grading.is_fully_right(grade.fraction):
                mistakes.append(question)
        AttemptQuestion.objects.bulk_update(questions, ["fraction"])
        attempt.score = grading.attempt_score(
            (q.fraction for q in questions), questions=len(questions)
        )
        attempt.passed = grading.is_pass(attempt.score, pass_mark=module.pass_mark)
        Attempt.objects.filter(pk=attempt.pk).update(score=attempt.score, passed=attempt.passed)
        if attempt.passed:
            # Only the first pass counts; later passes leave the completion as it was.
            Completion.objects.bulk_create(
                [
                    Completion(
                        module=module,
                        user=attempt.user,
                        attempt=attempt,
                        completed_at=submitted_at,
                        score=attempt.score,
                    )
                ],
                ignore_conflicts=True,
            )
        quiz_mistakes_record(
            user=attempt.user,
            cards_by_token={f"quiz-{question.pk}": question.card for question in mistakes},
            now=now,
        )
    return attempt


def attempts_expire(*, user: Any, now: datetime, module: TrainingModule | None = None) -> int:
    """Grade the learner's open attempts whose time is up or whose module has closed (one query
    when there are none), so every page shows them as graded. Returns how many were graded."""
    expired = Attempt.objects.filter(user=user, submitted_at__isnull=True).filter(
        Q(deadline__lte=now) | Q(module__available_until__lte=now)
    )
    if module is not None:
        expired = expired.filter(module=module)
    graded = 0
    for attempt in expired.select_related("module"):
        attempt_submit(attempt=attempt, now=now)
        graded += 1
    return graded
