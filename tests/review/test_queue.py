from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from quizzes.content.models import CardStatus
from quizzes.review import scheduling
from quizzes.review.models import LearnerSettings, MemoryStage, MemoryState
from quizzes.review.selectors.queue import (
    card_withdrawn,
    grade_options,
    review_screen,
    review_topic,
    shown_state,
    suspended_cards,
)
from quizzes.review.selectors.study import topics_for_home
from quizzes.review.services.reading import topic_open
from quizzes.review.services.recording import review_record
from tests.factories import CardFactory, LessonFactory, MemoryStateFactory, TopicFactory, shown

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def learner_settings(user, **values) -> LearnerSettings:
    return LearnerSettings.objects.create(user=user, **values)


def in_review(user, *, stability: float, days_since: float, overdue: timedelta, **card_fields):
    return MemoryStateFactory(
        user=user,
        card=CardFactory(**card_fields),
        stage=MemoryStage.REVIEW,
        stability=stability,
        difficulty=5.0,
        last_review=NOW - timedelta(days=days_since),
        due=NOW - overdue,
        unlocked_at=NOW - timedelta(days=100),
    )


def queue_order(user, settings, now=NOW) -> list[int]:
    """Card ids in the order the learner gets them, answering each with Good."""
    order = []
    for _step in range(50):
        screen = review_screen(user=user, now=now, learner_settings=settings)
        if screen.state is None:
            return order
        order.append(screen.state.card_id)
        review_record(
            user=user,
            card=screen.state.card,
            rating=3,
            now=now,
            shown=shown(screen.state, now=now),
        )
    return order


def test_queue_order_learning_then_lowest_recall_then_new_in_lesson_order(student):
    settings = learner_settings(student)
    topic_one, topic_two = TopicFactory(position=1), TopicFactory(position=2)
    lesson_two = LessonFactory(topic=topic_two, position=1)
    lesson_one = LessonFactory(topic=topic_one, position=1)
    new_late = CardFactory(lesson=lesson_two, position=1)
    new_early = CardFactory(lesson=lesson_one, position=2)
    for card in (new_late, new_early):
        MemoryStateFactory(user=student, card=card, unlocked_at=NOW)
    learning = MemoryStateFactory(
        user=student,
        stage=MemoryStage.RELEARNING,
        step=0,
        stability=1.0,
        difficulty=6.0,
        last_review=NOW - timedelta(minutes=20),
        due=NOW - timedelta(minutes=10),
        unlocked_at=NOW,
    )
    # Recall: stability 50 after 10 days ≫ stability 2 after 3 days; the second is shown first.
    well_known = in_review(student, stability=50.0, days_since=10, overdue=timedelta(days=2))
    shaky = in_review(student, stability=2.0, days_since=3, overdue=timedelta(hours=1))
    not_due = in_review(student, stability=9.0, days_since=1, overdue=-timedelta(days=5))
    first_five = queue_order(student, settings)[:5]
    assert first_five == [
        learning.card_id,
        shaky.card_id,
        well_known.card_id,
        new_early.pk,
        new_late.pk,
    ]
    assert not_due.card_id not in first_five


def test_recall_order_in_sql_matches_fsrs(student):
    settings = learner_settings(student, max_reviews_per_day=100)
    scheduler = scheduling.make_scheduler(desired_retention=0.9)
    states = [
        in_review(student, stability=s, days_since=d, overdue=timedelta(hours=1))
        for s, d in [(1.5, 4), (30, 40), (8, 3), (100, 90), (4, 12), (0.5, 1), (12, 30)]
    ]
    expected = sorted(
        states,
        key=lambda st: scheduling.retrievability(st.memory, now=NOW, scheduler=scheduler),
    )
    shown = []
    for _ in expected:
        screen = review_screen(user=student, now=NOW, learner_settings=settings)
        shown.append(screen.state.card_id)
        MemoryState.objects.filter(pk=screen.state.pk).update(suspended=True)
    assert shown == [state.card_id for state in expected]


