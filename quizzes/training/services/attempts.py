"""Writes of training: start an attempt, save answers, flag questions, submit (grade once).

Time limit: an attempt's answers are accepted until it closes: Attempt.deadline (fixed when it
starts: the time limit, capped at the module's closing) or the module's `available_until`,
whichever comes first, checked here on the server against the `now` the caller passes. An answer
at or after that moment is refused (TimeUp) and the attempt is submitted with what was saved
before it, stamped submitted at that moment. Submitting claims the attempt with a conditional
UPDATE (submitted_at IS NULL), so a double submit grades it once.

No answer is lost: a page of the attempt posts every answer on it (to move between pages, to the
summary, or to submit), and they are saved in the same transaction as the move or the submit. An
answer saved one question at a time (htmx, as the learner goes) that arrives after the submit is
accepted when it is what was submitted, and refused with a clear message otherwise.

Mistakes become practice once the learner may see the feedback (services.mistakes).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.template.defaultfilters import pluralize
from django.utils import timezone

from quizzes.content.models import Choice
from quizzes.training import grading
from quizzes.training.errors import (
    AlreadyAnswered,
    AttemptFinished,
    InvalidAnswer,
    LessonsUnread,
    ModuleClosed,
    NoAttemptsLeft,
    NotAssigned,
    TimeUp,
)
from quizzes.training.grading import GivenAnswer
from quizzes.training.models import (
    Attempt,
    AttemptQuestion,
    Completion,
    FeedbackPolicy,
    TrainingModule,
)
from quizzes.training.selectors.learner import (
    assignments_for,
    lessons_unread,
    module_closed_reason,
    pool_cards,
)
from quizzes.training.services.answers import clean_response, store_given
from quizzes.training.services.certificates import certificate_issue
from quizzes.training.services.mistakes import mistakes_record_now, mistakes_release_attempt

# How late the timer's submit at zero may arrive and still carry its answers (network and a busy
# phone; as Moodle's grace period for automatic submission, only much shorter).
AUTO_SUBMIT_GRACE = timedelta(seconds=5)

TIME_UP_MESSAGE = (
    "Time is up: your attempt was submitted with the answers saved before the deadline."
)
CLOSED_MESSAGE = (
    "The module has closed: your attempt was submitted with the answers saved before it closed."
)
FINISHED_MESSAGE = "This attempt was already submitted; its answers can no longer change."
LATE_MESSAGE = (
    "Not saved: this attempt was already submitted, so this change to question {position} does "
    "not count. Your result shows the answer that was submitted."
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


def lessons_unread_message(titles: Sequence[str]) -> str:
    listed = "; ".join(f"“{title}”" for title in titles)
    lessons = "this lesson" if len(titles) == 1 else f"these {len(titles)} lessons"
    return f"Read {lessons} before starting the quiz: {listed}."


def attempt_start(
    *, user: Any, module: TrainingModule, now: datetime, rng: random.Random | None = None
) -> Attempt:
    """The learner's open attempt of the module, or a new one with freshly drawn questions.

    Raises NotAssigned, ModuleClosed (unpublished, outside its dates, empty pool), LessonsUnread
    (the module wants its lessons read first) or NoAttemptsLeft. An open attempt past its deadline
    is submitted first.
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
        if module.lessons_required:
            unread = lessons_unread(user=user, module=module)
            if unread:
                raise LessonsUnread(lessons_unread_message(unread))
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


def _lock_open(attempt: Attempt) -> Attempt:
    """The attempt, locked for this transaction, with its module."""
    return Attempt.objects.select_for_update().select_related("module").get(pk=attempt.pk)


def answer_save(
    *,
    attempt: Attempt,
    question: AttemptQuestion,
    choice_ids: list[int] | None = None,
    typed: str = "",
    now: datetime,
    check: bool = False,
) -> AttemptQuestion:
    """Save the learner's answer to one question of her open attempt, at once. With feedback
    after each question, `check` makes the answer final (a wrong one goes to review at once).

    An answer that arrives after the attempt was submitted, or after its time ran out, is accepted
    when it equals what was saved. Raises AttemptFinished (submitted, and the answer differs),
    TimeUp (deadline passed or module closed: the attempt is then submitted), InvalidAnswer (a
    choice not shown, none picked, empty text), QuestionChanged (the card was edited since it was
    drawn) or AlreadyAnswered (the answer was already checked).
    """
    if question.attempt_id != attempt.pk:
        raise InvalidAnswer("That question is not part of this attempt.")
    response = clean_response(question, choice_ids=choice_ids or [], typed=typed)
    with transaction.atomic():
        locked = _lock_open(attempt)
        stored = (
            AttemptQuestion.objects.select_related("card")
            .prefetch_related("card__choices")
            .get(pk=question.pk)
        )
        if locked.submitted_at is not None:
            if stored.response == response:
                return stored
            raise AttemptFinished(LATE_MESSAGE.format(position=question.position))
        if not is_expired(locked, now=now):
            immediate = locked.module.feedback_policy == FeedbackPolicy.IMMEDIATE
            if immediate and stored.checked_at is not None:
                raise AlreadyAnswered("You already checked this question; that answer is final.")
            if stored.response != response:
                stored.response, stored.answered_at = response, now
            if immediate and check:
                stored.checked_at = now
            stored.save(update_fields=["response", "answered_at", "checked_at"])
            if immediate and check:
                mistakes_record_now(
                    questions=[stored],
                    user=locked.user,
                    partial_credit=locked.module.partial_credit,
                )
            return stored
    attempt_submit(attempt=locked, now=now)
    if stored.response == response:
        return stored
    raise TimeUp(time_up_message(locked, now=now))


