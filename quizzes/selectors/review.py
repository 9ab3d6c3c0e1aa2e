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

import functools
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import (
    QuerySet,
)
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from quizzes import scheduling
from quizzes.answers import ALL_GRADES
from quizzes.models import (
    Article,
    Card,
    CardStatus,
    Choice,
    LearnerSettings,
    Lesson,
    MemoryStage,
    MemoryState,
    ReviewLog,
    ReviewSource,
    ReviewUndo,
    Topic,
)
from quizzes.services.review import scheduler_for


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


# The stage a card was in before an answer, read from the log's JSON snapshot.
_STAGE_BEFORE_SQL = {
    "sqlite": "json_extract(log.state_before, '$.stage')",
    "postgresql": "(log.state_before ->> 'stage')::integer",
}
# Days since the last review over stability (t / S): larger means lower predicted recall.
_FORGETTING_SQL = {
    "sqlite": "(julianday(%(now)s) - julianday(pick.last_review)) / pick.stability",
    "postgresql": "EXTRACT(EPOCH FROM (%(now)s - pick.last_review)) / 86400.0 / pick.stability",
}


@functools.cache
def _screen_sql(vendor: str, *, by_topic: bool, pick_card: bool) -> str:
    """Today's numbers and (with `pick_card`) the id of the next card, in one statement.

    Written in SQL rather than built with the ORM: this runs on every review request, and
    compiling the equivalent ORM subqueries cost ten times what the database spends answering
    them. Parameters are named (see `_screen_row`); table names come from the models."""
    table = {
        model: connection.ops.quote_name(model._meta.db_table)
        for model in (ReviewLog, ReviewUndo, MemoryState, Card, Topic, Article, Lesson)
    }
    topic_filter = "AND card.topic_id = %(topic)s" if by_topic else ""
    # Both parts read memory states joined with their card as `card`.
    in_queue = f"""
        {{alias}}.user_id = %(user)s AND NOT {{alias}}.suspended
        AND ({{alias}}.buried_until IS NULL OR {{alias}}.buried_until <= %(now)s)
        AND card.status = %(published)s {topic_filter}
    """
    learning = "IN (%(learning)s, %(relearning)s)"
    next_card = "NULL"
    if pick_card:
        # The queue order of the module docstring; a review card or a new card is allowed only
        # while today's limit for its kind is not reached.
        next_card = f"""(
            SELECT pick.id
            FROM {table[MemoryState]} pick
            INNER JOIN {table[Card]} card ON card.id = pick.card_id
            INNER JOIN {table[Topic]} topic ON topic.id = card.topic_id
            INNER JOIN {table[Article]} article ON article.id = topic.article_id
            LEFT OUTER JOIN {table[Lesson]} lesson ON lesson.id = card.lesson_id
            WHERE {in_queue.format(alias="pick")}
              AND ((pick.stage {learning} AND pick.due <= %(now)s)
                   OR (pick.stage = %(review)s AND pick.due <= %(now)s
                       AND answered.reviews_done < %(max_reviews)s)
                   OR (pick.stage = %(new)s AND answered.new_done < %(max_new)s))
            ORDER BY
                CASE WHEN pick.card_id = %(prefer)s THEN 0 ELSE 1 END,
                CASE WHEN pick.stage {learning} THEN 0 WHEN pick.stage = %(review)s THEN 1
                     ELSE 2 END,
                CASE WHEN pick.stage {learning} THEN pick.due END,
                CASE WHEN pick.stage = %(review)s THEN {_FORGETTING_SQL[vendor]} ELSE 0.0 END DESC,
                article.title, topic.position, lesson.position, card.position, card.id
            LIMIT 1
        )"""
    stage_before = _STAGE_BEFORE_SQL[vendor]
    undone = f"EXISTS (SELECT 1 FROM {table[ReviewUndo]} undo WHERE undo.review_id = log.id)"
    return f"""
        SELECT answered.done, answered.new_done, answered.reviews_done, newest.last_id,
               queue.learning, queue.review, queue.new, queue.next_due, queue.due_tomorrow,
               {next_card} AS next_id
        FROM (
            SELECT COUNT(*) AS done,
                   COALESCE(SUM(CASE WHEN {stage_before} = %(new)s THEN 1 ELSE 0 END), 0)
                       AS new_done,
                   COALESCE(SUM(CASE WHEN {stage_before} = %(review)s THEN 1 ELSE 0 END), 0)
                       AS reviews_done
            FROM {table[ReviewLog]} log
            WHERE log.user_id = %(user)s AND log.source = %(source)s
              AND log.reviewed_at >= %(day_start)s AND NOT {undone}
        ) answered, (
            SELECT MAX(log.id) AS last_id
            FROM {table[ReviewLog]} log
            WHERE log.user_id = %(user)s AND log.source = %(source)s AND NOT {undone}
        ) newest, (
            SELECT
                COALESCE(SUM(CASE WHEN state.stage {learning} AND state.due <= %(now)s
                    THEN 1 ELSE 0 END), 0) AS learning,
                COALESCE(SUM(CASE WHEN state.stage = %(review)s AND state.due <= %(now)s
                    THEN 1 ELSE 0 END), 0) AS review,
                COALESCE(SUM(CASE WHEN state.stage = %(new)s THEN 1 ELSE 0 END), 0) AS new,
                MIN(CASE WHEN state.stage > %(new)s AND state.due > %(now)s THEN state.due END)
                    AS next_due,
                COALESCE(SUM(CASE WHEN state.stage > %(new)s AND state.due < %(tomorrow_end)s
                    THEN 1 ELSE 0 END), 0) AS due_tomorrow
            FROM {table[MemoryState]} state
            INNER JOIN {table[Card]} card ON card.id = state.card_id
            WHERE {in_queue.format(alias="state")}
        ) queue
    """


