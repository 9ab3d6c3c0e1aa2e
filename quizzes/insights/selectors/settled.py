"""The cohort's first tries of the UTC days that are over, counted once and kept.

Counting a month of first tries is most of the cohort figures' work (770,000 answers with `make
bench`'s data, seconds of database time), and all but today's are the same at every refresh. So
the refresher counts the days that are over once, per learner and topic, and keeps them in the
shared cache, moving them on a day at a time; each refresh then reads only the later answers
(settled_until) and adds them. Kept counts change only in two ways, and both are caught:

- a learner can take back their latest answer at any later time (undo), also one of a day that is
  over: each refresh looks for undos recorded since the last check and counts those learners'
  days again;
- a card can move to another topic: the counts are kept with where every card was, and a card
  found elsewhere has them all counted afresh (new cards change nothing: their answers are new).

Answers themselves are only ever added, at the time of the request that records them, so a day
that ended SETTLE ago has all of its answers in the log. Learners are filtered when the counts are
used (quizzes.insights.selectors.cohort), so becoming staff, inactive or a group's member changes
nothing here. After "Recalculate now" (forget_cohort_figures) the refresher counts them afresh;
pages in the meantime read their own cohort's month, as they do whenever none are kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import QuerySet

from quizzes.content.models import Card
from quizzes.insights.selectors.remembered import cache_key
from quizzes.review.days import LearningDay
from quizzes.review.models import ReviewUndo
from quizzes.review.selectors.answers import first_try_counts, standing_reviews

# Longer than any request runs (gunicorn stops a worker after 30 s; the benchmark after 120 s): a
# day that ended this long ago has every answer recorded in it committed.
SETTLE = timedelta(minutes=10)
# The next day's refreshes ask for a window one day later (a key of its own): two days is plenty.
KEEP_FOR = 2 * 24 * 60 * 60
# Part of the key: a release that counts differently does not read counts kept by the one before.
FORMAT = 1

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
    counts: Counts  # every user's, over whole days ending at settled_until
    card_topics: dict[int, int]  # card id → topic id, when counted
    # When the counts were made or last corrected: each check looks for undos recorded since
    # (less SETTLE, for requests that were still running).
    checked_at: datetime


def settled_until(now: datetime, learning_day: LearningDay) -> datetime:
    """Where the kept days end and the answers read at every refresh start: the start of the day
    `now` is in, or of the day before during the first SETTLE of a day."""
    return learning_day.start_of(now - SETTLE)


def learner_parts(
    querysets: Sequence[QuerySet],
    *,
    user_ids: Sequence[int] | None,
    chunk: int | None,
    pause: Callable[[float], None] | None,
) -> Iterator[list[QuerySet]]:
    """The querysets for `chunk` of `user_ids` at a time (all of them in one part without
    `chunk`; as they are when `user_ids` is None), calling `pause(seconds the caller's work on the
    part took)` after each part: the refresher leaves the database to requests in between. Every
    row they count is one learner's, so the parts add up to the whole."""
    if user_ids is None:
        slices: list[list[int] | None] = [None]
    elif chunk is None:
        slices = [list(user_ids)]
    else:
        slices = [list(user_ids[at : at + chunk]) for at in range(0, len(user_ids), chunk)]
    for part in slices:
        began = time.monotonic()
        yield [rows if part is None else rows.filter(user_id__in=part) for rows in querysets]
        if pause is not None:
            pause(time.monotonic() - began)


def subtract_counts(counts: Counts, taken: Counts) -> Counts:
    """`counts` less the first tries in `taken` (a part of them: a day's), without empty entries."""
    negated = ((key, (-tries, -recalled)) for key, (tries, recalled) in taken.items())
    return {key: pair for key, pair in add_counts(dict(counts), negated).items() if pair[0]}


