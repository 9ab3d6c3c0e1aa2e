"""The summary at the end of the day's review: what the learner did today, from the same
definitions the progress page uses (quizzes.review.selectors.answers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Sum

from quizzes.review.days import streak
from quizzes.review.models import LearnerSettings
from quizzes.review.selectors.answers import first_try_counts, review_days, standing_reviews


@dataclass(frozen=True)
class DaySummary:
    answered: int  # standing answers today (a card answered twice counts twice, as in Anki)
    first_tries: int
    first_tries_recalled: int
    time_spent: timedelta  # the answer timer's total (each answer capped at a minute)
    streak: int  # learning days in a row with a review, today included
    next_due: datetime | None

    @property
    def first_try_accuracy(self) -> float | None:
        return self.first_tries_recalled / self.first_tries if self.first_tries else None


def day_summary(
    *, user: Any, now: datetime, learner_settings: LearnerSettings, next_due: datetime | None
) -> DaySummary:
    """Today's answers, first-try accuracy, time spent and streak for the learner (3 queries);
    `next_due` comes from the queue the end screen already read."""
    day = learner_settings.learning_day
    today = standing_reviews(since=day.start_of(now), until=day.next_start(now)).filter(user=user)
    figures = today.aggregate(answered=Count("id"), milliseconds=Sum("duration_ms"))
    tries, recalled = first_try_counts(today, keys=[], learning_day=day).get((), (0, 0))
    days = review_days(user=user, learning_day=day, until=day.next_start(now))
    return DaySummary(
        answered=figures["answered"],
        first_tries=tries,
        first_tries_recalled=recalled,
        time_spent=timedelta(milliseconds=figures["milliseconds"] or 0),
        streak=streak(days, today=day.day_of(now)),
        next_due=next_due,
    )
