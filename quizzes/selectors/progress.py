"""Reads for a learner's own progress page: per-topic mastery, accuracy and load; overall figures.

Definitions (also in the README):
- introduced: a card the learner has answered at least once (memory stage other than New);
- mastery: mean predicted recall *now* (FSRS retrievability, default parameters) over the
  introduced cards;
- learning day: starts at the learner's day_start_hour in their own time zone;
- first-try accuracy (last 30 learning days): for each card, only the first daily review of each
  learning day counts; the share of those answered Hard, Good or Easy;
- true retention (last 30 learning days, as Anki's True Retention table): among daily reviews of
  cards that were in the review stage, the share not answered Again;
- streak: consecutive learning days with at least one daily review, ending today, or yesterday when
  there is no review yet today.
Reviews are the daily-review answers that were not undone (quiz mistakes are logged too, but only
the wrong ones, so they would bias every share downwards).

Every figure comes from an aggregate query; a page uses a fixed number of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Max,
    Min,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Floor, Greatest, Power, TruncDate

from quizzes import statistics
from quizzes.models import (
    Attempt,
    CardStatus,
    LearnerSettings,
    MemoryStage,
    MemoryState,
    ReviewLog,
    ReviewSource,
    Topic,
)
from quizzes.scheduling import learning_day_start

WINDOW_DAYS = 30
FORECAST_DAYS = 30
HEATMAP_DAYS = 365
WEAK_MASTERY = 0.80  # below the usual 90% retention target by a clear margin
WEAK_ACCURACY = 0.70
SECONDS_PER_DAY = 86400.0


class EpochSeconds(Func):
    """Seconds since 1970-01-01 UTC of a datetime column, the same on SQLite and PostgreSQL."""

    arity = 1
    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(EXTRACT(EPOCH FROM %(expressions)s) AS double precision)",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # julianday is exact to about 10 µs at today's dates; rounding to the millisecond keeps
        # whole-day boundaries where Python puts them.
        return super().as_sql(
            compiler,
            connection,
            template="ROUND((julianday(%(expressions)s) - 2440587.5) * 86400.0, 3)",
            **extra_context,
        )


def retrievability_sql(now: datetime, *, prefix: str = "") -> Power:
    """Predicted recall of a memory state at `now`, as scheduling.retrievability computes it:
    (1 + FACTOR · t / S) ^ DECAY with t the whole days since the last review."""
    elapsed = Greatest(
        Floor((Value(now.timestamp()) - EpochSeconds(F(f"{prefix}last_review"))) / SECONDS_PER_DAY),
        Value(0.0),
    )
    return Power(
        Value(1.0) + Value(statistics.FACTOR) * elapsed / F(f"{prefix}stability"),
        Value(statistics.DECAY),
        output_field=FloatField(),
    )


def learner_day_sql(field_name: str, *, time_zone: str, day_start_hour: int) -> TruncDate:
    """The learning day of a datetime column (statistics.learner_day in SQL)."""
    shifted = ExpressionWrapper(
        F(field_name) - Value(timedelta(hours=day_start_hour)), output_field=DateTimeField()
    )
    return TruncDate(shifted, tzinfo=ZoneInfo(time_zone))


def reviews() -> QuerySet[ReviewLog]:
    """Daily-review answers that stand (not undone)."""
    return ReviewLog.objects.filter(undo__isnull=True, source=ReviewSource.DAILY_REVIEW)


def first_try_counts(
    queryset: QuerySet[ReviewLog], *, keys: Sequence[str], time_zone: str, day_start_hour: int
) -> dict[tuple, tuple[int, int]]:
    """Per value of `keys`: (first tries, of which recalled) among the given reviews.

    A first try is the earliest review of a card by a learner on a learning day. One grouped
    query: per (keys, learner, card, day) the smallest of time·10 + rating names the first review
    and carries its rating in the last digit; the groups are then only counted.
    """
    if time_zone == "UTC":
        # The day's number by arithmetic: no per-row time-zone conversion, which SQLite does in
        # Python (the cohort's figures group tens of thousands of reviews this way).
        seconds = EpochSeconds(F("reviewed_at")) - Value(day_start_hour * 3600.0)
        day = Floor(seconds / SECONDS_PER_DAY)
    else:
        day = learner_day_sql("reviewed_at", time_zone=time_zone, day_start_hour=day_start_hour)
    first = Min(Floor(EpochSeconds(F("reviewed_at")) * 1000.0) * 10.0 + F("rating"))
    groups = (
        queryset.annotate(day=day)
        .values(*keys, "user_id", "card_id", "day")
        .annotate(first=first)
        .values_list(*keys, "first")
        .order_by()
    )
    # The groups are counted in SQL around the grouped query: a cohort's 30 days hold hundreds of
    # thousands of first tries, and fetching them into Python cost seconds per dashboard.
    inner_sql, params = groups.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(key) for key in keys)
    rating = f"({quote('first')} - 10 * FLOOR({quote('first')} / 10))"
    sql = (
        f"SELECT {columns}, COUNT(*), SUM(CASE WHEN {rating} > 1.5 THEN 1 ELSE 0 END) "
        f"FROM ({inner_sql}) first_tries GROUP BY {columns}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {tuple(row[:-2]): (int(row[-2]), int(row[-1] or 0)) for row in cursor.fetchall()}


@dataclass(frozen=True)
class LearnerClock:
    now: datetime
    time_zone: str
    day_start_hour: int
    day_start: datetime  # UTC start of the learner's current learning day
    today: date

    @property
    def day_end(self) -> datetime:
        return self.day_start + timedelta(days=1)

    @property
    def window_start(self) -> datetime:
        return self.day_start - timedelta(days=WINDOW_DAYS - 1)


def learner_clock(*, user, now: datetime) -> LearnerClock:
    """The learner's own day boundaries (defaults when they never saved settings)."""
    found = LearnerSettings.objects.filter(user=user).values("time_zone", "day_start_hour").first()
    time_zone = found["time_zone"] if found else "UTC"
    default_hour = LearnerSettings._meta.get_field("day_start_hour").default
    day_start_hour = found["day_start_hour"] if found else default_hour
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        time_zone = "UTC"
    day_start = learning_day_start(now, time_zone=time_zone, day_start_hour=day_start_hour)
    today = statistics.learner_day(now, time_zone=time_zone, day_start_hour=day_start_hour)
    return LearnerClock(now, time_zone, day_start_hour, day_start.astimezone(UTC), today)


