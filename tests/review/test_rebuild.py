"""The memory states are a cache of the review log: replaying the log reproduces them exactly."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from quizzes.review.errors import StaleAnswer
from quizzes.review.models import LearnerSettings, MemoryStage, MemoryState
from quizzes.review.scheduling import DEFAULT_PARAMETERS
from quizzes.review.services.rebuild import memory_rebuild
from quizzes.review.services.recording import quiz_mistakes_record, review_record
from quizzes.review.services.set_aside import review_undo
from tests.factories import CardFactory, MemoryStateFactory, UserFactory, shown

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
FIELDS = (
    "stage",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "is_leech",
    "suspended",
)


def snapshot() -> dict:
    return {
        (s.user_id, s.card_id): tuple(getattr(s, name) for name in FIELDS)
        for s in MemoryState.objects.all()
    }


def history(user, cards, *, seed: int) -> None:
    """Months of answers with lapses, quiz mistakes, undos and settings changed midway."""
    rng = random.Random(seed)
    for card in cards:
        MemoryStateFactory(user=user, card=card, unlocked_at=START)
    now = START
    for step in range(60):
        now += timedelta(hours=rng.choice([1, 5, 20, 30, 72]))
        if step == 20:
            LearnerSettings.objects.filter(user=user).update(desired_retention=0.8)
        if step == 40:
            fitted = list(DEFAULT_PARAMETERS)
            fitted[0] *= 1.3
            LearnerSettings.objects.filter(user=user).update(
                desired_retention=0.93, critical_retention=0.97, fsrs_parameters=fitted
            )
        card = rng.choice(cards)
        state = MemoryState.objects.get(user=user, card=card)
        if state.suspended:
            continue
        if step % 11 == 5:
            quiz_mistakes_record(
                user=user,
                cards_by_token={f"quiz-{user.pk}-{step}": card},
                clock=lambda at=now: at,
            )
            continue
        rating = rng.choice([1, 1, 2, 3, 3, 3, 4])
        outcome = review_record(
            user=user,
            card=card,
            rating=rating,
            now=now,
            shown=shown(state, now=now),
            learner_settings=LearnerSettings.objects.get(user=user),
        )
        if step % 7 == 3:
            review_undo(user=user, review_id=outcome.log.pk, now=now)


@pytest.fixture
def learners(db):
    users = [UserFactory(username=f"rebuild{i}") for i in range(3)]
    cards = [CardFactory(critical=i % 3 == 0) for i in range(6)]
    for seed, user in enumerate(users):
        LearnerSettings.objects.get_or_create(user=user)
        history(user, cards[seed:] + cards[:seed], seed=seed)
    # A leech: forgotten eight times.
    leech_user = users[0]
    leech = MemoryStateFactory(user=leech_user, card=CardFactory(), unlocked_at=START)
    now = START
    review_record(user=leech_user, card=leech.card, rating=4, now=now, shown=shown(leech, now=now))
    for _lapse in range(8):
        leech.refresh_from_db()
        now = leech.due + timedelta(hours=1)
        review_record(
            user=leech_user,
            card=leech.card,
            rating=1,
            now=now,
            shown=shown(leech, now=now),
        )
        leech.refresh_from_db()
        if not leech.is_leech:
            now = leech.due + timedelta(minutes=1)
            review_record(
                user=leech_user,
                card=leech.card,
                rating=3,
                now=now,
                shown=shown(leech, now=now),
            )
    # A card unlocked but never answered.
    MemoryStateFactory(user=users[1], card=CardFactory(), unlocked_at=START)
    return users


def test_history_is_mixed(learners):
    states = MemoryState.objects.all()
    assert {s.stage for s in states} >= {MemoryStage.NEW, MemoryStage.REVIEW}
    assert states.filter(is_leech=True, suspended=True).count() == 1
    assert states.filter(lapses__gt=0).count() > 1


def test_rebuild_reproduces_every_state_exactly(learners):
    stored = snapshot()
    # Throw the cache away: every state reset to New.
    MemoryState.objects.update(
        stage=MemoryStage.NEW,
        step=None,
        stability=None,
        difficulty=None,
        due=None,
        last_review=None,
        reps=0,
        lapses=0,
        is_leech=False,
    )
    out = StringIO()
    call_command("rebuild_memory", stdout=out)
    assert snapshot() == stored
    assert "3 learners" in out.getvalue()
    # Already exact: a second pass changes nothing, and --check agrees.
    assert all(memory_rebuild(user=user).changed == 0 for user in learners)
    call_command("rebuild_memory", "--check", stdout=StringIO())


def test_rebuild_bumps_versions_so_open_screens_go_stale(learners):
    state = MemoryState.objects.filter(user=learners[0], reps__gt=0, suspended=False).first()
    MemoryState.objects.filter(pk=state.pk).update(stability=123.0)
    call_command("rebuild_memory", "--user", learners[0].username, stdout=StringIO())
    with pytest.raises(StaleAnswer):
        review_record(
            user=state.user,
            card=state.card,
            rating=3,
            now=START + timedelta(days=400),
            shown=shown(state, now=START + timedelta(days=400)),
        )


def test_check_reports_differences_without_writing(learners):
    target = MemoryState.objects.filter(user=learners[2], reps__gt=0).first()
    MemoryState.objects.filter(pk=target.pk).update(reps=999)
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("rebuild_memory", "--check", stdout=out)
    assert exit_info.value.code == 1
    assert "rebuild2: 1 state differs" in out.getvalue()
    assert MemoryState.objects.get(pk=target.pk).reps == 999


def test_one_learner_only(learners):
    for user in learners:
        MemoryState.objects.filter(user=user, reps__gt=0).update(reps=999)
    call_command("rebuild_memory", "--user", learners[1].username, stdout=StringIO())
    assert not MemoryState.objects.filter(user=learners[1], reps=999).exists()
    assert MemoryState.objects.filter(user=learners[0], reps=999).exists()


def test_unknown_learner_is_an_error(db):
    with pytest.raises(CommandError, match="No learner"):
        call_command("rebuild_memory", "--user", "nobody")
