"""The figures the learner's and the instructors' pages share, each defined once as an aggregate.

- cards started: a published card the learner has answered at least once
  (quizzes.review.models.introduced_q), shown as "started / total" (the topic's published cards);
- mastery: the share of the topic's published cards the learner is predicted to still recall 30
  days from now: FSRS recall at now + 30 days from each started card's current stability (default
  parameters), summed, over the topic's published cards (cards never studied count 0). For a
  cohort, the same sum over its learners over (published cards × learners): the mean of the
  learners' masteries;
- weak: a started topic whose started cards average below WEAK_RECALL at 30 days, or whose
  first-try accuracy is below WEAK_ACCURACY;
- first-try accuracy: for each card, only the first standing daily review of each learning day
  counts; the share of those answered Hard, Good or Easy (quizzes.review.selectors.answers), over
  the last 30 learning days, today included (window_start);
- the cohort: active learners who are not staff, optionally one group's members.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Count, F, FloatField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Floor, Greatest, Power

from quizzes.content.models import CardStatus, Topic
from quizzes.insights import statistics
from quizzes.review.days import LearningDay
from quizzes.review.models import introduced_q
from quizzes.review.selectors.answers import (  # noqa: F401 - the insights pages' names for them
    first_try_counts,
    standing_reviews,
)
from quizzes.review.sql import SECONDS_PER_DAY, EpochSeconds

WINDOW_DAYS = 30  # accuracy and retention look back this many learning days
MASTERY_HORIZON = timedelta(days=30)  # mastery is the recall predicted this far ahead

# A topic is weak when its started cards average below 60% predicted recall at 30 days. Under
# FSRS-6's default parameters a new card answered Good once has a stability of about 2.3 days,
# which gives 67% at 30 days (Easy: 79%); answered Hard once, 61%; answered Again, 47%. So a topic
# learned today with Good answers is not weak, one whose cards were mostly failed is. A mature
# card forgotten once keeps more (stability 20 days → about 65% after the lapse): first-try
# accuracy below 70% is what flags a topic whose known cards are slipping.
WEAK_RECALL = 0.60
WEAK_ACCURACY = 0.70


def window_start(learning_day: LearningDay, now: datetime) -> datetime:
    """Where first-try accuracy and retention start counting: the start of the learning day
    WINDOW_DAYS - 1 days before the one `now` is in (the last 30 learning days, today included)."""
    return learning_day.start(learning_day.day_of(now) - timedelta(days=WINDOW_DAYS - 1))


def learners(*, group: Group | None = None) -> QuerySet:
    """The cohort: active non-staff users, optionally one group's members, by username."""
    users = get_user_model().objects.filter(is_active=True, is_staff=False)
    if group is not None:
        users = users.filter(groups=group)
    return users.order_by("username")


def in_cohort_q(prefix: str, group: Group | None) -> Q:
    """learners(), as a condition on a related user (`prefix` leads to the user)."""
    query = Q(**{f"{prefix}is_active": True, f"{prefix}is_staff": False})
    if group is not None:
        query &= Q(**{f"{prefix}groups": group})
    return query


def cohort_key(group: Group | None) -> object:
    """How the remembered figures name a cohort: its group, or all learners."""
    return group.pk if group else "all"


def topics_with_totals() -> QuerySet[Topic]:
    """Every topic in reading order with its number of published cards (`published`), the
    denominator of mastery and of "cards started / total"."""
    return Topic.objects.in_reading_order().annotate(
        published=Count("cards", filter=Q(cards__status=CardStatus.PUBLISHED))
    )


def retrievability_sql(moment: datetime, *, prefix: str = "") -> Power:
    """Predicted recall of a memory state at `moment`, as scheduling.retrievability computes it:
    (1 + FACTOR · t / S) ^ DECAY with t the whole days since the last review."""
    elapsed = Greatest(
        Floor(
            (Value(moment.timestamp()) - EpochSeconds(F(f"{prefix}last_review"))) / SECONDS_PER_DAY
        ),
        Value(0.0),
    )
    return Power(
        Value(1.0) + Value(statistics.FACTOR) * elapsed / F(f"{prefix}stability"),
        Value(statistics.DECAY),
        output_field=FloatField(),
    )


@dataclass(frozen=True)
class Mastery:
    """A topic's mastery: of `total` published cards (× learners, for a cohort), `started` were
    started and `recalled` are expected to still be recalled 30 days from now."""

    started: int = 0
    total: int = 0
    recalled: float = 0.0

    @property
    def share(self) -> float | None:
        """The mastery shown (0 for a topic never studied; None only for a topic with no cards)."""
        return min(1.0, self.recalled / self.total) if self.total else None

    @property
    def recall_of_started(self) -> float | None:
        """Mean predicted recall at 30 days of the cards started (what makes a topic weak)."""
        return self.recalled / self.started if self.started else None


@dataclass(kw_only=True)
class TopicFigures:
    """A learner's figures for one topic (or the cohort's): mastery and first-try accuracy."""

    memory: Mastery = field(default_factory=Mastery)
    first_tries: int = 0
    accuracy: float | None = None

    @property
    def introduced(self) -> int:
        return self.memory.started

    @property
    def total(self) -> int:
        return self.memory.total

    @property
    def mastery(self) -> float | None:
        return self.memory.share

    @property
    def weak(self) -> bool:
        return is_weak(self.memory, self.accuracy)


def is_weak(mastery: Mastery, accuracy: float | None) -> bool:
    """Started, and either the started cards' recall at 30 days or first-try accuracy is low."""
    if not mastery.started:
        return False
    recall = mastery.recall_of_started
    low_recall = recall is not None and recall < WEAK_RECALL
    return low_recall or (accuracy is not None and accuracy < WEAK_ACCURACY)


def mastery_by(
    keys: Sequence[str], states: QuerySet, *, now: datetime, **more: Any
) -> dict[tuple, dict]:
    """Per value of `keys` over the given memory states: cards started (`started`) and the
    expected number of them still recalled 30 days from now (`recalled`), with any `more`
    aggregates of the same rows (1 query). Mastery(started, total, recalled) turns a row into
    the figure, with the total the caller knows (the topic's published cards)."""
    started = introduced_q()
    rows = states.values(*keys).annotate(
        started=Count("id", filter=started),
        recalled=Coalesce(
            Sum(
                retrievability_sql(now + MASTERY_HORIZON),
                filter=started & Q(stability__gt=0),
            ),
            Value(0.0),
            output_field=FloatField(),
        ),
        **more,
    )
    return {tuple(row[key] for key in keys): row for row in rows}


def mastery_of(row: dict | None, *, total: int) -> Mastery:
    """The Mastery of one mastery_by row (None: nothing started) out of `total` cards."""
    if row is None:
        return Mastery(total=total)
    return Mastery(started=row["started"], total=total, recalled=float(row["recalled"]))
