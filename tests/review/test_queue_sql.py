"""The review queue's hand-written statement against a plain ORM/Python reference.

quizzes/review/queue_sql.py says in SQL what quizzes/review/models.py defines with the ORM (in the
queue, due by, standing answers) and what the module docstring promises about the order. Random
memory states, answers and settings go through both; every figure and the next card must agree,
on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import NotSupportedError, connection
from django.db.models import Max

from quizzes.content.models import CardStatus
from quizzes.review.models import (
    LEARNING_STAGES,
    LearnerSettings,
    MemoryStage,
    MemoryState,
    ReviewLog,
    ReviewSource,
    ReviewUndo,
)
from quizzes.review.queue_sql import QueueRow, queue_row, statement
from tests.factories import (
    ArticleFactory,
    CardFactory,
    LessonFactory,
    TopicFactory,
    UserFactory,
    log_review,
)

NOW = datetime(2026, 3, 29, 11, 17, 23, tzinfo=UTC)  # a daylight-saving Sunday in Europe
ZONES = ["UTC", "Europe/London", "America/New_York", "Pacific/Auckland", "Asia/Kolkata"]
STATUSES = [CardStatus.PUBLISHED] * 4 + [CardStatus.DRAFT, CardStatus.ARCHIVED]


def _moment(rng: random.Random, *, days: float) -> datetime:
    return NOW + timedelta(seconds=rng.uniform(-days, days) * 86400)


def build_history(rng: random.Random) -> tuple:
    """Two articles of topics and lessons, cards of every status, two learners' memories of
    them in every stage (some suspended or buried), and a mix of answers (undone, quiz)."""
    lessons = []
    for article in (ArticleFactory(title="B article"), ArticleFactory(title="A article")):
        for topic_position in rng.sample(range(10), 3):
            topic = TopicFactory(article=article, position=topic_position)
            lessons += [
                LessonFactory(topic=topic, position=position)
                for position in rng.sample(range(10), 2)
            ]
    cards = [
        CardFactory(
            lesson=rng.choice(lessons), status=rng.choice(STATUSES), position=rng.randrange(5)
        )
        for _ in range(36)
    ]
    learner, other = UserFactory(), UserFactory()
    for user in (learner, other):
        for card in rng.sample(cards, 30):
            stage = rng.choice(list(MemoryStage))
            started = stage != MemoryStage.NEW
            MemoryState.objects.create(
                user=user,
                card=card,
                stage=stage,
                step=0 if stage in LEARNING_STAGES else None,
                stability=rng.uniform(0.2, 60) if started else None,
                difficulty=rng.uniform(1, 10) if started else None,
                due=_moment(rng, days=3) if started else None,
                last_review=NOW - timedelta(seconds=rng.uniform(3600, 90 * 86400))
                if started
                else None,
                suspended=rng.random() < 0.1,
                buried_until=rng.choice([None, None, None, _moment(rng, days=1)]),
                unlocked_at=NOW - timedelta(days=100),
            )
        for _ in range(rng.randrange(0, 25)):
            log = log_review(
                user=user,
                card=rng.choice(cards),
                rating=rng.randint(1, 4),
                at=_moment(rng, days=2),
                stage_before=rng.choice(list(MemoryStage)),
                source=rng.choice([ReviewSource.DAILY_REVIEW] * 4 + [ReviewSource.QUIZ]),
            )
            if rng.random() < 0.15:
                ReviewUndo.objects.create(review=log, undone_at=log.reviewed_at)
    settings = LearnerSettings.objects.create(
        user=learner,
        new_cards_per_day=rng.randrange(0, 6),
        max_reviews_per_day=rng.randrange(0, 8),
        time_zone=rng.choice(ZONES),
        day_start_hour=rng.randrange(0, 24),
        learn_ahead_minutes=rng.choice([0, 20, 20, 180]),
    )
    return learner, cards, settings


def reference_row(*, user, settings, now, topic_id=None, prefer_card_id=None) -> QueueRow:
    """The same figures from the ORM definitions and the documented order, in plain Python."""
    day = settings.learning_day
    standing = ReviewLog.objects.standing().filter(user=user)
    today = standing.filter(reviewed_at__gte=day.start_of(now))
    tomorrow_end = day.start(day.day_of(now) + timedelta(days=2))
    states = MemoryState.objects.filter(user=user).in_queue(now)
    if topic_id is not None:
        states = states.filter(card__topic_id=topic_id)
    states = list(states.select_related("card__topic__article", "card__lesson"))
    # Learning cards due within the learn-ahead limit count, and come when nothing else is left.
    ahead = now + settings.learn_ahead
    learning = [s for s in states if s.stage in LEARNING_STAGES and s.due <= ahead]
    review = [s for s in states if s.stage == MemoryStage.REVIEW and s.due <= now]
    new = [s for s in states if s.stage == MemoryStage.NEW]
    started = [s for s in states if s.stage != MemoryStage.NEW]
    new_done = today.filter(stage_before=MemoryStage.NEW).count()
    reviews_done = today.filter(stage_before=MemoryStage.REVIEW).count()
    candidates = [*learning]
    candidates += review if reviews_done < settings.max_reviews_per_day else []
    candidates += new if new_done < settings.new_cards_per_day else []

    def order(state: MemoryState) -> tuple:
        card = state.card
        if state.stage in LEARNING_STAGES:
            kind = 0 if state.due <= now else 3
        else:
            kind = 1 if state.stage == MemoryStage.REVIEW else 2
        overdue = 0.0
        if kind == 1:
            overdue = (now - state.last_review).total_seconds() / 86400 / state.stability
        return (
            0 if card.pk == prefer_card_id else 1,
            kind,
            state.due if kind in (0, 3) else NOW,
            -overdue,
            card.topic.article.title,
            card.topic.position,
            card.lesson.position,
            card.position,
            card.pk,
        )

    later = [s.due for s in started if s.due > now]
    return QueueRow(
        done=today.count(),
        new_done=new_done,
        reviews_done=reviews_done,
        last_id=standing.aggregate(last=Max("id"))["last"],
        learning=len(learning),
        review=len(review),
        new=len(new),
        next_due=min(later) if later else None,
        next_learning_due=min(
            (s.due for s in started if s.stage in LEARNING_STAGES and s.due > ahead), default=None
        ),
        next_review_due=min(
            (s.due for s in started if s.stage == MemoryStage.REVIEW and s.due > now), default=None
        ),
        due_tomorrow=sum(1 for s in started if s.due < tomorrow_end),
        next_id=min(candidates, key=order).pk if candidates else None,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(12))
def test_statement_agrees_with_the_orm_reference(seed):
    rng = random.Random(seed)
    learner, cards, settings = build_history(rng)
    day = settings.learning_day
    for _ in range(6):
        now = _moment(rng, days=1)
        topic_id = rng.choice([None, None, rng.choice(cards).topic_id])
        prefer = rng.choice([None, rng.choice(cards).pk])
        expected = reference_row(
            user=learner, settings=settings, now=now, topic_id=topic_id, prefer_card_id=prefer
        )
        got = queue_row(
            user_id=learner.pk,
            now=now,
            day_start=day.start_of(now),
            tomorrow_end=day.start(day.day_of(now) + timedelta(days=2)),
            new_cards_per_day=settings.new_cards_per_day,
            max_reviews_per_day=settings.max_reviews_per_day,
            learn_ahead=settings.learn_ahead,
            topic_id=topic_id,
            prefer_card_id=prefer,
        )
        assert got == expected, (seed, now, topic_id, prefer)


def _arguments(learner, settings) -> dict:
    """queue_row's arguments for the learner at NOW, with room for 50 new cards and reviews."""
    day = settings.learning_day
    return {
        "user_id": learner.pk,
        "now": NOW,
        "day_start": day.start_of(NOW),
        "tomorrow_end": day.start(day.day_of(NOW) + timedelta(days=2)),
        "new_cards_per_day": 50,
        "max_reviews_per_day": 50,
    }


