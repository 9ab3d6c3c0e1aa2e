from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections

from quizzes.content.models import Card, CardStatus
from quizzes.review.errors import (
    CardWithdrawn,
    DuplicateAnswer,
    GradeRefused,
    NotTheLearners,
    StaleAnswer,
)
from quizzes.review.models import (
    LearnerSettings,
    MemoryStage,
    MemoryState,
    ReviewLog,
    ReviewSource,
    ReviewUndo,
)
from quizzes.review.selectors.settings import learner_settings
from quizzes.review.services.recording import quiz_mistakes_record, review_record
from quizzes.review.services.set_aside import card_bury, card_suspend, card_unsuspend, review_undo
from quizzes.review.services.settings import UnknownTimeZone, settings_save, time_zone_detected
from quizzes.review.tokens import CardToken, token_issue, token_read
from tests.factories import CardFactory, MemoryStateFactory, UserFactory
from tests.review.test_concurrency import concurrent_database  # noqa: F401 - the fixture, on a database file

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FIELDS = (
    "stage",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "suspended",
    "is_leech",
    "buried_until",
)


def fields(state: MemoryState) -> dict:
    state.refresh_from_db()
    return {name: getattr(state, name) for name in FIELDS}


def show(state: MemoryState, now: datetime) -> CardToken:
    """The card as a screen shows it at `now`: a verified one-time token for its current version."""
    state.refresh_from_db()
    return token_read(token_issue(user=state.user, state=state, now=now))


def answer(state: MemoryState, rating: int, now: datetime, shown: CardToken | None = None):
    return review_record(
        user=state.user,
        card=state.card,
        rating=rating,
        now=now,
        shown=shown or show(state, now),
    )


@pytest.fixture
def state(student):
    return MemoryStateFactory(user=student, unlocked_at=NOW)


def test_learner_settings_are_the_defaults_until_saved_and_reading_writes_nothing(student):
    first = learner_settings(student)
    assert (first.desired_retention, first.critical_retention) == (0.90, 0.95)
    assert (first.new_cards_per_day, first.max_reviews_per_day, first.day_start_hour) == (
        20,
        200,
        4,
    )
    assert first.pk is None and not LearnerSettings.objects.exists()
    saved = LearnerSettings.objects.create(user=student, new_cards_per_day=5)
    student.refresh_from_db()
    assert learner_settings(student).pk == saved.pk


def test_answer_appends_a_log_and_moves_the_state(state):
    outcome = answer(state, 3, NOW)
    log = ReviewLog.objects.get()
    assert outcome.log == log
    assert (log.rating, log.reviewed_at, log.source) == (3, NOW, ReviewSource.DAILY_REVIEW)
    assert log.state_before["stage"] == MemoryStage.NEW and log.state_before["version"] == 0
    assert log.state_after["stage"] == MemoryStage.LEARNING and log.state_after["version"] == 1
    assert log.interval_seconds == 600 and log.desired_retention == 0.90
    assert log.fsrs_parameters is None
    current = fields(state)
    assert current["stage"] == MemoryStage.LEARNING and current["reps"] == 1
    assert current["due"] == NOW + timedelta(minutes=10)
    assert MemoryState.objects.get().version == 1


def test_critical_cards_use_the_critical_retention(student):
    critical = MemoryStateFactory(user=student, card=CardFactory(critical=True), unlocked_at=NOW)
    LearnerSettings.objects.create(user=student, critical_retention=0.97)
    assert answer(critical, 3, NOW).log.desired_retention == 0.97


def test_long_tokens_are_stored_as_their_hash(state):
    shown = show(state, NOW)
    log = answer(state, 3, NOW, shown=shown).log
    assert len(log.token) == 64 and log.token != shown.raw
    assert log.duration_ms == 0 and not log.overridden


def test_repeated_token_is_a_duplicate_and_writes_nothing(state):
    shown = show(state, NOW)
    answer(state, 3, NOW, shown=shown)
    for rating in (3, 1):
        with pytest.raises(DuplicateAnswer):
            answer(state, rating, NOW, shown=shown)
    assert ReviewLog.objects.count() == 1 and MemoryState.objects.get().version == 1


def test_stale_version_writes_nothing(state):
    other_tab = show(state, NOW)
    answer(state, 3, NOW)
    with pytest.raises(StaleAnswer):
        answer(state, 1, NOW, shown=other_tab)
    assert ReviewLog.objects.count() == 1 and MemoryState.objects.get().version == 1


def test_a_stale_preloaded_state_is_caught_by_the_version_check(state):
    old_copy = MemoryState.objects.get(pk=state.pk)
    tab_2 = show(state, NOW)
    answer(state, 3, NOW)
    with pytest.raises(StaleAnswer):
        review_record(
            user=state.user, card=state.card, rating=1, now=NOW, shown=tab_2, state=old_copy
        )
    assert ReviewLog.objects.count() == 1


