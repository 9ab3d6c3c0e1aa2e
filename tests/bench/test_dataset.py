"""The benchmark's dataset generator, small: right counts, a history the app replays to the same
states, and sessions the app accepts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Max
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bench.dataset import (
    LEARNER_PREFIX,
    bench_usernames,
    column_time,
    create_sessions,
    generate,
    reviews_for,
)
from bench.dataset.content import INSTRUCTORS
from quizzes.content.models import Card, CardStatus
from quizzes.review.models import LessonRead, MemoryState, ReviewLog
from quizzes.review.scheduling import Memory

LEARNERS, CARDS = 4, 12
LOGS_PER_LEARNER = sum(reviews_for(index) for index in range(CARDS))


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
    assert 0 < report.distinct_histories <= report.fsrs_answers
    learners, instructors = bench_usernames()
    assert len(learners) == LEARNERS and len(instructors) == INSTRUCTORS


def test_full_size_reaches_a_million_review_logs():
    assert 1000 * sum(reviews_for(index) for index in range(300)) >= 1_000_000


def test_rebuild_memory_finds_every_state_as_a_replay_of_its_log(dataset):
    out = StringIO()
    call_command("rebuild_memory", "--check", stdout=out)
    summary = out.getvalue()
    assert f" {LEARNERS * CARDS} memory state" in summary and "0 differ, 0 missing" in summary


def test_rebuild_memory_would_notice_a_state_that_is_not_its_replay(dataset):
    state = MemoryState.objects.order_by("pk").first()
    MemoryState.objects.filter(pk=state.pk).update(stability=state.stability * 2)
    with pytest.raises(SystemExit):
        call_command("rebuild_memory", "--check", stdout=StringIO())


def test_memory_states_agree_with_their_review_history(dataset):
    logs = ReviewLog.objects.values("user_id", "card_id").annotate(
        n=Count("id"), last=Max("reviewed_at")
    )
    history = {(row["user_id"], row["card_id"]): row for row in logs}
    for state in MemoryState.objects.all():
        row = history[(state.user_id, state.card_id)]
        assert state.reps == state.version == row["n"]
        assert state.last_review == row["last"]
    last = ReviewLog.objects.order_by("-reviewed_at", "-id").first()
    state = MemoryState.objects.get(user_id=last.user_id, card_id=last.card_id)
    assert Memory.from_dict(last.state_after) == state.memory
    assert last.stage_before == last.state_before["stage"]


def test_review_times_fall_in_the_past_year(dataset):
    _, now = dataset
    times = ReviewLog.objects.order_by("reviewed_at").values_list("reviewed_at", flat=True)
    assert times.first() >= now - timedelta(days=366)
    assert times.last() < now
    assert ReviewLog.objects.values("token").distinct().count() == ReviewLog.objects.count()


def test_some_cards_are_due_so_the_review_queue_has_work(dataset):
    _, now = dataset
    due = MemoryState.objects.due_by(now).count()
    assert 0 < due < MemoryState.objects.count() / 2


def test_times_are_written_as_djangos_own_adapter_writes_them(db):
    moment = datetime(2026, 3, 29, 1, 30, 5, tzinfo=UTC)
    adapt = connection.ops.adapt_datetimefield_value
    assert column_time(connection.vendor)(moment) == adapt(moment)
    assert column_time("sqlite")(moment) == "2026-03-29 01:30:05"


def _signed_in(key: str) -> Client:
    client = Client()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = key
    return client


@pytest.mark.parametrize(
    "engine",
    ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"],
)
def test_sessions_let_the_benchmark_sign_in(dataset, settings, engine):
    settings.SESSION_ENGINE = engine
    learners, instructors = bench_usernames()
    keys = create_sessions(usernames=[learners[0], instructors[0]])
    learner = _signed_in(keys[learners[0]])
    response = learner.get(reverse("review:review"))
    assert response.status_code == 200
    assert b'name="token"' in response.content
    assert learner.get(reverse("insights:progress")).status_code == 200
    instructor = _signed_in(keys[instructors[0]])
    assert instructor.get(reverse("insights:instructor_dashboard")).status_code == 200
    assert get_user_model().objects.filter(username__startswith=LEARNER_PREFIX).count() == LEARNERS
