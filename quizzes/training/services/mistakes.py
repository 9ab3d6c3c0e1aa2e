"""Quiz mistakes into the daily review, only once the learner may see the feedback.

Every question of a submitted attempt not fully right (wrong, partly right or left blank) is
logged as a quiz review rated Again for its card, which puts it in the learner's learning queue.
The daily review shows the right answer, so a mistake goes there only when the module's feedback
policy lets the learner see it: with feedback after each question, as soon as the answer is
checked; after submitting, on submit; only after the module closes, once it has closed (released
by `mistakes_release`, which `send_reminders` runs hourly and the training pages run for their
learner). A question whose card changed after it was drawn earns 0 but is not the learner's
mistake, so it is not logged. Each question is logged once (its token), however often this runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from quizzes.review.services.recording import quiz_mistakes_record
from quizzes.training import grading
from quizzes.training.models import Attempt, AttemptQuestion, FeedbackPolicy
from quizzes.training.selectors.learner import feedback_visible


def _mistakes(questions: Iterable[AttemptQuestion], *, partial_credit: bool) -> dict[str, Any]:
    """The cards of the questions not fully right, by their one-time review token."""
    cards = {}
    for question in questions:
        grade = grading.grade_question(question, partial_credit=partial_credit)
        if not grade.changed and not grading.is_fully_right(grade.fraction):
            cards[f"quiz-{question.pk}"] = question.card
    return cards


def mistakes_record_now(
    *,
    questions: Iterable[AttemptQuestion],
    user: Any,
    partial_credit: bool = False,
    clock: Callable[[], datetime] = timezone.now,
) -> None:
    """Log the given questions' mistakes now (a checked answer whose feedback is shown at once).
    Runs inside the caller's transaction."""
    quiz_mistakes_record(
        user=user, cards_by_token=_mistakes(questions, partial_credit=partial_credit), clock=clock
    )


def mistakes_release_attempt(
    *,
    attempt: Attempt,
    now: datetime,
    clock: Callable[[], datetime] = timezone.now,
    questions: Iterable[AttemptQuestion] | None = None,
) -> bool:
    """Send the submitted attempt's mistakes to review if its feedback is visible at `now` and
    they were not sent yet (claimed with a conditional UPDATE, so exactly once). `questions` are
    the attempt's questions with cards and choices, when already loaded. Returns whether it
    released them. Runs inside the caller's transaction."""
    if attempt.mistakes_released_at is not None:
        return False
    if not feedback_visible(module=attempt.module, attempt=attempt, now=now):
        return False
    claimed = Attempt.objects.filter(pk=attempt.pk, mistakes_released_at__isnull=True).update(
        mistakes_released_at=now
    )
    if not claimed:
        return False
    attempt.mistakes_released_at = now
    if questions is None:
        questions = (
            AttemptQuestion.objects.filter(attempt=attempt)
            .select_related("card")
            .prefetch_related("card__choices")
        )
    mistakes_record_now(
        questions=questions,
        user=attempt.user,
        partial_credit=attempt.module.partial_credit,
        clock=clock,
    )
    return True


def mistakes_release(
    *, now: datetime, user: Any = None, clock: Callable[[], datetime] = timezone.now
) -> int:
    """Release the mistakes of every submitted attempt whose feedback has become visible (of one
    learner when given): one query when there is nothing to release. Returns how many attempts."""
    pending = (
        Attempt.objects.filter(submitted_at__isnull=False, mistakes_released_at__isnull=True)
        .filter(
            # feedback_visible's "the module is not open" (module_closed_reason): unpublished,
            # not open yet, or past its closing.
            ~Q(module__feedback_policy=FeedbackPolicy.AFTER_CLOSE)
            | Q(module__is_published=False)
            | Q(module__available_from__gt=now)
            | Q(module__available_until__lte=now)
        )
        .select_related("module", "user")
    )
    if user is not None:
        pending = pending.filter(user=user)
    released = 0
    for attempt in pending:
        with transaction.atomic():
            released += mistakes_release_attempt(attempt=attempt, now=now, clock=clock)
    return released
