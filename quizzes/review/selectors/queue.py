"""Reads of the daily review: what to show next, today's counts and the intervals each grade gives.

Today's numbers and the next card come from the one statement of quizzes.review.queue_sql, in the
learner's own learning day; the card to show is then fetched with its source (and choices).
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet

from quizzes.content.answers import ALL_GRADES
from quizzes.content.models import CardKind, CardStatus, Choice, Topic
from quizzes.review import scheduling
from quizzes.review.models import LearnerSettings, MemoryState
from quizzes.review.queue_sql import QueueRow, queue_row

GRADE_NAMES = ((1, "Again", "again"), (2, "Hard", "hard"), (3, "Good", "good"), (4, "Easy", "easy"))


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
    # When a card can next be shown: a learning card learn-ahead before it is due, a review
    # card when it is due (unless today's review limit is reached), else the next learning day.
    next_showable: datetime | None = None

    @property
    def left(self) -> int:
        return self.new + self.learning + self.review

    @property
    def progress_percent(self) -> int:
        total = self.done_today + self.left
        return round(100 * self.done_today / total) if total else 100


def _today(
    *,
    user: Any,
    now: datetime,
    learner_settings: LearnerSettings,
    topic_id: int | None = None,
    pick_card: bool = True,
    prefer_card_id: int | None = None,
) -> tuple[QueueRow, ReviewScreen]:
    """The queue statement's row for the learner at `now` and today's numbers from it: the one
    definition of what is left today, which the review screen and "Study now" both show."""
    day = learner_settings.learning_day
    row = queue_row(
        user_id=user.pk,
        now=now,
        day_start=day.start_of(now),
        tomorrow_end=day.start(day.day_of(now) + timedelta(days=2)),
        new_cards_per_day=learner_settings.new_cards_per_day,
        max_reviews_per_day=learner_settings.max_reviews_per_day,
        learn_ahead=learner_settings.learn_ahead,
        topic_id=topic_id,
        pick_card=pick_card,
        prefer_card_id=prefer_card_id,
    )
    new_left = max(0, learner_settings.new_cards_per_day - row.new_done)
    reviews_left = max(0, learner_settings.max_reviews_per_day - row.reviews_done)
    screen = ReviewScreen(
        state=None,
        new=min(row.new, new_left),
        learning=row.learning,
        review=min(row.review, reviews_left),
        done_today=row.done,
        new_waiting=max(0, row.new - new_left),
        reviews_waiting=max(0, row.review - reviews_left),
        next_due=row.next_due,
        due_tomorrow=row.due_tomorrow,
        undo_review_id=row.last_id,
    )
    moments = [day.next_start(now)]
    if row.next_learning_due is not None:
        moments.append(row.next_learning_due - learner_settings.learn_ahead)
    if row.next_review_due is not None and reviews_left > 0:
        moments.append(row.next_review_due)
    screen.next_showable = min(moments)
    return row, screen


def study_now_count(*, user: Any, now: datetime, learner_settings: LearnerSettings) -> int:
    """How many cards the learner can study now (the review screen's "left", whole queue; one
    query): the number on "Study now"."""
    _row, screen = _today(user=user, now=now, learner_settings=learner_settings, pick_card=False)
    return screen.left


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
    row, screen = _today(
        user=user,
        now=now,
        learner_settings=learner_settings,
        topic_id=topic_id,
        pick_card=pick_card,
        prefer_card_id=prefer_card_id,
    )
    if row.next_id is not None:
        # The front of a card names its topic; the source link is on the back (shown_state).
        screen.state = (
            MemoryState.objects.select_related("card__topic").filter(pk=row.next_id).first()
        )
    if screen.state is not None and screen.state.card.has_choices:
        screen.choices = list(screen.state.card.choices.all())
    return screen


def choices_in_shown_order(choices: Sequence[Choice], *, kind: str, seed: int) -> list[Choice]:
    """The card's choices in the order this showing presents them: shuffled by the showing's own
    seed (CardToken.seed), so the same screen always shows the same order and the keys 1-9 keep
    naming the same choices; true/false stays in its conventional order. Answers are recorded by
    choice id, never by position."""
    ordered = list(choices)
    if kind != CardKind.TRUE_FALSE:
        random.Random(seed).shuffle(ordered)
    return ordered


def shown_state(*, user: Any, card_id: int, with_source: bool = True) -> MemoryState | None:
    """The learner's memory of one published card, with the card and the learner's settings, and
    with the card's topic and lesson (its source link) for showing the back of the card; None for
    a card that is not theirs or no longer published."""
    related = ["card", "user__learner_settings"]
    if with_source:
        related += ["card__lesson__topic", "card__topic"]
    return (
        MemoryState.objects.filter(user=user, card_id=card_id, card__status=CardStatus.PUBLISHED)
        .select_related(*related)
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
        state.memory, now=now, scheduler=learner_settings.scheduler_for(state.card)
    )
    return [
        GradeOption(
            rating=rating,
            name=name,
            key=str(rating),
            css=f"grade-{css}",
            interval=scheduling.format_interval(intervals[rating]),
        )
        for rating, name, css in GRADE_NAMES
        if rating in allowed
    ]
