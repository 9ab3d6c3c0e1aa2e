"""Reads of the daily review: what to show next, today's counts and the intervals each grade gives.

Queue order (as in Anki): learning and relearning cards that are due (earliest first), then due
review cards with the lowest predicted recall first, then new cards in topic and lesson order. New
cards and reviews are capped per learning day (starting at the learner's own hour and time zone).

Lowest predicted recall in SQL: FSRS-6 recall is R = (1 + FACTOR * t / S) ** DECAY with DECAY < 0
and FACTOR > 0, a strictly decreasing function of t / S (t = days since the last review, S =
stability), whatever the learner's parameters. So the queue orders due review cards by t / S
descending, the same order as R ascending, without computing the power in the database.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DateTimeField,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from quizzes import scheduling
from quizzes.answers import ALL_GRADES
from quizzes.models import (
    CardStatus,
    Choice,
    LearnerSettings,
    MemoryStage,
    MemoryState,
    ReviewLog,
    ReviewSource,
    Topic,
)
from quizzes.services.review import scheduler_for

LEARNING_STAGES = (MemoryStage.LEARNING, MemoryStage.RELEARNING)


class ElapsedOverStability(Func):
    """Days since the last review divided by stability: larger means lower predicted recall."""

    output_field = FloatField()

    def __init__(self, now: datetime) -> None:
        super().__init__(Value(now, output_field=DateTimeField()), F("last_review"), F("stability"))

    def _parts(self, compiler, connection):
        sqls, params = [], []
        for expression in self.get_source_expressions():
            sql, part_params = compiler.compile(expression)
            sqls.append(sql)
            params.extend(part_params)
        return sqls, params

    def as_sqlite(self, compiler, connection, **extra_context):
        (now, last, stability), params = self._parts(compiler, connection)
        return f"((julianday({now}) - julianday({last})) / {stability})", params

    def as_sql(self, compiler, connection, **extra_context):
        (now, last, stability), params = self._parts(compiler, connection)
        return f"(EXTRACT(EPOCH FROM ({now} - {last})) / 86400.0 / {stability})", params


@dataclass(frozen=True)
class GradeOption:
    rating: int
    name: str
    key: str
    css: str
    interval: str


@dataclass
class ReviewScreen:
    """Everything the review page shows: the next card (or none) and today's numbers."""

    state: MemoryState | None
    choices: list[Choice] = field(default_factory=list)
    new: int = 0
    learning: int = 0
    review: int = 0
    done_today: int = 0
    new_waiting: int = 0
    reviews_waiting: int = 0
    next_due: datetime | None = None
    due_tomorrow: int = 0
    undo_review_id: int | None = None

    @property
    def left(self) -> int:
        return self.new + self.learning + self.review

    @property
    def progress_percent(self) -> int:
        total = self.done_today + self.left
        return round(100 * self.done_today / total) if total else 100


def _queue(user: Any, topic_id: int | None = None):
    queue = MemoryState.objects.filter(
        user=user, suspended=False, card__status=CardStatus.PUBLISHED
    )
    return queue if topic_id is None else queue.filter(card__topic_id=topic_id)


def _scalar(queryset: QuerySet, aggregate: Aggregate) -> Subquery:
    """An aggregate over the learner's rows as a scalar subquery (grouped by the learner)."""
    return Subquery(
        queryset.order_by().values("user_id").annotate(value=aggregate).values("value")[:1]
    )


def _count(queryset: QuerySet) -> Coalesce:
    return Coalesce(_scalar(queryset, Count("id")), Value(0))


def _available(now: datetime) -> Q:
    return Q(buried_until__isnull=True) | Q(buried_until__lte=now)


