"""Publishing (and what it gives learners who read the topic), unpublishing and archiving."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from quizzes.content.models import Card, CardStatus
from quizzes.content.services.publishing import (
    cards_mark_critical,
    cards_publish,
    cards_set_status,
)
from quizzes.review.models import LessonRead, MemoryStage, MemoryState, ReviewLog
from quizzes.review.services.reading import cards_unlock_for_readers, topic_open
from tests.factories import (
    CardFactory,
    LessonFactory,
    MemoryStateFactory,
    UserFactory,
    log_review,
    make_choice_card,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def test_publish_skips_invalid_cards_and_lists_their_problems(instructor):
    good = CardFactory(status=CardStatus.DRAFT)
    no_explanation = CardFactory(status=CardStatus.DRAFT, explanation="")
    bad_mcq = make_choice_card(wrong=("Osteoblastic",))
    Card.objects.filter(pk=bad_mcq.pk).update(status=CardStatus.DRAFT)

    result = cards_publish(cards=Card.objects.all(), now=NOW, by=instructor)

    assert [card.pk for card in result.published] == [good.pk]
    skipped = {card.pk: problems for card, problems in result.skipped}
    assert skipped[no_explanation.pk] == [
        "A published card needs an explanation: say why the answer is right."
    ]
    assert "at least two wrong choices" in skipped[bad_mcq.pk][0]
    statuses = dict(Card.objects.values_list("pk", "status"))
    assert statuses == {
        good.pk: CardStatus.PUBLISHED,
        no_explanation.pk: CardStatus.DRAFT,
        bad_mcq.pk: CardStatus.DRAFT,
    }


def test_publish_unlocks_the_card_for_learners_who_already_opened_the_topic(instructor):
    lesson = LessonFactory()
    reader, other_reader, stranger = UserFactory(), UserFactory(), UserFactory()
    topic_open(user=reader, topic=lesson.topic, now=NOW)
    topic_open(user=other_reader, topic=lesson.topic, now=NOW)
    LessonRead.objects.create(user=stranger, lesson=LessonFactory(), read_at=NOW)
    card = CardFactory(lesson=lesson, status=CardStatus.DRAFT)

    result = cards_publish(cards=[card], now=NOW, by=instructor)

    assert result.unlocked == 2
    states = MemoryState.objects.filter(card=card)
    assert {state.user_id for state in states} == {reader.pk, other_reader.pk}
    assert all(state.stage == MemoryStage.NEW and state.unlocked_at == NOW for state in states)


def test_publishing_again_creates_no_second_state(instructor):
    lesson = LessonFactory()
    reader = UserFactory()
    topic_open(user=reader, topic=lesson.topic, now=NOW)
    card = CardFactory(lesson=lesson, status=CardStatus.DRAFT)
    cards_publish(cards=[card], now=NOW, by=instructor)

    again = cards_publish(cards=[card], now=NOW, by=instructor)

    assert again.published == []
    assert [c.pk for c in again.already_published] == [card.pk]
    assert again.unlocked == 0
    assert MemoryState.objects.filter(card=card).count() == 1


def test_unlock_for_readers_ignores_unpublished_cards():
    lesson = LessonFactory()
    topic_open(user=UserFactory(), topic=lesson.topic, now=NOW)
    draft = CardFactory(lesson=lesson, status=CardStatus.DRAFT)
    assert cards_unlock_for_readers(cards=[draft], now=NOW) == 0
    assert not MemoryState.objects.exists()


def test_a_card_that_fails_the_rules_is_announced_to_nobody(instructor):
    lesson = LessonFactory()
    topic_open(user=UserFactory(), topic=lesson.topic, now=NOW)
    card = CardFactory(lesson=lesson, status=CardStatus.DRAFT, explanation="")
    result = cards_publish(cards=[card], now=NOW, by=instructor)
    assert result.unlocked == 0 and result.skipped
    assert not MemoryState.objects.filter(card=card).exists()


def test_unpublish_and_archive_keep_learner_history():
    card = CardFactory()
    state = MemoryStateFactory(card=card, reps=3, stage=MemoryStage.REVIEW)
    log_review(user=state.user, card=card, rating=3, at=NOW)

    assert cards_set_status(cards=[card], status=CardStatus.DRAFT, now=NOW) == [card]
    assert cards_set_status(cards=[card], status=CardStatus.ARCHIVED, now=NOW) == [card]
    assert cards_set_status(cards=[card], status=CardStatus.ARCHIVED, now=NOW) == []

    card.refresh_from_db()
    assert card.status == CardStatus.ARCHIVED
    assert MemoryState.objects.get(pk=state.pk).reps == 3
    assert ReviewLog.objects.filter(card=card).count() == 1


def test_set_status_refuses_to_publish_without_validation():
    with pytest.raises(ValueError):
        cards_set_status(cards=[CardFactory()], status=CardStatus.PUBLISHED, now=NOW)


def test_mark_critical_returns_only_changed_cards():
    ordinary, critical = CardFactory(), CardFactory(critical=True)
    changed = cards_mark_critical(cards=[ordinary, critical], critical=True, now=NOW)
    assert changed == [ordinary]
    assert Card.objects.filter(critical=True).count() == 2
