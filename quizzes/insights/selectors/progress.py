"""Reads for a learner's own progress page: per-topic figures, overall figures and charts.

Definitions (also in the README; shared figures are defined in quizzes.insights.selectors.figures):
- due today: cards in the queue (published, not suspended, not buried) that are due before the
  learner's day ends; due next week: in the 7 learning days after;
- true retention (last 30 learning days, as Anki's True Retention table): among standing daily
  reviews of cards that were in the review stage, the share not answered Again;
- streak: consecutive learning days with at least one standing review, ending today, or yesterday
  when there is no review yet today.

Every figure comes from an aggregate query; the page uses a fixed number of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Max, Q

from quizzes.content.models import Topic
from quizzes.insights import statistics
from quizzes.insights.selectors.figures import (
    TopicFigures,
    first_try_counts,
    mastery_by,
    mastery_of,
    standing_reviews,
    topics_with_totals,
    window_start,
)
from quizzes.review.days import EPOCH, LearningDay, streak
from quizzes.review.models import MemoryStage, MemoryState, due_by_q, in_queue_q
from quizzes.review.selectors import answers
from quizzes.review.selectors.settings import learner_settings
from quizzes.review.sql import LearningDayNumber
from quizzes.training.models import Attempt

FORECAST_DAYS = 30
HEATMAP_DAYS = 365


@dataclass(frozen=True)
class LearnerClock:
    """`now` in the learner's days: which day it is, when it started and ends."""

    now: datetime
    learning_day: LearningDay

    @property
    def today(self) -> date:
        return self.learning_day.day_of(self.now)

    @property
    def day_start(self) -> datetime:
        return self.learning_day.start(self.today)

    @property
    def day_end(self) -> datetime:
        return self.learning_day.start(self.today + timedelta(days=1))

    @property
    def window_start(self) -> datetime:
        return window_start(self.learning_day, self.now)


def learner_clock(*, user: Any, now: datetime) -> LearnerClock:
    """The learner's own day boundaries (their settings, or the defaults; 1 query)."""
    return LearnerClock(now=now, learning_day=learner_settings(user).learning_day)


@dataclass(kw_only=True)
class TopicProgress(TopicFigures):
    topic: Topic
    due_today: int = 0
    due_next_week: int = 0
    best_quiz_score: float | None = None


@dataclass
class LearnerProgress:
    clock: LearnerClock
    topics: list[TopicProgress]
    reviews_today: int
    streak: int
    retention_reviews: int
    true_retention: float | None
    forecast: list[tuple[date, int]]
    review_days: dict[date, int] = field(default_factory=dict)

    @property
    def weak_topics(self) -> list[TopicProgress]:
        return [row for row in self.topics if row.weak]

    @property
    def due_today(self) -> int:
        return sum(row.due_today for row in self.topics)


def topic_memory(*, user: Any, clock: LearnerClock) -> dict[int, dict]:
    """Per topic: cards started, their recall in 30 days (mastery_by), due today and in the 7 days
    after (1 query)."""
    queued = in_queue_q(clock.now)
    week_end = clock.day_end + timedelta(days=7)
    figures = mastery_by(
        ["card__topic_id"],
        MemoryState.objects.filter(user=user),
        now=clock.now,
        due_today=Count("id", filter=queued & due_by_q(clock.day_end)),
        due_next_week=Count("id", filter=queued & due_by_q(week_end) & Q(due__gt=clock.day_end)),
    )
    return {
        key[0]: {name: value for name, value in row.items() if name != "card__topic_id"}
        for key, row in figures.items()
    }


def topic_accuracy(*, user: Any, clock: LearnerClock) -> dict[int, tuple[int, int]]:
    """Per topic: (first tries, first tries recalled) over the last 30 learning days (1 query)."""
    window = standing_reviews(since=clock.window_start, until=clock.now).filter(user=user)
    counts = first_try_counts(window, keys=["card__topic_id"], learning_day=clock.learning_day)
    return {key[0]: value for key, value in counts.items()}