@dataclass
class TopicProgress:
    topic: Topic
    total: int
    introduced: int = 0
    mastery: float | None = None
    first_tries: int = 0
    accuracy: float | None = None
    due_today: int = 0
    due_next_week: int = 0
    best_quiz_score: float | None = None

    @property
    def weak(self) -> bool:
        """Started, and either recall or recent first-try accuracy is low."""
        if not self.introduced:
            return False
        low_mastery = self.mastery is not None and self.mastery < WEAK_MASTERY
        low_accuracy = self.accuracy is not None and self.accuracy < WEAK_ACCURACY
        return low_mastery or low_accuracy


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


def topic_memory(*, user, clock: LearnerClock) -> dict[int, dict]:
    """Per topic: cards introduced, mastery now, due today and in the 7 days after (1 query)."""
    introduced = ~Q(stage=MemoryStage.NEW)
    schedulable = introduced & Q(suspended=False)
    rows = (
        MemoryState.objects.filter(user=user)
        .values("card__topic_id")
        .annotate(
            introduced=Count("id", filter=introduced),
            mastery=Avg(retrievability_sql(clock.now), filter=introduced & Q(stability__gt=0)),
            due_today=Count("id", filter=schedulable & Q(due__lt=clock.day_end)),
            due_next_week=Count(
                "id",
                filter=schedulable
                & Q(due__gte=clock.day_end, due__lt=clock.day_end + timedelta(days=7)),
            ),
        )
    )
    return {row.pop("card__topic_id"): row for row in rows}


def topic_accuracy(*, user, clock: LearnerClock) -> dict[int, tuple[int, int]]:
    """Per topic: (first tries, first tries recalled) over the last 30 learning days (1 query)."""
    window = reviews().filter(
        user=user, reviewed_at__gte=clock.window_start, reviewed_at__lt=clock.now
    )
    counts = first_try_counts(
        window,
        keys=["card__topic_id"],
        time_zone=clock.time_zone,
        day_start_hour=clock.day_start_hour,
    )
    return {key[0]: value for key, value in counts.items()}