def settled_first_tries(
    *,
    now: datetime,
    since: datetime,
    learning_day: LearningDay,
    chunk: int | None = None,
    pause: Callable[[float], None] | None = None,
    count_if_missing: bool = True,
) -> tuple[Counts, datetime] | None:
    """Every user's first tries per topic in [since, settled_until(now)), and where they end.

    The kept counts cover whole days ending at settled_until(now), as many as [since, now) spans.
    A new day's counts are the day before's with the day that has settled added and the day that
    left the window taken off (two days read, not the month); only with nothing kept from the day
    before (the first refresh, "Recalculate now", a moved card) is the month counted, `chunk` users
    at a time (learner_parts). In the first SETTLE of a day, when the window has already moved on
    but the kept days not yet, the day that left is taken off what is kept. Kept counts are
    corrected for undos since the last check. With nothing kept and not `count_if_missing`, None:
    a page leaves counting everyone's month to the refresher."""
    until = settled_until(now, learning_day)
    days = learning_day.day_of(now) - learning_day.day_of(since)
    kept_since = learning_day.start(learning_day.day_of(until) - days)

    def day_before(moment: datetime) -> datetime:
        return learning_day.start(learning_day.day_of(moment) - timedelta(days=1))

    def entry(start: datetime, end: datetime) -> str:
        return cache_key(f"settled-first-tries-v{FORMAT}", start.isoformat(), end.isoformat())

    def count(user_ids: list[int] | None, start: datetime, end: datetime) -> Counts:
        answers = standing_reviews(since=start, until=end)
        counts: Counts = {}
        for (part,) in learner_parts([answers], user_ids=user_ids, chunk=chunk, pause=pause):
            counts.update(first_try_counts(part, keys=BY_LEARNER, learning_day=learning_day))
        return counts

    def count_everyone(start: datetime, end: datetime) -> Counts:
        """Chunk by chunk through each learner's own answers (an index), not one scan of all."""
        users = None
        if chunk is not None:
            users = list(get_user_model().objects.order_by("pk").values_list("pk", flat=True))
        return count(users, start, end)

    kept: SettledFirstTries | None = cache.get(entry(kept_since, until))
    if kept is None and not count_if_missing:
        return None
    card_topics = dict(Card.objects.values_list("pk", "topic_id"))

    def usable(found: SettledFirstTries | None) -> bool:
        moved = found and any(card_topics.get(c) != t for c, t in found.card_topics.items())
        return found is not None and not moved

    undone_since = kept_since  # the oldest day whose undos the kept counts may not know of
    changed = not usable(kept)
    if changed:
        if not count_if_missing:  # a card has moved: a page leaves the recount to the refresher
            return None
        before = cache.get(entry(day_before(kept_since), day_before(until)))
        if usable(before):
            settled_day = count_everyone(day_before(until), until)
            left_day = count_everyone(day_before(kept_since), kept_since)
            counts = subtract_counts(add_counts(dict(before.counts), settled_day.items()), left_day)
            kept = SettledFirstTries(counts, card_topics, checked_at=before.checked_at)
            undone_since = day_before(kept_since)
        else:
            kept = SettledFirstTries(count_everyone(kept_since, until), card_topics, checked_at=now)
    undone_by = set(
        ReviewUndo.objects.filter(
            undone_at__gte=kept.checked_at - SETTLE,
            review__reviewed_at__gte=undone_since,
            review__reviewed_at__lt=until,
        ).values_list("review__user_id", flat=True)
    )
    if undone_by:
        counts = {key: pair for key, pair in kept.counts.items() if key[0] not in undone_by}
        counts.update(count(sorted(undone_by), kept_since, until))
        kept = SettledFirstTries(counts, card_topics, checked_at=now)
        changed = True
    if changed:  # kept only once corrected: a refresh stopped halfway leaves nothing half-done
        cache.set(entry(kept_since, until), kept, KEEP_FOR)
    if kept_since == since:
        return kept.counts, until
    # The first SETTLE of a day: the window has moved on a day, the kept days not yet.
    return subtract_counts(kept.counts, count_everyone(kept_since, since)), until