def test_suspended_buried_unpublished_and_locked_cards_stay_out(student):
    settings = learner_settings(student)
    MemoryStateFactory(user=student, suspended=True, unlocked_at=NOW)
    MemoryStateFactory(user=student, buried_until=NOW + timedelta(hours=3), unlocked_at=NOW)
    MemoryStateFactory(user=student, card=CardFactory(status=CardStatus.ARCHIVED), unlocked_at=NOW)
    CardFactory()  # published, but its lesson was never opened
    screen = review_screen(user=student, now=NOW, learner_settings=settings)
    assert screen.state is None and screen.left == 0
    buried_again = review_screen(
        user=student, now=NOW + timedelta(hours=4), learner_settings=settings
    )
    assert buried_again.new == 1


def test_new_cards_enter_only_after_the_lesson_is_opened(student):
    settings = learner_settings(student)
    lesson = LessonFactory()
    CardFactory.create_batch(3, lesson=lesson)
    assert review_screen(user=student, now=NOW, learner_settings=settings).new == 0
    topic_open(user=student, topic=lesson.topic, now=NOW)
    assert review_screen(user=student, now=NOW, learner_settings=settings).new == 3


def test_daily_new_card_limit_follows_the_learners_own_day(student):
    # New York, day starts 04:00 local (09:00 UTC in March before DST starts on 8 March).
    settings = learner_settings(student, time_zone="America/New_York", new_cards_per_day=2)
    lesson = LessonFactory()
    CardFactory.create_batch(5, lesson=lesson)
    topic_open(user=student, topic=lesson.topic, now=NOW)
    evening = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)  # 22:00 on 2 March in New York
    assert review_screen(user=student, now=evening, learner_settings=settings).new == 2
    queue_order(student, settings, now=evening)
    late_night = datetime(2026, 3, 3, 8, 59, tzinfo=UTC)  # 03:59 local: still 2 March's day
    screen = review_screen(user=student, now=late_night, learner_settings=settings)
    assert screen.new == 0 and screen.new_waiting == 3
    next_day = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # 04:00 local: a new learning day
    screen = review_screen(user=student, now=next_day, learner_settings=settings)
    assert screen.new == 2 and screen.done_today == 0


def test_review_limit_caps_due_reviews(student):
    settings = learner_settings(student, max_reviews_per_day=2)
    for days in (3, 4, 5):
        in_review(student, stability=2.0, days_since=days, overdue=timedelta(hours=days))
    screen = review_screen(user=student, now=NOW, learner_settings=settings)
    assert (screen.review, screen.reviews_waiting) == (2, 1)
    order = queue_order(student, settings)
    assert len(order) == 2
    end = review_screen(user=student, now=NOW, learner_settings=settings)
    assert end.state is None and end.reviews_waiting == 1


def test_next_day_brings_exactly_the_cards_fsrs_scheduled(student):
    settings = learner_settings(student, time_zone="Europe/London")
    lesson = LessonFactory()
    CardFactory.create_batch(4, lesson=lesson)
    topic_open(user=student, topic=lesson.topic, now=NOW)
    now = NOW
    while (screen := review_screen(user=student, now=now, learner_settings=settings)).left or (
        screen.next_due and screen.next_due < NOW + timedelta(hours=2)
    ):
        if screen.state is None:
            now = screen.next_due
            continue
        # Alternate Easy and Good so that the cards fall due on different days.
        rating = 4 if screen.state.card_id % 2 else 3
        review_record(
            user=student,
            card=screen.state.card,
            rating=rating,
            now=now,
            shown=shown(screen.state, now=now),
        )
    end = review_screen(user=student, now=now, learner_settings=settings)
    assert end.state is None
    dues = sorted(MemoryState.objects.filter(user=student).values_list("due", flat=True))
    for moment in dues:
        later = moment + timedelta(seconds=1)
        expected = set(
            MemoryState.objects.filter(user=student, due__lte=later).values_list(
                "card_id", flat=True
            )
        )
        screen = review_screen(user=student, now=later, learner_settings=settings)
        assert screen.review == len(expected)
        assert screen.state.card_id in expected
    before = review_screen(
        user=student, now=dues[0] - timedelta(seconds=1), learner_settings=settings
    )
    assert before.state is None and before.next_due == dues[0]


def test_end_screen_counts_due_tomorrow(student):
    settings = learner_settings(student)
    in_review(student, stability=5.0, days_since=4, overdue=-timedelta(hours=20))  # tomorrow
    in_review(student, stability=5.0, days_since=4, overdue=-timedelta(days=3))
    screen = review_screen(user=student, now=NOW, learner_settings=settings)
    assert screen.state is None and screen.due_tomorrow == 1
    assert screen.next_due == NOW + timedelta(hours=20)