def topic_best_quiz_scores(*, user) -> dict[int, float]:
    """Per topic: the learner's best submitted score in any module with a lesson of it (1 query)."""
    rows = (
        Attempt.objects.filter(user=user, submitted_at__isnull=False)
        .values(topic_id=F("module__module_lessons__lesson__topic_id"))
        .annotate(best=Max("score"))
        .filter(topic_id__isnull=False)
    )
    return {row["topic_id"]: float(row["best"]) for row in rows if row["best"] is not None}


def topic_progress(*, user, clock: LearnerClock) -> list[TopicProgress]:
    """Every topic in reading order with the learner's figures (4 queries whatever the sizes)."""
    topics = Topic.objects.in_reading_order().annotate(
        published=Count("cards", filter=Q(cards__status=CardStatus.PUBLISHED))
    )
    memory = topic_memory(user=user, clock=clock)
    accuracy = topic_accuracy(user=user, clock=clock)
    best = topic_best_quiz_scores(user=user)
    result = []
    for topic in topics:
        row = TopicProgress(topic=topic, total=topic.published, **memory.get(topic.pk, {}))
        tries, recalled = accuracy.get(topic.pk, (0, 0))
        row.first_tries = tries
        row.accuracy = statistics.ratio(recalled, tries)
        row.best_quiz_score = best.get(topic.pk)
        result.append(row)
    return result


def review_days(*, user, clock: LearnerClock) -> dict[date, int]:
    """Reviews per learning day over the learner's whole history (1 query, one row per day)."""
    day = learner_day_sql(
        "reviewed_at", time_zone=clock.time_zone, day_start_hour=clock.day_start_hour
    )
    rows = (
        reviews()
        .filter(user=user, reviewed_at__lt=clock.now)
        .annotate(day=day)
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["day"]: row["n"] for row in rows}


def retention(*, user, clock: LearnerClock) -> tuple[int, int]:
    """(review-stage reviews, of which recalled) over the last 30 learning days (1 query)."""
    in_review = Q(state_before__stage=MemoryStage.REVIEW)
    return tuple(
        reviews()
        .filter(user=user, reviewed_at__gte=clock.window_start, reviewed_at__lt=clock.now)
        .aggregate(
            total=Count("id", filter=in_review),
            recalled=Count("id", filter=in_review & Q(rating__gt=1)),
        )
        .values()
    )


def due_forecast(*, user, clock: LearnerClock, days: int = FORECAST_DAYS) -> list[tuple[date, int]]:
    """Cards due on each of the next `days` learning days; overdue ones count today (1 query)."""
    day = learner_day_sql("due", time_zone=clock.time_zone, day_start_hour=clock.day_start_hour)
    rows = (
        MemoryState.objects.filter(
            user=user,
            suspended=False,
            due__lt=clock.day_start + timedelta(days=days),
        )
        .exclude(stage=MemoryStage.NEW)
        .annotate(day=day)
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {clock.today + timedelta(days=offset): 0 for offset in range(days)}
    for row in rows:
        day = max(row["day"], clock.today)
        if day in counts:  # a daylight-saving night can shift a boundary by an hour
            counts[day] += row["n"]
    return sorted(counts.items())


def learner_progress(*, user, now: datetime) -> LearnerProgress:
    """Everything the progress page shows, for this learner only (8 queries)."""
    clock = learner_clock(user=user, now=now)
    days = review_days(user=user, clock=clock)
    retention_reviews, recalled = retention(user=user, clock=clock)
    return LearnerProgress(
        clock=clock,
        topics=topic_progress(user=user, clock=clock),
        reviews_today=days.get(clock.today, 0),
        streak=statistics.streak(days, today=clock.today),
        retention_reviews=retention_reviews,
        true_retention=statistics.ratio(recalled, retention_reviews),
        forecast=due_forecast(user=user, clock=clock),
        review_days={
            day: n for day, n in days.items() if day > clock.today - timedelta(days=HEATMAP_DAYS)
        },
    )
