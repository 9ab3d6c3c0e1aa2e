"""The cohort's first tries of the UTC days that are over, counted once a day and kept.

Counting a month of first tries is most of the cohort figures' work (770,000 answers with `make
bench`'s data, seconds of database time), and all but the running day's are the same at every
refresh. So the days that are over are counted once, per learner and topic, and kept in the shared
cache until the next day; each refresh then reads only the running day's answers and adds them.
Kept counts change only in two ways, and both are caught:

- a learner can take back their latest answer at any later time (undo), also one of a day that is
  over: each refresh looks for undos recorded since the last check and counts those learners'
  days again;
- a card can move to another topic: the counts are kept with where every card was, and a card
  found elsewhere has them all counted afresh (new cards change nothing: their answers are new).

Answers themselves are only ever added, at the time of the request that records them, so a day
that ended SETTLE ago has all of its answers in the log. Learners are filtered when the counts are
used (quizzes.insights.selectors.cohort), so becoming staff, inactive or a group's member changes
nothing here. "Recalculate now" (forget_cohort_figures) has them counted afresh too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from quizzes.content.models import Card
from quizzes.insights.selectors.remembered import remembered
from quizzes.review.days import LearningDay
from quizzes.review.models import ReviewUndo
from quizzes.review.selectors.answers import first_try_counts, standing_reviews

# Longer than any request runs (gunicorn stops a worker after 30 s; the benchmark after 120 s): a
# day that ended this long ago has every answer recorded in it committed.
SETTLE = timedelta(minutes=10)
# The next day's refreshes ask for a window one day later (a key of its own): two days is plenty.
KEEP_FOR = 2 * 24 * 60 * 60

Counts = dict[tuple, tuple[int, int]]  # (user id, topic id) → (first tries, recalled)
BY_LEARNER = ["user_id", "card__topic_id"]


def add_counts(into: Counts, more: Iterable[tuple[tuple, tuple[int, int]]]) -> Counts:
    """Add (first tries, recalled) pairs into `into` key by key (first tries of different days
    or learners are different first tries, so they add up)."""
    for key, (tries, recalled) in more:
        before = into.get(key, (0, 0))
        into[key] = (before[0] + tries, before[1] + recalled)
    return into


@dataclass(frozen=True)
class SettledFirstTries:
    counts: Counts  # every user's, in [since, until)
    card_topics: dict[int, int]  # card id → topic id, when counted
    checked_at: datetime  # undos recorded since (less SETTLE) are not in the counts yet


def running_day_start(now: datetime, learning_day: LearningDay) -> datetime:
    """Where the answers still read at every refresh start: the start of the day `now` is in, or
    of the day before during the first SETTLE of a day."""
    return learning_day.start_of(now - SETTLE)


def learner_parts(
    querysets: Sequence[QuerySet],
    *,
    user_ids: Sequence[int] | None,
    chunk: int | None,
    pause: Callable[[float], None] | None,
) -> Iterator[list[QuerySet]]:
    """The querysets for `chunk` learners of `user_ids` at a time, or in one part without `chunk`
    (for `user_ids`, or as they are when None), calling `pause(seconds the caller's work on the
    part took)` after each part: the refresher leaves the database to requests in between. Every
    row they count is one learner's, so the parts add up to the whole."""
    ids = list(user_ids or [])
    if chunk is None:
        slices = [None if user_ids is None else ids]
    else:
        slices = [ids[at : at + chunk] for at in range(0, len(ids), chunk)]
    for part in slices:
        began = time.monotonic()
        yield [rows if part is None else rows.filter(user_id__in=part) for rows in querysets]
        if pause is not None:
            pause(time.monotonic() - began)


def _count(
    user_ids: list[int] | None,
    *,
    since: datetime,
    until: datetime,
    learning_day: LearningDay,
    chunk: int | None,
    pause: Callable[[float], None] | None,
) -> Counts:
    """Per (learner, topic): first tries in [since, until) of the given users (None: everyone's),
    read as learner_parts says."""
    counts: Counts = {}
    answers = standing_reviews(since=since, until=until)
    for (part,) in learner_parts([answers], user_ids=user_ids, chunk=chunk, pause=pause):
        counts.update(first_try_counts(part, keys=BY_LEARNER, learning_day=learning_day))
    return counts


def settled_first_tries(
    *,
    now: datetime,
    since: datetime,
    learning_day: LearningDay,
    chunk: int | None = None,
    pause: Callable[[float], None] | None = None,
) -> tuple[Counts, datetime]:
    """Every user's first tries per topic in [since, running_day_start(now)), and where they end:
    kept from an earlier call of the same day (learners with undos since counted again), or
    counted now (`chunk` and `pause`: _count)."""
    until = running_day_start(now, learning_day)
    parts = ("settled-first-tries", since.isoformat(), until.isoformat())
    card_topics = dict(Card.objects.values_list("pk", "topic_id"))

    def count_everyone() -> SettledFirstTries:
        users = None  # in one query, or chunk by chunk:
        if chunk is not None:
            users = list(get_user_model().objects.order_by("pk").values_list("pk", flat=True))
        counts = _count(
            users, since=since, until=until, learning_day=learning_day, chunk=chunk, pause=pause
        )
        return SettledFirstTries(counts=counts, card_topics=card_topics, checked_at=now)

    kept, _ = remembered(parts[0], count_everyone, *parts[1:], keep_for=KEEP_FOR)
    moved = any(card_topics.get(card) != topic for card, topic in kept.card_topics.items())
    if moved:
        kept, _ = remembered(parts[0], count_everyone, *parts[1:], refresh=True, keep_for=KEEP_FOR)
    undone_by = set(
        ReviewUndo.objects.filter(
            undone_at__gte=kept.checked_at - SETTLE,
            review__reviewed_at__gte=since,
            review__reviewed_at__lt=until,
        ).values_list("review__user_id", flat=True)
    )
    if undone_by:
        counts = {key: value for key, value in kept.counts.items() if key[0] not in undone_by}
        counts.update(
            _count(
                sorted(undone_by),
                since=since,
                until=until,
                learning_day=learning_day,
                chunk=chunk,
                pause=pause,
            )
        )
        kept = SettledFirstTries(counts=counts, card_topics=card_topics, checked_at=now)
        remembered(parts[0], lambda: kept, *parts[1:], refresh=True, keep_for=KEEP_FOR)
    return kept.counts, until