def test_grade_options_label_each_grade_with_its_interval(student):
    state = MemoryStateFactory(user=student, unlocked_at=NOW)
    options = grade_options(state, now=NOW, learner_settings=LearnerSettings(user=student))
    assert [(o.name, o.key, o.interval) for o in options][:3] == [
        ("Again", "1", "1m"),
        ("Hard", "2", "6m"),
        ("Good", "3", "10m"),
    ]


@pytest.mark.parametrize("size", [3, 40])
def test_home_counts_in_one_query(student, size, django_assert_num_queries):
    topic = TopicFactory()
    lesson = LessonFactory(topic=topic)
    CardFactory.create_batch(size, lesson=lesson)
    topic_open(user=student, topic=topic, now=NOW)
    states = list(MemoryState.objects.filter(user=student))
    MemoryState.objects.filter(pk=states[0].pk).update(
        stage=MemoryStage.LEARNING,
        step=0,
        stability=1.0,
        difficulty=5.0,
        due=NOW,
        last_review=NOW,
    )
    MemoryState.objects.filter(pk=states[1].pk).update(
        stage=MemoryStage.REVIEW,
        stability=1.0,
        difficulty=5.0,
        due=NOW - timedelta(days=1),
        last_review=NOW - timedelta(days=2),
    )
    MemoryStateFactory(card=CardFactory(lesson=lesson), unlocked_at=NOW)  # someone else's
    other_topic = TopicFactory()
    with django_assert_num_queries(1):
        rows = {t.pk: t for t in topics_for_home(user=student, now=NOW)}
    counted = rows[topic.pk]
    assert (counted.new_cards, counted.learning_cards, counted.due_cards) == (size - 2, 1, 1)
    assert (rows[other_topic.pk].new_cards, rows[other_topic.pk].due_cards) == (0, 0)


# --- one topic's review session -------------------------------------------------------------


def test_topic_session_shows_only_that_topics_cards_in_the_usual_order(student):
    settings = learner_settings(student)
    mine, other = LessonFactory(), LessonFactory()
    new_cards = [CardFactory(lesson=mine, position=i) for i in range(2)]
    for card in new_cards:
        MemoryStateFactory(user=student, card=card, unlocked_at=NOW)
    shaky = in_review(student, stability=2.0, days_since=3, overdue=timedelta(hours=1), lesson=mine)
    elsewhere = in_review(
        student, stability=1.0, days_since=9, overdue=timedelta(days=1), lesson=other
    )
    MemoryStateFactory(user=student, card=CardFactory(lesson=other), unlocked_at=NOW)
    topic_id = mine.topic_id
    screen = review_screen(user=student, now=NOW, learner_settings=settings, topic_id=topic_id)
    assert (screen.new, screen.learning, screen.review) == (2, 0, 1)
    assert screen.state.card_id == shaky.card_id  # due reviews before new cards, as always
    whole = review_screen(user=student, now=NOW, learner_settings=settings)
    assert (whole.new, whole.review) == (3, 2) and whole.state.card_id == elsewhere.card_id
    order = []
    for _step in range(5):
        screen = review_screen(user=student, now=NOW, learner_settings=settings, topic_id=topic_id)
        if screen.state is None:
            break
        order.append(screen.state.card_id)
        # Answered Easy, so each card leaves today's queue.
        review_record(
            user=student,
            card=screen.state.card,
            rating=4,
            now=NOW,
            shown=shown(screen.state, now=NOW),
        )
    assert order == [shaky.card_id, new_cards[0].pk, new_cards[1].pk]


def test_topic_session_still_counts_the_whole_days_limits(student):
    settings = learner_settings(student, new_cards_per_day=2)
    first, second = LessonFactory(), LessonFactory()
    for lesson in (first, second):
        for _ in range(2):
            MemoryStateFactory(user=student, card=CardFactory(lesson=lesson), unlocked_at=NOW)
    for _step in range(2):  # the day's two new cards, both from the first topic
        screen = review_screen(user=student, now=NOW, learner_settings=settings)
        review_record(
            user=student,
            card=screen.state.card,
            rating=4,
            now=NOW,
            shown=shown(screen.state, now=NOW),
        )
    screen = review_screen(
        user=student, now=NOW, learner_settings=settings, topic_id=second.topic_id
    )
    assert screen.state is None and screen.new == 0 and screen.new_waiting == 2
    assert review_topic(slug=second.topic.slug).pk == second.topic_id
    assert review_topic(slug="no-such-topic") is None


