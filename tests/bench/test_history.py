"""Synthetic histories: answered by the app's scheduler, shifted in time without changing a value,
and the same rows the review service writes for the same answers."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from bench.dataset.history import (
    HISTORY_DAYS,
    NOT_DUE_WITHIN,
    ORIGIN,
    HistoryPlanner,
    Outcomes,
    dated,
    learner_histories,
)
from quizzes.review import scheduling
from quizzes.review.models import LearnerSettings, MemoryState, ReviewLog
from quizzes.review.services.recording import review_record
from quizzes.review.tokens import CardToken
from tests.factories import CardFactory

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def replayed(ratings, times, retention=0.9):
    """The scheduler answering the same ratings at the same times, from a new card."""
    scheduler = scheduling.make_scheduler(desired_retention=retention)
    memory, memories = scheduling.Memory(), []
    for rating, at in zip(ratings, times, strict=True):
        memory = scheduling.answer(memory, rating=rating, now=at, scheduler=scheduler)
        memories.append(memory)
    return memories


def test_a_shifted_history_is_what_the_scheduler_gives_at_the_new_times():
    steps = Outcomes().steps(retention=0.9, ratings=(3, 1, 2, 4), lateness=(0, 3600, 86400 * 3))
    start = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
    history = dated(steps, first_answer=start)
    times = [answer.reviewed_at for answer in history.answers]
    assert times[0] == start
    assert replayed([3, 1, 2, 4], times)[-1] == history.final
    for answer, memory in zip(history.answers, replayed([3, 1, 2, 4], times), strict=True):
        assert json.loads(answer.state_after)["due"] == memory.due.isoformat()
        assert answer.interval_seconds == round((memory.due - answer.reviewed_at).total_seconds())


def test_each_distinct_history_is_answered_once_then_reused():
    outcomes = Outcomes()
    first = outcomes.steps(retention=0.9, ratings=(3, 3, 3), lateness=(0, 0))
    again = outcomes.steps(retention=0.9, ratings=[3, 3, 3], lateness=[0, 0])
    other = outcomes.steps(retention=0.95, ratings=(3, 3, 3), lateness=(0, 0))
    assert again is first and other is not first
    assert (len(outcomes), outcomes.answered, outcomes.reused) == (2, 6, 1)
    # No lateness: each answer comes exactly when the card came due.
    assert [step.at for step in first[1:]] == [step.after.due - ORIGIN for step in first[:-1]]


def test_a_learners_cards_fit_the_past_year_and_one_in_ten_is_due():
    planner = HistoryPlanner(now=NOW)
    critical = [index % 17 == 0 for index in range(300)]
    histories = list(learner_histories(planner, seed=3, critical=critical, retention=(0.9, 0.95)))
    assert len(histories) == 300
    assert sum(history.final.due <= NOW for history in histories) == 30
    for history in histories:
        assert history.answers[0].reviewed_at >= NOW - timedelta(days=HISTORY_DAYS)
        assert history.answers[-1].reviewed_at < NOW
        assert history.final.due <= NOW + NOT_DUE_WITHIN
        assert [json.loads(a.state_after)["reps"] for a in history.answers] == list(
            range(1, history.reps + 1)
        )
    # The same seed gives the same learner, whatever the planner has seen before.
    again = list(learner_histories(planner, seed=3, critical=critical, retention=(0.9, 0.95)))
    assert [h.final for h in again] == [h.final for h in histories]


@pytest.mark.django_db
def test_rows_are_what_the_review_service_writes_for_the_same_answers(student):
    card = CardFactory(critical=True)
    settings = LearnerSettings(user=student)
    steps = Outcomes().steps(
        retention=settings.retention_for(card), ratings=(3, 1, 3, 4), lateness=(3600, 0, 86400)
    )
    history = dated(steps, first_answer=NOW - timedelta(days=40))
    state = MemoryState.objects.create(user=student, card=card, unlocked_at=NOW - timedelta(99))
    for number, answer in enumerate(history.answers):
        shown = CardToken(student.pk, card.pk, number, answer.reviewed_at, f"t{number}")
        review_record(
            user=student, card=card, rating=answer.rating, now=answer.reviewed_at, shown=shown
        )
    logs = list(ReviewLog.objects.filter(user=student).order_by("id"))
    for log, answer in zip(logs, history.answers, strict=True):
        assert log.stage_before == answer.stage_before
        assert log.state_before == json.loads(answer.state_before)
        assert log.state_after == json.loads(answer.state_after)
        assert log.interval_seconds == answer.interval_seconds
    state.refresh_from_db()
    assert state.memory == history.final
    assert (state.reps, state.lapses, state.version) == (4, history.lapses, 4)


def test_the_planner_works_in_whole_seconds():
    planner = HistoryPlanner(now=timezone.now())
    assert planner.now.microsecond == 0
    history = planner.card(random.Random(1), reviews=3, due_now=False, retention=0.9)
    assert all(answer.reviewed_at.microsecond == 0 for answer in history.answers)
