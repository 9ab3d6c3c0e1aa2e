"""The benchmark's dataset generator, small: right counts, plausible rows, usable by the app."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Max
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bench.dataset import (
    BASE_REVIEWS,
    INSTRUCTOR_USERNAME,
    LEARNER_PREFIX,
    create_sessions,
    generate,
)
from quizzes.content.models import Card, CardStatus
from quizzes.review.models import LessonRead, MemoryState, ReviewLog
from quizzes.review.scheduling import Memory

LEARNERS, CARDS = 4, 12
LOGS_PER_LEARNER = CARDS * BASE_REVIEWS + len(range(0, CARDS, 3))


@pytest.fixture
def dataset(db):
    now = timezone.now()
    # A batch size that does not divide the row counts: the last, partial batch must be written too.
    report = generate(learners=LEARNERS, cards=CARDS, batch_size=7, now=now)
    return report, now


def test_counts_match_the_requested_size(dataset):
    report, _ = dataset
    assert (report.learners, report.cards) == (LEARNERS, CARDS)
    assert Card.objects.filter(status=CardStatus.PUBLISHED).count() == CARDS
    assert MemoryState.objects.count() == report.memory_states == LEARNERS * CARDS
    assert ReviewLog.objects.count() == report.review_logs == LEARNERS * LOGS_PER_LEARNER
    assert LessonRead.objects.count() == report.lesson_reads
    assert report.batches > 3
    assert get_user_model().objects.filter(username__startswith=LEARNER_PREFIX).count() == LEARNERS


def test_full_size_reaches_a_million_review_logs():
    per_learner = 300 * BASE_REVIEWS + len(range(0, 300, 3))
    assert 1000 * per_learner >= 1_000_000


def test_memory_states_agree_with_their_review_history(dataset):
    _, now = dataset
    logs = ReviewLog.objects.values("user_id", "card_id").annotate(
        n=Count("id"), last=Max("reviewed_at")
    )
    history = {(row["user_id"], row["card_id"]): row for row in logs}
    for state in MemoryState.objects.all():
        row = history[(state.user_id, state.card_id)]
        assert state.reps == state.version == row["n"]
        assert state.last_review == row["last"]
        assert state.stage in (1, 2, 3)
        assert state.stability > 0 and 1 <= state.difficulty <= 10
    last = ReviewLog.objects.order_by("-reviewed_at").first()
    state = MemoryState.objects.get(user_id=last.user_id, card_id=last.card_id)
    after = Memory.from_dict(last.state_after)
    assert after.due == state.due
    assert after.stage == state.stage


def test_review_times_fall_in_the_past_year_before_today(dataset):
    _, now = dataset
    times = ReviewLog.objects.order_by("reviewed_at").values_list("reviewed_at", flat=True)
    assert times.first() >= now - timedelta(days=366)
    assert times.last() <= now - timedelta(days=1)
    assert ReviewLog.objects.values("token").distinct().count() == ReviewLog.objects.count()


def test_some_cards_are_due_so_the_review_queue_has_work(dataset):
    _, now = dataset
    due = MemoryState.objects.filter(due__lte=now).count()
    assert 0 < due < MemoryState.objects.count() / 2


def test_instructor_and_sessions_let_the_benchmark_sign_in(dataset, settings):
    settings.SECURE_SSL_REDIRECT = False
    user_model = get_user_model()
    learner = user_model.objects.filter(username__startswith=LEARNER_PREFIX).first()
    keys = create_sessions(usernames=[learner.username, INSTRUCTOR_USERNAME])

    client = Client()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = keys[learner.username]
    response = client.get(reverse("review:review"))
    assert response.status_code == 200
    assert b'name="token"' in response.content
    assert client.get(reverse("insights:progress")).status_code == 200

    instructor = Client()
    instructor.cookies[django_settings.SESSION_COOKIE_NAME] = keys[INSTRUCTOR_USERNAME]
    assert instructor.get(reverse("insights:instructor_dashboard")).status_code == 200