# --- shown cards, withdrawn cards, suspended cards ------------------------------------------


def test_shown_state_is_only_for_the_learners_published_cards(student, other_student):
    state = MemoryStateFactory(user=student, unlocked_at=NOW)
    assert shown_state(user=student, card_id=state.card_id) == state
    assert shown_state(user=other_student, card_id=state.card_id) is None
    assert not card_withdrawn(user=student, card_id=state.card_id)
    for status in (CardStatus.DRAFT, CardStatus.ARCHIVED):
        state.card.status = status
        state.card.save()
        assert shown_state(user=student, card_id=state.card_id) is None
        assert card_withdrawn(user=student, card_id=state.card_id)
        assert not card_withdrawn(user=other_student, card_id=state.card_id)


def test_suspended_cards_lists_the_learners_own_leeches_first(student, other_student):
    lesson = LessonFactory()
    plain = MemoryStateFactory(
        user=student, card=CardFactory(lesson=lesson, position=1), suspended=True
    )
    leech = MemoryStateFactory(
        user=student,
        card=CardFactory(lesson=lesson, position=2),
        suspended=True,
        is_leech=True,
        lapses=8,
    )
    MemoryStateFactory(user=student, card=CardFactory(lesson=lesson))  # not suspended
    MemoryStateFactory(user=student, card=CardFactory(status=CardStatus.ARCHIVED), suspended=True)
    MemoryStateFactory(user=other_student, card=plain.card, suspended=True)
    assert list(suspended_cards(user=student)) == [leech, plain]
    assert list(suspended_cards(user=other_student)) == [
        MemoryState.objects.get(user=other_student)
    ]


def test_grade_options_can_be_limited_to_the_allowed_grades(student):
    state = MemoryStateFactory(user=student, unlocked_at=NOW)
    settings = LearnerSettings(user=student)
    right = grade_options(state, now=NOW, learner_settings=settings, allowed={2, 3, 4})
    wrong = grade_options(state, now=NOW, learner_settings=settings, allowed={1})
    assert [option.name for option in right] == ["Hard", "Good", "Easy"]
    assert [(option.name, option.interval) for option in wrong] == [("Again", "1m")]


def test_learn_ahead_cards_come_only_when_nothing_else_is_left(student):
    settings = learner_settings(student)  # learn ahead: 20 minutes, as in Anki
    new = MemoryStateFactory(user=student, card=CardFactory(), unlocked_at=NOW)

    def learning(minutes: int) -> MemoryState:
        return MemoryStateFactory(
            user=student,
            card=CardFactory(),
            unlocked_at=NOW,
            stage=MemoryStage.LEARNING,
            step=1,
            stability=2.3,
            difficulty=5.0,
            due=NOW + timedelta(minutes=minutes),
            last_review=NOW - timedelta(minutes=1),
        )

    soon, later = learning(10), learning(30)
    screen = review_screen(user=student, now=NOW, learner_settings=settings)
    assert screen.state.pk == new.pk  # a new card before a learning card not yet due
    assert (screen.new, screen.learning, screen.left) == (1, 1, 2)
    review_record(user=student, card=new.card, rating=4, now=NOW, shown=shown(new, now=NOW))
    screen = review_screen(user=student, now=NOW, learner_settings=settings)
    assert screen.state.pk == soon.pk
    MemoryState.objects.filter(pk=soon.pk).update(due=NOW + timedelta(days=1))
    end = review_screen(user=student, now=NOW, learner_settings=settings)
    assert end.state is None and end.left == 0
    assert end.next_due == later.due
    assert end.next_showable == later.due - timedelta(minutes=20)
    # Without learn ahead the learner waits until the card is due.
    settings.learn_ahead_minutes = 0
    assert review_screen(user=student, now=NOW, learner_settings=settings).learning == 0


def test_a_due_review_card_is_not_learned_ahead(student):
    settings = learner_settings(student)
    reviewed = in_review(student, stability=5.0, days_since=5, overdue=timedelta(minutes=-10))
    screen = review_screen(user=student, now=NOW, learner_settings=settings)
    assert screen.state is None and screen.left == 0
    assert screen.next_showable == reviewed.due  # not 20 minutes early: reviews wait
