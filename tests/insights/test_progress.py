"""The learner's progress figures, checked against values worked out by hand on small fixtures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from quizzes.insights.selectors import figures, progress
from quizzes.review import scheduling
from quizzes.review.models import LearnerSettings, MemoryStage, MemoryState
from quizzes.review.services.reading import topic_open
from quizzes.review.services.recording import review_record
from tests.factories import (
    CardFactory,
    LessonFactory,
    MemoryStateFactory,
    TopicFactory,
    log_review,
    make_module,
    shown,
    submit_attempt,
)

NOW = datetime(2025, 1, 10, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def remembered(user, card, *, stability, last_review, due=None, stage=MemoryStage.REVIEW, **extra):
    return MemoryStateFactory(
        user=user,
        card=card,
        stage=stage,
        stability=stability,
        difficulty=5.0,
        last_review=last_review,
        due=due or last_review + timedelta(days=stability),
        unlocked_at=last_review,
        reps=1,
        **extra,
    )


def test_mastery_is_the_share_of_cards_recalled_in_30_days(student):
    topic = TopicFactory()
    cards = [CardFactory(lesson=LessonFactory(topic=topic)) for _ in range(4)]
    # t = S gives exactly 90% (FSRS's definition of stability): recall 30 days from now of a
    # card reviewed today with S = 30, and of one reviewed 10 days ago with S = 40.
    remembered(student, cards[0], stability=30.0, last_review=NOW - timedelta(hours=3))
    remembered(student, cards[1], stability=40.0, last_review=NOW - timedelta(days=10, hours=3))
    MemoryStateFactory(user=student, card=cards[2], unlocked_at=NOW)  # unlocked, never answered
    # cards[3] is not even unlocked: it counts 0 like the one never answered.
    rows = progress.topic_progress(
        user=student, clock=progress.learner_clock(user=student, now=NOW)
    )
    row = next(r for r in rows if r.topic == topic)
    assert (row.introduced, row.total) == (2, 4)
    assert row.mastery == pytest.approx((0.9 + 0.9) / 4, abs=1e-9)


def test_a_topic_never_studied_is_0_percent_and_a_topic_without_cards_has_none(student):
    studied, unstudied, empty = TopicFactory(), TopicFactory(), TopicFactory()
    remembered(
        student,
        CardFactory(lesson=LessonFactory(topic=studied)),
        stability=30.0,
        last_review=NOW,
    )
    CardFactory(lesson=LessonFactory(topic=unstudied))
    CardFactory(lesson=LessonFactory(topic=empty), status="draft")
    clock = progress.learner_clock(user=student, now=NOW)
    rows = {row.topic: row for row in progress.topic_progress(user=student, clock=clock)}
    assert rows[studied].mastery == pytest.approx(0.9)
    assert (rows[unstudied].mastery, rows[unstudied].introduced) == (0.0, 0)
    assert rows[empty].mastery is None and rows[empty].total == 0
    assert not rows[unstudied].weak


def test_mastery_sql_matches_the_scheduler_for_each_card(student):
    scheduler = scheduling.make_scheduler(desired_retention=0.9)
    cases = [(0.4, 0.2), (2.3, 1.99), (15.0, 40.5), (120.0, 3.01), (7.0, 7.0), (1.0, 365.7)]
    for stability, days_ago in cases:
        card = CardFactory(lesson=LessonFactory(topic=TopicFactory()))
        state = remembered(
            student, card, stability=stability, last_review=NOW - timedelta(days=days_ago)
        )
        for moment in (NOW, NOW + figures.MASTERY_HORIZON):
            rows = MemoryState.objects.filter(pk=state.pk).annotate(
                r=figures.retrievability_sql(moment)
            )
            expected = scheduling.retrievability(state.memory, now=moment, scheduler=scheduler)
            assert rows.get().r == pytest.approx(expected, rel=1e-9), (stability, days_ago)


def test_first_try_accuracy_counts_the_first_review_of_each_card_per_learning_day(student):
    topic = TopicFactory()
    a, b, c = (CardFactory(lesson=LessonFactory(topic=topic)) for _ in range(3))
    day1 = NOW - timedelta(days=3)
    log_review(user=student, card=a, rating=1, at=day1)  # first try: miss
    log_review(user=student, card=a, rating=3, at=day1 + timedelta(minutes=5))  # retry: ignored
    log_review(user=student, card=a, rating=3, at=day1 + timedelta(days=1))  # next day: hit
    log_review(user=student, card=b, rating=4, at=day1)  # hit
    log_review(user=student, card=c, rating=1, at=day1, undone=day1)  # undone: ignored
    log_review(user=student, card=c, rating=3, at=day1 + timedelta(minutes=1))  # so this is first
    log_review(user=student, card=c, rating=1, at=day1, source="quiz")  # quiz: ignored
    log_review(user=student, card=b, rating=1, at=NOW - timedelta(days=45))  # outside 30 days
    clock = progress.learner_clock(user=student, now=NOW)
    row = next(r for r in progress.topic_progress(user=student, clock=clock) if r.topic == topic)
    assert row.first_tries == 4
    assert row.accuracy == pytest.approx(3 / 4)


def test_first_try_uses_the_learners_own_day(student):
    LearnerSettings.objects.create(user=student, time_zone="America/New_York", day_start_hour=4)
    topic = TopicFactory()
    card = CardFactory(lesson=LessonFactory(topic=topic))
    # 02:00 and 06:00 UTC on 9 January are 21:00 and 01:00 in New York on the 8th: the same
    # learning day there, two different UTC days.
    log_review(user=student, card=card, rating=1, at=datetime(2025, 1, 9, 2, tzinfo=UTC))
    log_review(user=student, card=card, rating=3, at=datetime(2025, 1, 9, 6, tzinfo=UTC))
    clock = progress.learner_clock(user=student, now=NOW)
    row = next(r for r in progress.topic_progress(user=student, clock=clock) if r.topic == topic)
    assert (row.first_tries, row.accuracy) == (1, 0.0)


def test_due_today_and_next_week_and_best_quiz_score(student):
    topic = TopicFactory()
    lesson = LessonFactory(topic=topic)
    cards = [CardFactory(lesson=lesson) for _ in range(5)]
    last = NOW - timedelta(days=20)
    remembered(student, cards[0], stability=5, last_review=last, due=NOW - timedelta(days=2))
    remembered(student, cards[1], stability=5, last_review=last, due=NOW + timedelta(hours=2))
    remembered(student, cards[2], stability=5, last_review=last, due=NOW + timedelta(days=3))
    remembered(student, cards[3], stability=5, last_review=last, due=NOW + timedelta(days=12))
    remembered(
        student,
        cards[4],
        stability=5,
        last_review=last,
        due=NOW - timedelta(days=1),
        suspended=True,
    )
    module = make_module(lessons=[lesson], cards=cards[:2])
    submit_attempt(user=student, module=module, answers=[(cards[0], 0.5, [])], number=1)
    submit_attempt(user=student, module=module, answers=[(cards[0], 1.0, [])], number=2)
    clock = progress.learner_clock(user=student, now=NOW)
    row = next(r for r in progress.topic_progress(user=student, clock=clock) if r.topic == topic)
    assert (row.due_today, row.due_next_week) == (2, 1)
    assert row.best_quiz_score == 100.0
    forecast = progress.due_forecast(user=student, clock=clock)
    assert len(forecast) == 30
    assert forecast[0] == (date(2025, 1, 10), 2)
    assert forecast[3] == (date(2025, 1, 13), 1)
    assert sum(n for _, n in forecast) == 4


def test_streak_across_a_time_zone_boundary(student):
    LearnerSettings.objects.create(user=student, time_zone="America/New_York", day_start_hour=4)
    card = CardFactory()
    # New York is UTC−5 in January. Learning days there (start 04:00 local):
    # 10 Jan 03:00 UTC = 9 Jan 22:00 → 9 Jan; 9 Jan 08:30 UTC = 03:30 → 8 Jan;
    # 8 Jan 06:00 UTC = 01:00 → 7 Jan. In UTC the same reviews fall on 9, 9 and 8 Jan.
    for moment in ("2025-01-10T03:00", "2025-01-09T08:30", "2025-01-08T06:00"):
        log_review(user=student, card=card, rating=3, at=datetime.fromisoformat(moment + "+00:00"))
    page = progress.learner_progress(user=student, now=NOW)  # 10:00 in New York: nothing yet today
    assert page.clock.today == date(2025, 1, 10)
    assert page.reviews_today == 0
    assert page.streak == 3
    assert set(page.review_days) == {date(2025, 1, 9), date(2025, 1, 8), date(2025, 1, 7)}

    LearnerSettings.objects.filter(user=student).update(time_zone="UTC")
    student.refresh_from_db()  # settings are read once per request; this is a new one
    assert progress.learner_progress(user=student, now=NOW).streak == 2


def test_true_retention_counts_review_stage_reviews_of_the_last_30_days(student):
    card = CardFactory()
    for rating in (3, 1, 4, 2):
        log_review(user=student, card=card, rating=rating, at=NOW - timedelta(days=2))
    log_review(user=student, card=card, rating=1, at=NOW - timedelta(days=2), stage_before=1)
    log_review(user=student, card=card, rating=1, at=NOW - timedelta(days=2), stage_before=3)
    log_review(user=student, card=card, rating=1, at=NOW - timedelta(days=31))
    log_review(user=student, card=card, rating=1, at=NOW - timedelta(days=1), undone=NOW)
    page = progress.learner_progress(user=student, now=NOW)
    assert page.retention_reviews == 4
    assert page.true_retention == pytest.approx(3 / 4)
    assert page.reviews_today == 0


def test_a_learner_never_sees_another_learners_figures(student, other_student):
    topic = TopicFactory()
    card = CardFactory(lesson=LessonFactory(topic=topic))
    remembered(other_student, card, stability=1.0, last_review=NOW - timedelta(days=30))
    log_review(user=other_student, card=card, rating=1, at=NOW - timedelta(hours=1))
    page = progress.learner_progress(user=student, now=NOW)
    row = next(r for r in page.topics if r.topic == topic)
    assert (row.introduced, row.mastery, row.first_tries) == (0, 0.0, 0)
    assert (page.reviews_today, page.streak, page.retention_reviews) == (0, 0, 0)


def test_weak_topics_are_started_topics_with_low_recall_or_accuracy(student):
    weak, strong = TopicFactory(), TopicFactory()
    weak_card = CardFactory(lesson=LessonFactory(topic=weak))
    strong_card = CardFactory(lesson=LessonFactory(topic=strong))
    remembered(student, weak_card, stability=1.0, last_review=NOW - timedelta(days=20))
    remembered(student, strong_card, stability=100.0, last_review=NOW - timedelta(days=1))
    page = progress.learner_progress(user=student, now=NOW)
    assert [row.topic for row in page.weak_topics] == [weak]


def _grow(user, n_topics: int, reviews_per_card: int):
    for _ in range(n_topics):
        topic = TopicFactory()
        for _ in range(3):
            card = CardFactory(lesson=LessonFactory(topic=topic))
            remembered(user, card, stability=4.0, last_review=NOW - timedelta(days=3))
            for day in range(reviews_per_card):
                log_review(user=user, card=card, rating=3, at=NOW - timedelta(days=day, hours=1))


def test_query_count_does_not_grow_with_topics_cards_or_reviews(
    student, django_assert_max_num_queries
):
    _grow(student, 1, 1)
    with django_assert_max_num_queries(8):
        progress.learner_progress(user=student, now=NOW)
    _grow(student, 6, 5)
    with django_assert_max_num_queries(8):
        page = progress.learner_progress(user=student, now=NOW)
    assert len(page.topics) == 7
    assert page.streak == 5


# --- mastery moves the way the learner's memory does (through the review service) -----------


def _mastery(user, topic, now) -> float:
    clock = progress.learner_clock(user=user, now=now)
    return next(
        r for r in progress.topic_progress(user=user, clock=clock) if r.topic == topic
    ).mastery


def _answer(user, card, rating, now):
    state = MemoryState.objects.get(user=user, card=card)
    review_record(user=user, card=card, rating=rating, now=now, shown=shown(state, now=now))


def test_a_session_of_all_again_answers_lowers_the_topics_mastery(student):
    topic = TopicFactory()
    cards = [CardFactory(lesson=LessonFactory(topic=topic)) for _ in range(4)]
    topic_open(user=student, topic=topic, now=NOW - timedelta(days=20))
    for card in cards:  # learned well three weeks ago
        _answer(student, card, 4, NOW - timedelta(days=20))
    before = _mastery(student, topic, NOW)
    for card in cards:  # today: every card forgotten
        _answer(student, card, 1, NOW)
    after = _mastery(student, topic, NOW + timedelta(minutes=5))
    assert 0 < after < before
    clock = progress.learner_clock(user=student, now=NOW + timedelta(minutes=5))
    row = next(r for r in progress.topic_progress(user=student, clock=clock) if r.topic == topic)
    assert row.accuracy == 0.5 and row.weak  # and the topic is flagged to work on


def test_a_session_of_all_again_answers_on_new_cards_is_not_100_percent(student):
    """The reported bug: mastery was recall *now*, about 1 straight after any answer."""
    topic = TopicFactory()
    cards = [CardFactory(lesson=LessonFactory(topic=topic)) for _ in range(3)]
    topic_open(user=student, topic=topic, now=NOW)
    for card in cards:
        _answer(student, card, 1, NOW)
    mastery = _mastery(student, topic, NOW + timedelta(minutes=1))
    assert mastery < 0.5
    clock = progress.learner_clock(user=student, now=NOW + timedelta(minutes=1))
    assert next(
        r for r in progress.topic_progress(user=student, clock=clock) if r.topic == topic
    ).weak


def test_easy_three_times_on_growing_intervals_raises_mastery_each_time(student):
    topic = TopicFactory()
    card = CardFactory(lesson=LessonFactory(topic=topic))
    CardFactory(lesson=LessonFactory(topic=topic))  # a second card, never studied: counts 0
    topic_open(user=student, topic=topic, now=NOW)
    now, seen, intervals = NOW, [_mastery(student, topic, NOW)], []
    for _ in range(3):
        _answer(student, card, 4, now)
        seen.append(_mastery(student, topic, now))
        state = MemoryState.objects.get(user=student, card=card)
        intervals.append(state.due - now)
        now = state.due  # back exactly when the card is due
    assert seen[0] == 0.0
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
    assert intervals == sorted(intervals) and intervals[0] >= timedelta(days=1)
    assert seen[-1] <= 0.5  # one card of two: at most half the topic