def _screen_row(
    *,
    user_id: int,
    now: datetime,
    learner_settings: LearnerSettings,
    topic_id: int | None,
    pick_card: bool,
    prefer_card_id: int | None,
) -> dict[str, Any]:
    """Answers today (all, of new cards, of review cards), the newest answer undo would take
    back, what waits in the learner's queue (one topic's cards when given) and the next card."""
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
    adapt = connection.ops.adapt_datetimefield_value
    params = {
        "user": user_id,
        "topic": topic_id,
        "prefer": prefer_card_id or 0,
        "max_new": learner_settings.new_cards_per_day,
        "max_reviews": learner_settings.max_reviews_per_day,
        "source": ReviewSource.DAILY_REVIEW.value,
        "published": CardStatus.PUBLISHED.value,
        "new": MemoryStage.NEW.value,
        "learning": MemoryStage.LEARNING.value,
        "review": MemoryStage.REVIEW.value,
        "relearning": MemoryStage.RELEARNING.value,
        "now": adapt(now),
        "day_start": adapt(day_start),
        "tomorrow_end": adapt(tomorrow_end),
    }
    sql = _screen_sql(connection.vendor, by_topic=topic_id is not None, pick_card=pick_card)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        row = dict(zip(names, cursor.fetchone(), strict=True))
    row["next_due"] = _aware(row["next_due"])
    return row


def _aware(value: datetime | str | None) -> datetime | None:
    """A timestamp read by raw SQL: SQLite gives the stored UTC text, PostgreSQL a datetime."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(value)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


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
    row = _screen_row(
        user_id=user.pk,
        now=now,
        learner_settings=learner_settings,
        topic_id=topic_id,
        pick_card=pick_card,
        prefer_card_id=prefer_card_id,
    )
    new_left = max(0, learner_settings.new_cards_per_day - row["new_done"])
    reviews_left = max(0, learner_settings.max_reviews_per_day - row["reviews_done"])
    screen = ReviewScreen(
        state=None,
        new=min(row["new"], new_left),
        learning=row["learning"],
        review=min(row["review"], reviews_left),
        done_today=row["done"],
        new_waiting=max(0, row["new"] - new_left),
        reviews_waiting=max(0, row["review"] - reviews_left),
        next_due=row["next_due"],
        due_tomorrow=row["due_tomorrow"],
        undo_review_id=row["last_id"],
    )
    if row["next_id"] is not None:
        screen.state = (
            MemoryState.objects.select_related("card__lesson__topic", "card__topic")
            .filter(pk=row["next_id"])
            .first()
        )
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