def test_bad_rating_writes_nothing(state):
    for rating in (0, 5):
        with pytest.raises(GradeRefused, match="Choose a grade"):
            answer(state, rating, NOW)
    assert ReviewLog.objects.count() == 0


def test_quiz_mistake_creates_the_state_when_missing(student):
    card = CardFactory()
    quiz_mistakes_record(user=student, cards_by_token={"quiz-7": card}, clock=lambda: NOW)
    state = MemoryState.objects.get(user=student, card=card)
    assert state.stage == MemoryStage.LEARNING and state.reps == 1
    quiz_mistakes_record(user=student, cards_by_token={"quiz-7": card}, clock=lambda: NOW)
    assert ReviewLog.objects.filter(source=ReviewSource.QUIZ).count() == 1


def test_daily_review_of_a_card_not_unlocked_is_refused(student):
    card = CardFactory()
    never_unlocked = token_read(token_issue(user=student, state=MemoryState(card=card), now=NOW))
    with pytest.raises(NotTheLearners):
        review_record(user=student, card=card, rating=3, now=NOW, shown=never_unlocked)
    assert ReviewLog.objects.count() == 0


def test_intervals_grow_across_days(state):
    now = NOW
    answer(state, 3, now)
    now += timedelta(minutes=10)
    answer(state, 3, now)  # graduates to review
    intervals = []
    for _ in range(5):
        state.refresh_from_db()
        now = state.due  # the learner comes back exactly when FSRS scheduled the card
        intervals.append(answer(state, 3, now).interval)
    assert all(later > earlier for earlier, later in zip(intervals, intervals[1:], strict=False))
    assert intervals[0] >= timedelta(days=1)


def test_leech_after_eight_lapses(state):
    now = NOW
    answer(state, 4, now)  # straight to review
    lapses_seen = []
    for _ in range(8):
        state.refresh_from_db()
        now = state.due + timedelta(hours=1)
        if state.stage == MemoryStage.REVIEW:
            outcome = answer(state, 1, now)  # forgotten: a lapse
            lapses_seen.append(outcome.became_leech)
            state.refresh_from_db()
            now = state.due + timedelta(minutes=1)
            if not state.is_leech:
                answer(state, 3, now)  # relearned
    state.refresh_from_db()
    assert state.lapses == 8 and state.is_leech and state.suspended
    assert lapses_seen == [False] * 7 + [True]


def test_undo_restores_state_and_leaves_the_log_append_only(state):
    answer(state, 3, NOW)
    before = fields(state)
    version_before = MemoryState.objects.get().version
    logs_before = list(ReviewLog.objects.filter(undo__isnull=True).values_list("pk", flat=True))
    outcome = answer(state, 1, NOW + timedelta(minutes=10))
    review_undo(user=state.user, review_id=outcome.log.pk, now=NOW + timedelta(minutes=11))
    assert fields(state) == before
    assert MemoryState.objects.get().version > version_before  # old screens stay stale
    assert list(ReviewLog.objects.filter(undo__isnull=True).values_list("pk", flat=True)) == (
        logs_before
    )
    assert ReviewLog.objects.count() == 2 and ReviewUndo.objects.count() == 1
    with pytest.raises(DuplicateAnswer):
        review_undo(user=state.user, review_id=outcome.log.pk, now=NOW)


def test_undo_restores_a_leech_exactly(state):
    MemoryState.objects.filter(pk=state.pk).update(
        stage=MemoryStage.REVIEW,
        stability=3.0,
        difficulty=7.0,
        due=NOW,
        last_review=NOW - timedelta(days=3),
        lapses=7,
        reps=30,
    )
    before = fields(state)
    outcome = answer(state, 1, NOW)
    assert outcome.became_leech
    review_undo(user=state.user, review_id=outcome.log.pk, now=NOW)
    assert fields(state) == before


def test_only_the_latest_answer_can_be_undone(student):
    first = MemoryStateFactory(user=student, unlocked_at=NOW)
    second = MemoryStateFactory(user=student, unlocked_at=NOW)
    early = answer(first, 3, NOW).log
    answer(second, 3, NOW + timedelta(seconds=5))
    with pytest.raises(StaleAnswer):
        review_undo(user=student, review_id=early.pk, now=NOW)
    assert ReviewUndo.objects.count() == 0


def test_undo_refused_when_the_card_changed_since(state):
    log = answer(state, 3, NOW).log
    state.refresh_from_db()
    card_suspend(
        user=state.user,
        token=show(state, NOW),
        learner_settings=learner_settings(state.user),
        now=NOW,
    )
    with pytest.raises(StaleAnswer):
        review_undo(user=state.user, review_id=log.pk, now=NOW)
    assert ReviewUndo.objects.count() == 0


def test_undo_of_another_learners_answer_is_not_found(state, other_student):
    log = answer(state, 3, NOW).log
    with pytest.raises(NotTheLearners):
        review_undo(user=other_student, review_id=log.pk, now=NOW)


