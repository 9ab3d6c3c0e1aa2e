"""The check of a shown card's answer, stored once, and the rules review_record applies at answer
time (the verdict, the daily limits, the learner's day)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from quizzes.content.answers import Verdict
from quizzes.content.models import CardKind
from quizzes.review.errors import (
    GradeRefused,
    LimitReached,
    NothingPicked,
    ShownOnAnotherDay,
)
from quizzes.review.models import CheckedAnswer, LearnerSettings, MemoryStage, ReviewLog
from quizzes.review.selectors.settings import learner_settings
from quizzes.review.services.checking import answer_check, answer_override, answer_reveal
from quizzes.review.services.recording import review_record
from tests.factories import CardFactory, MemoryStateFactory, make_choice_card, shown

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def _choices(card):
    return [(choice.pk, choice.is_correct) for choice in card.choices.all()]


def _check(state, *, picked=(), typed="", now=NOW, on_screen=None):
    return answer_check(
        user=state.user,
        card=state.card,
        shown=on_screen or shown(state, now=now),
        choices=_choices(state.card),
        picked=frozenset(picked),
        typed=typed,
        now=now,
        learning_day=learner_settings(state.user).learning_day,
    )


@pytest.fixture
def multi(student):
    card = make_choice_card(
        kind=CardKind.MULTI_SELECT, correct=("Spine", "Pelvis"), wrong=("Skull",)
    )
    return MemoryStateFactory(user=student, card=card, unlocked_at=NOW)


def test_the_first_check_of_a_showing_is_final(multi):
    spine, pelvis, skull = (multi.card.choices.get(text=t).pk for t in ("Spine", "Pelvis", "Skull"))
    first = _check(multi, picked=[spine])
    assert (first.verdict, first.picked, first.version) == (Verdict.PARTLY, [spine], 0)
    for picked in ([spine, pelvis], [skull]):
        assert _check(multi, picked=picked).pk == first.pk
    assert CheckedAnswer.objects.get().verdict == Verdict.PARTLY


def test_nothing_picked_is_refused_and_stores_nothing(multi):
    with pytest.raises(NothingPicked, match="Pick an answer first."):
        _check(multi)
    assert not CheckedAnswer.objects.exists()


def test_show_answer_before_checking_is_a_wrong_answer(multi):
    revealed = answer_reveal(
        user=multi.user,
        card=multi.card,
        shown=shown(multi, now=NOW),
        now=NOW,
        learning_day=learner_settings(multi.user).learning_day,
    )
    assert (revealed.verdict, revealed.revealed) == (Verdict.WRONG, True)
    right = [c.pk for c in multi.card.choices.filter(is_correct=True)]
    assert _check(multi, picked=right).verdict == Verdict.WRONG


def test_a_basic_card_has_no_check(student):
    state = MemoryStateFactory(user=student, unlocked_at=NOW)
    learning_day = learner_settings(student).learning_day
    on_screen = shown(state, now=NOW)
    revealed = answer_reveal(
        user=student, card=state.card, shown=on_screen, now=NOW, learning_day=learning_day
    )
    assert revealed is None and not CheckedAnswer.objects.exists()


def test_grading_follows_the_stored_verdict(multi):
    on_screen = shown(multi, now=NOW)
    spine = multi.card.choices.get(text="Spine").pk
    with pytest.raises(GradeRefused, match="Check your answer"):
        review_record(user=multi.user, card=multi.card, rating=1, now=NOW, shown=on_screen)
    _check(multi, picked=[spine], on_screen=on_screen)
    with pytest.raises(GradeRefused, match="Again or Hard"):
        review_record(user=multi.user, card=multi.card, rating=3, now=NOW, shown=on_screen)
    log = review_record(user=multi.user, card=multi.card, rating=2, now=NOW, shown=on_screen).log
    assert (log.rating, log.overridden) == (2, False)


def test_override_turns_a_wrong_typed_answer_right_once(student):
    card = CardFactory(kind=CardKind.CLOZE, front="Mostly {{c1::osteolytic}}.")
    state = MemoryStateFactory(user=student, card=card, unlocked_at=NOW)
    on_screen = shown(state, now=NOW)
    learning_day = learner_settings(student).learning_day
    _check(state, typed="osteolitic", on_screen=on_screen)
    first = answer_override(shown=on_screen, now=NOW, learning_day=learning_day)
    again = answer_override(shown=on_screen, now=NOW, learning_day=learning_day)
    assert (first.verdict, first.overridden, again.pk) == (Verdict.RIGHT, True, first.pk)
    log = review_record(user=student, card=card, rating=4, now=NOW, shown=on_screen).log
    assert log.overridden


def test_limits_are_checked_when_the_answer_arrives(student):
    LearnerSettings.objects.create(user=student, new_cards_per_day=2, max_reviews_per_day=1)
    new = [MemoryStateFactory(user=student, unlocked_at=NOW) for _ in range(3)]
    reviews = [
        MemoryStateFactory(
            user=student,
            unlocked_at=NOW - timedelta(days=9),
            stage=MemoryStage.REVIEW,
            stability=5.0,
            difficulty=5.0,
            due=NOW,
            last_review=NOW - timedelta(days=5),
        )
        for _ in range(2)
    ]
    screens = [shown(state, now=NOW) for state in new + reviews]  # all shown while within limits

    def answer(index):
        state = (new + reviews)[index]
        return review_record(user=student, card=state.card, rating=3, now=NOW, shown=screens[index])

    answer(0), answer(1)
    with pytest.raises(LimitReached, match="limit of 2 new cards"):
        answer(2)
    answer(3)
    with pytest.raises(LimitReached, match="limit of 1 review,"):
        answer(4)
    assert ReviewLog.objects.count() == 3
    # Learning cards are never held back; an undone answer no longer counts.
    learning = new[0]
    learning.refresh_from_db()
    assert learning.stage == MemoryStage.LEARNING
    review_record(
        user=student, card=learning.card, rating=3, now=NOW, shown=shown(learning, now=NOW)
    )
    # The next learning day has its own limits.
    tomorrow = NOW + timedelta(days=1)
    new[2].refresh_from_db()
    review_record(
        user=student, card=new[2].card, rating=3, now=tomorrow, shown=shown(new[2], now=tomorrow)
    )


def test_a_screen_from_yesterday_is_refused(student):
    LearnerSettings.objects.create(user=student, time_zone="Asia/Tokyo", day_start_hour=4)
    state = MemoryStateFactory(user=student, unlocked_at=NOW)
    evening = datetime(2026, 3, 2, 18, 30, tzinfo=UTC)  # 03:30 in Tokyo, 2 March's day
    on_screen = shown(state, now=evening)
    review_next_day = evening + timedelta(hours=1)  # 04:30 in Tokyo: 3 March's day
    with pytest.raises(ShownOnAnotherDay):
        review_record(user=student, card=state.card, rating=3, now=review_next_day, shown=on_screen)
    assert not ReviewLog.objects.exists()
    # The same screen answered before the day ends is fine.
    review_record(
        user=student,
        card=state.card,
        rating=3,
        now=evening + timedelta(minutes=20),
        shown=on_screen,
    )
