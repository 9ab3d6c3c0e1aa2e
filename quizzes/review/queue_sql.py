"""The review screen's one hand-written SQL statement: today's counts and the next card's id.

Written in SQL rather than built with the ORM because it runs on every review request, and
compiling the equivalent ORM subqueries cost ten times what the database spends answering them.
It says in SQL what quizzes.review.models defines with the ORM (in the queue, due by, standing
answers); tests/review/test_queue_sql.py checks the two agree on random data, on SQLite and
PostgreSQL. Values travel only as named parameters; table names come from the models.

Queue order (as in Anki): learning and relearning cards that are due (earliest first), then due
review cards with the lowest predicted recall first, then new cards in reading order, then, when
nothing else is left, learning cards due within the learner's learn-ahead limit (Anki's "learn
ahead", 20 minutes by default), earliest first. New cards and reviews are capped per learning day.
The learning count includes the cards within the learn-ahead limit, as Anki's does, so the count
of cards left reaches 0 exactly when nothing more can be shown.

Lowest predicted recall without computing it: FSRS recall is R = (1 + FACTOR · t / S) ^ DECAY
with DECAY < 0 and FACTOR > 0, strictly decreasing in t / S (t = days since the last review,
S = stability) whatever the learner's parameters, so ordering by t / S descending is ordering by
R ascending.

Plan, checked with EXPLAIN ANALYZE on PostgreSQL with the `make bench` data (1,000 learners, a
million answers, 1,000 per learner): the newest standing answer (what undo takes back) is read as
ORDER BY id DESC LIMIT 1 on the log's (user, id) index, a backward scan that stops at the first
row. As MAX(id) it read all 1,000 of the learner's answers (1.96 ms for the whole statement); with
the index 0.7-0.8 ms; without that index PostgreSQL walks the primary key backwards (195-430 ms).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import NotSupportedError, connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from quizzes.content.models import Article, Card, CardStatus, Lesson, Topic
from quizzes.review.models import MemoryStage, MemoryState, ReviewLog, ReviewSource, ReviewUndo

# Days since the last review over stability (t / S), per database.
ELAPSED_OVER_STABILITY = {
    "sqlite": "(julianday(%(now)s) - julianday(state.last_review)) / state.stability",
    "postgresql": "EXTRACT(EPOCH FROM (%(now)s - state.last_review)) / 86400.0 / state.stability",
}


@dataclass(frozen=True)
class QueueRow:
    """What the statement returns (counts are of the learner's day and, if given, one topic)."""

    done: int  # standing answers today
    new_done: int  # of which to new cards
    reviews_done: int  # of which to review cards
    last_id: int | None  # the newest standing answer (what undo takes back)
    learning: int  # learning and relearning cards due now or within the learn-ahead limit
    review: int  # review cards due now
    new: int  # new cards waiting
    next_due: datetime | None  # the next moment a started card comes due
    next_learning_due: datetime | None  # ... a learning card beyond the learn-ahead limit
    next_review_due: datetime | None  # ... a review card
    due_tomorrow: int  # started cards due before the end of tomorrow
    next_id: int | None  # the memory state to show next (None when nothing may be shown)


def _vendor_sql(vendor: str) -> str:
    try:
        return ELAPSED_OVER_STABILITY[vendor]
    except KeyError:
        raise NotSupportedError(
            f"The review queue runs on SQLite and PostgreSQL, not on {vendor}."
        ) from None


@functools.cache
def statement(vendor: str) -> str:
    """The statement for one database vendor (built once; everything else is a parameter).

    Longer than a function should be because it is one SQL statement, kept whole to read as SQL.
    """
    elapsed_over_stability = _vendor_sql(vendor)
    table = {
        model: connection.ops.quote_name(model._meta.db_table)
        for model in (ReviewLog, ReviewUndo, MemoryState, Card, Topic, Article, Lesson)
    }
    learning = "IN (%(learning)s, %(relearning)s)"
    undone = f"EXISTS (SELECT 1 FROM {table[ReviewUndo]} undo WHERE undo.review_id = log.id)"
    standing = f"log.user_id = %(user)s AND log.source = %(source)s AND NOT {undone}"
    # quizzes.review.models.in_queue_q, for a memory state `state` joined with its `card`.
    in_queue = """
        state.user_id = %(user)s AND NOT state.suspended
        AND (state.buried_until IS NULL OR state.buried_until <= %(now)s)
        AND card.status = %(published)s
        AND (CAST(%(topic)s AS BIGINT) IS NULL OR card.topic_id = %(topic)s)
    """
    return f"""
        SELECT answered.done, answered.new_done, answered.reviews_done,
               (SELECT log.id FROM {table[ReviewLog]} log WHERE {standing}
                ORDER BY log.id DESC LIMIT 1) AS last_id,
               queue.learning, queue.review, queue.new, queue.next_due, queue.next_learning_due,
               queue.next_review_due, queue.due_tomorrow,
               CASE WHEN %(pick)s THEN (
                   SELECT state.id
                   FROM {table[MemoryState]} state
                   INNER JOIN {table[Card]} card ON card.id = state.card_id
                   INNER JOIN {table[Topic]} topic ON topic.id = card.topic_id
                   INNER JOIN {table[Article]} article ON article.id = topic.article_id
                   LEFT OUTER JOIN {table[Lesson]} lesson ON lesson.id = card.lesson_id
                   WHERE {in_queue}
                     AND ((state.stage {learning} AND state.due <= %(ahead)s)
                          OR (state.stage = %(review)s AND state.due <= %(now)s
                              AND answered.reviews_done < %(max_reviews)s)
                          OR (state.stage = %(new)s AND answered.new_done < %(max_new)s))
                   ORDER BY
                       CASE WHEN state.card_id = %(prefer)s THEN 0 ELSE 1 END,
                       CASE WHEN state.stage {learning} AND state.due <= %(now)s THEN 0
                            WHEN state.stage = %(review)s THEN 1
                            WHEN state.stage = %(new)s THEN 2 ELSE 3 END,
                       CASE WHEN state.stage {learning} THEN state.due END,
                       CASE WHEN state.stage = %(review)s
                            THEN {elapsed_over_stability}
                            ELSE 0.0 END DESC,
                       article.title, topic.position, lesson.position, card.position, card.id
                   LIMIT 1
               ) END AS next_id
        FROM (
            SELECT COUNT(*) AS done,
                   COALESCE(SUM(CASE WHEN log.stage_before = %(new)s THEN 1 ELSE 0 END), 0)
                       AS new_done,
                   COALESCE(SUM(CASE WHEN log.stage_before = %(review)s THEN 1 ELSE 0 END), 0)
                       AS reviews_done
            FROM {table[ReviewLog]} log
            WHERE {standing} AND log.reviewed_at >= %(day_start)s
        ) answered, (
            SELECT
                COALESCE(SUM(CASE WHEN state.stage {learning} AND state.due <= %(ahead)s
                    THEN 1 ELSE 0 END), 0) AS learning,
                COALESCE(SUM(CASE WHEN state.stage = %(review)s AND state.due <= %(now)s
                    THEN 1 ELSE 0 END), 0) AS review,
                COALESCE(SUM(CASE WHEN state.stage = %(new)s THEN 1 ELSE 0 END), 0) AS new,
                MIN(CASE WHEN state.stage > %(new)s AND state.due > %(now)s THEN state.due END)
                    AS next_due,
                MIN(CASE WHEN state.stage {learning} AND state.due > %(ahead)s THEN state.due END)
                    AS next_learning_due,
                MIN(CASE WHEN state.stage = %(review)s AND state.due > %(now)s THEN state.due END)
                    AS next_review_due,
                COALESCE(SUM(CASE WHEN state.stage > %(new)s AND state.due < %(tomorrow_end)s
                    THEN 1 ELSE 0 END), 0) AS due_tomorrow
            FROM {table[MemoryState]} state
            INNER JOIN {table[Card]} card ON card.id = state.card_id
            WHERE {in_queue}
        ) queue
    """


def queue_row(
    *,
    user_id: int,
    now: datetime,
    day_start: datetime,
    tomorrow_end: datetime,
    new_cards_per_day: int,
    max_reviews_per_day: int,
    learn_ahead: timedelta = timedelta(0),
    topic_id: int | None = None,
    pick_card: bool = True,
    prefer_card_id: int | None = None,
) -> QueueRow:
    """Run the statement for one learner at `now` (their day started at `day_start`)."""
    adapt = connection.ops.adapt_datetimefield_value
    params = {
        "user": user_id,
        "topic": topic_id,
        "pick": pick_card,
        "prefer": prefer_card_id or 0,
        "max_new": new_cards_per_day,
        "max_reviews": max_reviews_per_day,
        "source": ReviewSource.DAILY_REVIEW.value,
        "published": CardStatus.PUBLISHED.value,
        "new": MemoryStage.NEW.value,
        "learning": MemoryStage.LEARNING.value,
        "review": MemoryStage.REVIEW.value,
        "relearning": MemoryStage.RELEARNING.value,
        "now": adapt(now),
        "ahead": adapt(now + learn_ahead),
        "day_start": adapt(day_start),
        "tomorrow_end": adapt(tomorrow_end),
    }
    with connection.cursor() as cursor:
        cursor.execute(statement(connection.vendor), params)
        names = [column[0] for column in cursor.description]
        row = dict(zip(names, cursor.fetchone(), strict=True))
    for name in ("next_due", "next_learning_due", "next_review_due"):
        row[name] = _aware(row[name])
    return QueueRow(**row)


def _aware(value: datetime | str | None) -> datetime | None:
    """A timestamp read by raw SQL: SQLite gives the stored UTC text, PostgreSQL a datetime."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(value)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)