def topic_best_quiz_scores(*, user: Any) -> dict[int, float]:
    """Per topic: the learner's best submitted score in any module with a lesson of it (1 query)."""
    rows = (
        Attempt.objects.filter(user=user, submitted_at__isnull=False)
        .values(topic_id=F("module__module_lessons__lesson__topic_id"))
        .annotate(best=Max("score"))
        .filter(topic_id__isnull=False)
    )
    return {row["topic_id"]: float(row["best"]) for row in rows if row["best"] is not None}


def topic_progress(*, user: Any, clock: LearnerClock) -> list[TopicProgress]:
    """Every topic in reading order with the learner's figures (4 queries whatever the sizes)."""
    topics = topics_with_totals()
    memory = topic_memory(user=user, clock=clock)
    accuracy = topic_accuracy(user=user, clock=clock)
    best = topic_best_quiz_scores(user=user)
    result = []
    for topic in topics:
        figures = memory.get(topic.pk, {})
        row = TopicProgress(
            topic=topic,
            memory=mastery_of(figures or None, total=topic.published),
            due_today=figures.get("due_today", 0),
            due_next_week=figures.get("due_next_week", 0),
        )
        tries, recalled = accuracy.get(topic.pk, (0, 0))
        row.first_tries = tries
        row.accuracy = statistics.ratio(recalled, tries)
        row.best_quiz_score = best.get(topic.pk)
        result.append(row)
    return result


def review_days(*, user: Any, clock: LearnerClock) -> dict[date, int]:
    """Standing reviews per learning day over the learner's history (1 query, a row per day)."""
    return answers.review_days(user=user, learning_day=clock.learning_day, until=clock.now)


def retention(*, user: Any, clock: LearnerClock) -> tuple[int, int]:
    """(review-stage reviews, of which recalled) over the last 30 learning days (1 query)."""
    in_review = Q(stage_before=MemoryStage.REVIEW)
    figures = (
        standing_reviews(since=clock.window_start, until=clock.now)
        .filter(user=user)
        .aggregate(
            total=Count("id", filter=in_review),
            recalled=Count("id", filter=in_review & Q(rating__gt=1)),
        )
    )
    return figures["total"], figures["recalled"]


def due_forecast(
    *, user: Any, clock: LearnerClock, days: int = FORECAST_DAYS
) -> list[tuple[date, int]]:
    """Cards due on each of the next `days` learning days; overdue ones count today (1 query)."""
    day = LearningDayNumber("due", learning_day=clock.learning_day)
    horizon = clock.learning_day.start(clock.today + timedelta(days=days))
    rows = (
        MemoryState.objects.filter(in_queue_q(clock.now), due_by_q(horizon), user=user)
        .annotate(day=day)
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {clock.today + timedelta(days=offset): 0 for offset in range(days)}
    for row in rows:
        day = max(EPOCH + timedelta(days=row["day"]), clock.today)
        if day in counts:  # a card due at the horizon's very instant falls on the day after
            counts[day] += row["n"]
    return sorted(counts.items())


def learner_progress(*, user: Any, now: datetime) -> LearnerProgress:
    """Everything the progress page shows, for this learner only (8 queries)."""
    clock = learner_clock(user=user, now=now)
    days = review_days(user=user, clock=clock)
    retention_reviews, recalled = retention(user=user, clock=clock)
    return LearnerProgress(
        clock=clock,
        topics=topic_progress(user=user, clock=clock),
        reviews_today=days.get(clock.today, 0),
        streak=streak(days, today=clock.today),
        retention_reviews=retention_reviews,
        true_retention=statistics.ratio(recalled, retention_reviews),
        forecast=due_forecast(user=user, clock=clock),
        review_days={
            day: n for day, n in days.items() if day > clock.today - timedelta(days=HEATMAP_DAYS)
        },
    )