def answers_save(
    *, attempt: Attempt, given: Sequence[GivenAnswer], now: datetime
) -> dict[int, str]:
    """Save every answer of one page of the attempt together (blank ones are left as they were).

    Returns the problems of answers refused (by position); the others are saved. Raises
    AttemptFinished (submitted, and an answer differs from what was submitted) or TimeUp (the
    attempt is then submitted with what was saved in time).
    """
    with transaction.atomic():
        locked = _lock_open(attempt)
        if locked.submitted_at is None and not is_expired(locked, now=now):
            return store_given(locked, given, now=now)
    if locked.submitted_at is None:
        attempt_submit(attempt=locked, now=now)
        raise TimeUp(time_up_message(locked, now=now))
    raise AttemptFinished(FINISHED_MESSAGE)


def question_flag(*, attempt: Attempt, position: int, flagged: bool) -> AttemptQuestion:
    """Flag a question of the open attempt for review, or remove the flag (the learner's own
    bookmark: allowed until the attempt is submitted). Raises AttemptFinished."""
    with transaction.atomic():
        locked = _lock_open(attempt)
        if locked.submitted_at is not None:
            raise AttemptFinished(FINISHED_MESSAGE)
        question = AttemptQuestion.objects.get(attempt=locked, position=position)
        if question.flagged != flagged:
            question.flagged = flagged
            question.save(update_fields=["flagged"])
        return question


# --- Submitting ------------------------------------------------------------------------------


def attempt_submit(
    *,
    attempt: Attempt,
    now: datetime,
    given: Sequence[GivenAnswer] = (),
    grace: timedelta = timedelta(0),
    clock: Callable[[], datetime] = timezone.now,
) -> Attempt:
    """Save the answers carried by the submit (when still in time), then grade the attempt once:
    credit per question, score, pass/fail, the first Completion and its certificate, and the
    mistakes into review if the learner may see the feedback now. A repeat returns it unchanged.

    `grace` is for the timer's own submit at zero (AUTO_SUBMIT_GRACE): it leaves the page as the
    time runs out, so its answers may reach the server a moment after the deadline. All in one
    transaction, in a fixed number of queries however many questions there are.
    """
    end = closes_at(attempt)
    submitted_at = min(now, end) if end is not None else now
    with transaction.atomic():
        if given:
            locked = _lock_open(attempt)
            if locked.submitted_at is None and not is_expired(locked, now=now - grace):
                store_given(locked, given, now=min(now, closes_at(locked) or now))
        claimed = Attempt.objects.filter(pk=attempt.pk, submitted_at__isnull=True).update(
            submitted_at=submitted_at
        )
        if not claimed:
            return Attempt.objects.select_related("module").get(pk=attempt.pk)
        attempt = Attempt.objects.select_related("module", "user").get(pk=attempt.pk)
        questions = _grade(attempt, now=now)
        mistakes_release_attempt(attempt=attempt, now=now, clock=clock, questions=questions)
    return attempt


def _grade(attempt: Attempt, *, now: datetime) -> list[AttemptQuestion]:
    """Credit, score, pass and (first pass) completion with its certificate; the questions."""
    module = attempt.module
    questions = list(
        AttemptQuestion.objects.filter(attempt=attempt)
        .select_related("card")
        .prefetch_related("card__choices")
    )
    for question in questions:
        question.fraction = grading.grade_question(
            question, partial_credit=module.partial_credit
        ).fraction
    AttemptQuestion.objects.bulk_update(questions, ["fraction"])
    attempt.score = grading.attempt_score((q.fraction for q in questions), questions=len(questions))
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
                    completed_at=attempt.submitted_at,
                    score=attempt.score,
                )
            ],
            ignore_conflicts=True,
        )
        completion = Completion.objects.filter(attempt=attempt).select_related("module", "user")
        for first_pass in completion:
            certificate_issue(completion=first_pass, now=now)
    return questions


def attempts_expire(*, user: Any, now: datetime, module: TrainingModule | None = None) -> int:
    """Grade the learner's open attempts whose time is up or whose module has closed (one query
    when there are none), so every page shows them as graded. Returns how many were graded."""
    return attempts_close_expired(now=now, user=user, module=module)


def attempts_close_expired(
    *, now: datetime, user: Any = None, module: TrainingModule | None = None
) -> int:
    """Grade open attempts past their deadline (every learner's unless one is given): the server
    closes an attempt at its deadline even if the learner never comes back (send_reminders runs
    this hourly; pages run it for their learner)."""
    expired = Attempt.objects.filter(submitted_at__isnull=True).filter(
        Q(deadline__lte=now) | Q(module__available_until__lte=now)
    )
    if user is not None:
        expired = expired.filter(user=user)
    if module is not None:
        expired = expired.filter(module=module)
    graded = 0
    for attempt in expired.select_related("module"):
        attempt_submit(attempt=attempt, now=now)
        graded += 1
    return graded