@pytest.mark.django_db
def test_without_picking_the_next_card_the_counts_are_the_same():
    learner, _, settings = build_history(random.Random(99))
    arguments = _arguments(learner, settings)
    picked = queue_row(**arguments)
    counted = queue_row(**arguments, pick_card=False)
    assert picked.next_id is not None and counted.next_id is None
    assert counted == QueueRow(**{**picked.__dict__, "next_id": None})


def test_another_database_vendor_gets_a_clear_error():
    statement.cache_clear()
    with pytest.raises(NotSupportedError, match="SQLite and PostgreSQL, not on mysql"):
        statement("mysql")


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(4))
def test_learn_ahead_agrees_when_only_cards_within_the_limit_are_left(seed):
    """Nothing due now and no new card or review allowed: the next card is the learning card due
    soonest within the learn-ahead limit, in both."""
    rng = random.Random(100 + seed)
    learner, _, settings = build_history(rng)
    settings.new_cards_per_day = settings.max_reviews_per_day = 0
    settings.learn_ahead_minutes = 180
    settings.save()
    learning = MemoryState.objects.filter(user=learner, stage__in=LEARNING_STAGES)
    for state in learning:
        state.due = NOW + timedelta(minutes=rng.uniform(1, 400))
        state.save(update_fields=["due"])
    day = settings.learning_day
    expected = reference_row(user=learner, settings=settings, now=NOW)
    got = queue_row(
        user_id=learner.pk,
        now=NOW,
        day_start=day.start_of(NOW),
        tomorrow_end=day.start(day.day_of(NOW) + timedelta(days=2)),
        new_cards_per_day=0,
        max_reviews_per_day=0,
        learn_ahead=settings.learn_ahead,
    )
    assert expected.next_id is not None and expected.learning > 0
    assert got == expected


@pytest.mark.django_db
def test_postgresql_prepares_the_statement_after_a_few_runs_and_it_gives_the_same_row():
    """Server-side binding lets psycopg prepare the statement once it ran a few times on a
    connection (settings: DATABASE_PREPARE_THRESHOLD), so PostgreSQL stops planning it per request;
    a prepared run answers exactly as the first did."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    learner, _, settings = build_history(random.Random(7))
    arguments = _arguments(learner, settings)
    rows = [queue_row(**arguments) for _ in range(8)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%answered.new_done%"],
        )
        (prepared,) = cursor.fetchone()
    assert prepared >= 1
    assert all(row == rows[0] for row in rows)