def test_bury_until_the_learners_next_day(state):
    LearnerSettings.objects.create(user=state.user, time_zone="Asia/Tokyo", day_start_hour=4)
    shown = token_read(token_issue(user=state.user, state=state, now=NOW))
    card_bury(user=state.user, token=shown, learner_settings=learner_settings(state.user), now=NOW)
    state.refresh_from_db()
    # 21:00 in Tokyo → buried until 04:00 Tokyo the next morning (19:00 UTC).
    assert state.buried_until == datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    with pytest.raises(StaleAnswer):  # the same screen again
        card_suspend(
            user=state.user, token=shown, learner_settings=learner_settings(state.user), now=NOW
        )
    assert not MemoryState.objects.get().suspended


# --- restoring suspended cards --------------------------------------------------------------


def test_unsuspend_puts_the_card_back_and_makes_old_screens_stale(state):
    shown = show(state, NOW)
    settings = learner_settings(state.user)
    card_suspend(user=state.user, token=shown, learner_settings=settings, now=NOW)
    suspended = MemoryState.objects.get()
    before = fields(state)
    restored = card_unsuspend(user=state.user, card_id=state.card_id)
    assert restored.suspended is False and restored.version == suspended.version + 1
    assert {**before, "suspended": False} == fields(state)
    # Restoring again changes nothing (a double click).
    assert card_unsuspend(user=state.user, card_id=state.card_id).version == restored.version


def test_unsuspend_of_another_learners_card_is_not_found(state, other_student):
    MemoryState.objects.filter(pk=state.pk).update(suspended=True)
    with pytest.raises(NotTheLearners):
        card_unsuspend(user=other_student, card_id=state.card_id)
    assert MemoryState.objects.get().suspended


def test_a_restored_leech_keeps_its_flag_and_lapses_go_on_counting(state):
    MemoryState.objects.filter(pk=state.pk).update(
        stage=MemoryStage.REVIEW,
        stability=3.0,
        difficulty=7.0,
        due=NOW,
        last_review=NOW - timedelta(days=3),
        lapses=7,
        reps=30,
    )
    assert answer(state, 1, NOW).became_leech
    restored = card_unsuspend(user=state.user, card_id=state.card_id)
    assert restored.is_leech and not restored.suspended and restored.lapses == 8
    # Relearn it, let it lapse again: counted, still flagged, not suspended a second time.
    state.refresh_from_db()
    answer(state, 4, state.due + timedelta(minutes=1))
    state.refresh_from_db()
    assert state.stage == MemoryStage.REVIEW
    outcome = answer(state, 1, state.due + timedelta(hours=1))
    state.refresh_from_db()
    assert not outcome.became_leech
    assert state.lapses == 9 and state.is_leech and not state.suspended


# --- settings -------------------------------------------------------------------------------


def test_settings_save_creates_then_updates_one_row(student):
    settings_save(user=student, values={"new_cards_per_day": 7, "time_zone": "Europe/Paris"})
    saved = settings_save(user=student, values={"new_cards_per_day": 9, "fsrs_parameters": [1]})
    assert LearnerSettings.objects.filter(user=student).count() == 1
    assert (saved.new_cards_per_day, saved.time_zone, saved.fsrs_parameters) == (
        9,
        "Europe/Paris",
        None,  # not a learner's setting: left alone
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("concurrent_database")
def test_simultaneous_first_saves_of_the_settings_all_succeed():
    user = UserFactory()
    barrier = threading.Barrier(8)
    results: list[str] = []
    lock = threading.Lock()

    def worker(hour: int) -> None:
        try:
            barrier.wait()
            settings_save(user=user, values={"day_start_hour": hour})
            outcome = "saved"
        except Exception as error:  # recorded, so the assertion shows what went wrong
            outcome = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker, args=(hour,)) for hour in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == ["saved"] * 8
    assert LearnerSettings.objects.filter(user=user).count() == 1


@pytest.mark.parametrize("status", [CardStatus.DRAFT, CardStatus.IN_REVIEW, CardStatus.ARCHIVED])
def test_an_answer_to_a_card_no_longer_published_is_refused_by_the_service(state, status):
    shown = show(state, NOW)
    Card.objects.filter(pk=state.card_id).update(status=status)
    state.card.refresh_from_db()
    with pytest.raises(CardWithdrawn, match="taken this card out of the reviews"):
        review_record(user=state.user, card=state.card, rating=3, now=NOW, shown=shown)
    assert not ReviewLog.objects.exists()
    assert MemoryState.objects.get(pk=state.pk).version == 0


def test_settings_refuse_a_time_zone_the_zone_database_does_not_know(student):
    with pytest.raises(UnknownTimeZone):
        settings_save(user=student, values={"time_zone": "Mars/Olympus_Mons"})
    with pytest.raises(UnknownTimeZone):
        time_zone_detected(user=student, time_zone="Europe/Atlantis")
    assert not LearnerSettings.objects.filter(user=student).exists()
    assert time_zone_detected(user=student, time_zone="Europe/Lisbon")