def review_screen(
    *,
    user: Any,
    now: datetime,
    learner_settings: LearnerSettings,
    prefer_card_id: int | None = None,
    pick_card: bool = True,
    topic_id: int | None = None,
) -> ReviewScreen:
    """The next card and today's counts in two queries (three when the card has choices).

    `prefer_card_id` puts that card first if it is in the queue (the card an undo brought back).
    `topic_id` restricts the queue and its counts to one topic's cards; the daily limits still
    count every answer of the learner's day.
    """
    day_start = scheduling.learning_day_start(
        now, time_zone=learner_settings.time_zone, day_start_hour=learner_settings.day_start_hour
    )
    tomorrow_end = scheduling.next_learning_day_start(
        scheduling.next_learning_day_start(
            now,
            time_zone=learner_settings.time_zone,
            day_start_hour=learner_settings.day_start_hour,
        ),
        time_zone=learner_settings.time_zone,
        day_start_hour=learner_settings.day_start_hour,
    )
    today = Q(reviewed_at__gte=day_start)
    answers = ReviewLog.objects.filter(
        user=user, source=ReviewSource.DAILY_REVIEW, undo__isnull=True
    )
    available = _available(now)
    due_learning = Q(stage__in=LEARNING_STAGES, due__lte=now)
    due_review = Q(stage=MemoryStage.REVIEW, due__lte=now)
    scheduled = Q(stage__gt=MemoryStage.NEW)
    # One statement for all of today's numbers: scalar subqueries over the learner's own rows.
    counts = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(
            done=_count(answers.filter(today)),
            new_done=_count(answers.filter(today, state_before__stage=MemoryStage.NEW)),
            reviews_done=_count(answers.filter(today, state_before__stage=MemoryStage.REVIEW)),
            # The newest answer is the one undo takes back (ids grow with time).
            last_id=_scalar(answers, Max("id")),
            learning=_count(_queue(user, topic_id).filter(available & due_learning)),
            review=_count(_queue(user, topic_id).filter(available & due_review)),
            new=_count(_queue(user, topic_id).filter(available, stage=MemoryStage.NEW)),
            next_due=_scalar(_queue(user, topic_id).filter(scheduled, due__gt=now), Min("due")),
            due_tomorrow=_count(_queue(user, topic_id).filter(scheduled, due__lt=tomorrow_end)),
        )
        .get()
    )
    new_left = max(0, learner_settings.new_cards_per_day - counts["new_done"])
    reviews_left = max(0, learner_settings.max_reviews_per_day - counts["reviews_done"])
    screen = ReviewScreen(
        state=None,
        new=min(counts["new"], new_left),
        learning=counts["learning"],
        review=min(counts["review"], reviews_left),
        done_today=counts["done"],
        new_waiting=max(0, counts["new"] - new_left),
        reviews_waiting=max(0, counts["review"] - reviews_left),
        next_due=counts["next_due"],
        due_tomorrow=counts["due_tomorrow"],
        undo_review_id=counts["last_id"],
    )
    if not (pick_card and screen.left):
        return screen

    allowed = due_learning
    if screen.review:
        allowed |= due_review
    if screen.new:
        allowed |= Q(stage=MemoryStage.NEW)
    queue = (
        _queue(user, topic_id)
        .filter(available & allowed)
        .select_related("card__lesson__topic", "card__topic")
        .annotate(
            preferred=Case(
                When(card_id=prefer_card_id or 0, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            bucket=Case(
                When(stage__in=LEARNING_STAGES, then=Value(0)),
                When(stage=MemoryStage.REVIEW, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            learning_due=Case(
                When(stage__in=LEARNING_STAGES, then=F("due")), output_field=DateTimeField()
            ),
            forgetting=Case(
                When(stage=MemoryStage.REVIEW, then=ElapsedOverStability(now)),
                default=Value(0.0),
                output_field=FloatField(),
            ),
        )
        .order_by(
            "preferred",
            "bucket",
            "learning_due",
            "-forgetting",
            "card__topic__article__title",
            "card__topic__position",
            "card__lesson__position",
            "card__position",
            "card_id",
        )
    )
    screen.state = queue.first()
    if screen.state is not None and screen.state.card.has_choices:
        screen.choices = list(screen.state.card.choices.all())
    return screen


def shown_state(*, user: Any, card_id: int) -> MemoryState | None:
    """The learner's memory of one published card, with the card, its source and the learner's
    settings; None for a card that is not theirs or no longer published."""
    return (
        MemoryState.objects.filter(user=user, card_id=card_id, card__status=CardStatus.PUBLISHED)
        .select_related("card__lesson__topic", "card__topic", "user__learner_settings")
        .first()
    )


def card_withdrawn(*, user: Any, card_id: int) -> bool:
    """Whether the learner has this card but it was unpublished or archived since it was shown."""
    return (
        MemoryState.objects.filter(user=user, card_id=card_id)
        .exclude(card__status=CardStatus.PUBLISHED)
        .exists()
    )


def suspended_cards(*, user: Any) -> QuerySet[MemoryState]:
    """The learner's suspended published cards, leeches first, in reading order (one query)."""
    return (
        MemoryState.objects.filter(user=user, suspended=True, card__status=CardStatus.PUBLISHED)
        .select_related("card__topic")
        .order_by(
            "-is_leech",
            "card__topic__article__title",
            "card__topic__position",
            "card__position",
            "card_id",
        )
    )


def review_topic(*, slug: str) -> Topic | None:
    """The topic a review session is restricted to, by its slug."""
    return Topic.objects.only("pk", "slug", "title").filter(slug=slug).first()


def grade_options(
    state: MemoryState,
    *,
    now: datetime,
    learner_settings: LearnerSettings,
    allowed: Collection[int] = ALL_GRADES,
) -> list[GradeOption]:
    """The allowed grades (all four by default) with the interval each would give if chosen now
    (e.g. 10m, 1d, 4d, 9d)."""
    intervals = scheduling.next_intervals(
        scheduling.Memory.of(state), now=now, scheduler=scheduler_for(state.card, learner_settings)
    )
    names = ((1, "Again", "again"), (2, "Hard", "hard"), (3, "Good", "good"), (4, "Easy", "easy"))
    return [
        GradeOption(
            rating=rating,
            name=name,
            key=str(rating),
            css=f"grade-{css}",
            interval=scheduling.format_interval(intervals[rating]),
        )
        for rating, name, css in names
        if rating in allowed
    ]
