"""Publishing, unpublishing, archiving and the refusal to delete what learners have answered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from quizzes.models import (
    Card,
    CardKind,
    CardStatus,
    LessonRead,
    MemoryStage,
    MemoryState,
    ReviewLog,
)
from quizzes.services.authoring import (
    card_deletion_refusal,
    card_history_q,
    cards_mark_critical,
    cards_publish,
    cards_set_status,
    cards_unlock_for_readers,
    topic_deletion_refusal,
    topic_history_q,
)
from quizzes.services.lessons import topic_open

from .factories import CardFactory, LessonFactory, MemoryStateFactory, UserFactory, make_choice_card

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def make_review(card: Card, user, *, token: str) -> ReviewLog:
    return ReviewLog.objects.create(
        user=user,
        card=card,
        rating=3,
        reviewed_at=NOW,
        state_before={},
        state_after={},
        interval_seconds=86400,
        desired_retention=0.9,
        token=token,
    )


def test_publish_skips_invalid_cards_and_lists_their_problems():
    good = CardFactory(status=CardStatus.DRAFT)
    no_explanation = CardFactory(status=CardStatus.DRAFT, explanation="")
    bad_mcq = make_choice_card(wrong=("Osteoblastic",))
    Card.objects.filter(pk=bad_mcq.pk).update(status=CardStatus.DRAFT)

    result = cards_publish(cards=Card.objects.all(), now=NOW)

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


def test_publish_unlocks_the_card_for_learners_who_already_opened_the_topic():
    lesson = LessonFactory()
    reader, other_reader, stranger = UserFactory(), UserFactory(), UserFactory()
    topic_open(user=reader, topic=lesson.topic, now=NOW)
    topic_open(user=other_reader, topic=lesson.topic, now=NOW)
    LessonRead.objects.create(user=stranger, lesson=LessonFactory(), read_at=NOW)
    card = CardFactory(lesson=lesson, status=CardStatus.DRAFT)

    result = cards_publish(cards=[card], now=NOW)

    assert result.unlocked == 2
    states = MemoryState.objects.filter(card=card)
    assert {state.user_id for state in states} == {reader.pk, other_reader.pk}
    assert all(state.stage == MemoryStage.NEW and state.unlocked_at == NOW for state in states)


def test_publishing_again_creates_no_second_state():
    lesson = LessonFactory()
    reader = UserFactory()
    topic_open(user=reader, topic=lesson.topic, now=NOW)
    card = CardFactory(lesson=lesson, status=CardStatus.DRAFT)
    cards_publish(cards=[card], now=NOW)

    again = cards_publish(cards=[card], now=NOW)

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


def test_unpublish_and_archive_keep_learner_history():
    card = CardFactory()
    state = MemoryStateFactory(card=card, reps=3, stage=MemoryStage.REVIEW)
    make_review(card, state.user, token="t1")

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


def test_history_means_an_answer_not_an_unlock():
    untouched = CardFactory()
    unlocked = CardFactory()
    MemoryStateFactory(card=unlocked)
    answered = CardFactory()
    MemoryStateFactory(card=answered, reps=1, stage=MemoryStage.LEARNING)
    logged = CardFactory()
    make_review(logged, UserFactory(), token="t2")

    with_history = set(Card.objects.filter(card_history_q()).values_list("pk", flat=True))
    assert with_history == {answered.pk, logged.pk}
    assert untouched.pk not in with_history and unlocked.pk not in with_history

    from quizzes.models import Topic

    topics = set(Topic.objects.filter(topic_history_q()).values_list("pk", flat=True))
    assert topics == {answered.topic_id, logged.topic_id}


def test_deleting_a_card_with_history_is_refused_with_a_pointer_to_archiving():
    card = CardFactory(front="Which lesion?")
    MemoryStateFactory(card=card, reps=2, stage=MemoryStage.REVIEW)
    assert (
        card_deletion_refusal(card)
        == "Card “Which lesion?” has learner history; archive it instead."
    )
    assert topic_deletion_refusal(card.topic) == (
        f"Topic “{card.topic}” has learner history; archive its cards instead."
    )


def test_deleting_an_unlocked_card_is_refused_too():
    card = CardFactory(front="Which lesion?")
    MemoryStateFactory(card=card)
    assert card_deletion_refusal(card) == (
        "Card “Which lesion?” is waiting in 1 learner review queue; archive it instead."
    )


def test_deleting_a_card_in_a_training_pool_is_refused():
    from quizzes.models import TrainingModule

    card = CardFactory(front="Pooled card")
    module = TrainingModule.objects.create(title="Ward 5 safety", slug="ward-5")
    module.question_pool.add(card)
    assert card_deletion_refusal(card) == (
        "Card “Pooled card” is in the question pool of the training module “Ward 5 safety”; "
        "archive it instead."
    )


def test_a_card_nobody_has_met_may_be_deleted():
    card = CardFactory(kind=CardKind.BASIC)
    assert card_deletion_refusal(card) is None
    assert topic_deletion_refusal(card.topic) is None


def make_refused_cards(count: int) -> list[Card]:
    """`count` cards of each refusal reason: answered, pooled, waiting, plus one deletable."""
    from quizzes.models import TrainingModule

    module = TrainingModule.objects.create(title=f"Module {count}", slug=f"module-{count}")
    cards = []
    for index in range(count):
        answered = CardFactory()
        make_review(answered, UserFactory(), token=f"refusal-{count}-{index}")
        pooled = CardFactory()
        module.question_pool.add(pooled)
        waiting = CardFactory()
        MemoryStateFactory(card=waiting)
        cards += [answered, pooled, waiting]
    return [*cards, CardFactory()]


@pytest.mark.parametrize("count", [1, 8])
def test_bulk_delete_refusals_cost_the_same_few_queries_for_any_selection(
    count, django_assert_num_queries
):
    from quizzes.models import Topic
    from quizzes.services.authoring import deletion_refusals

    cards = make_refused_cards(count)
    with django_assert_num_queries(2):
        refusals = deletion_refusals(Card.objects.filter(pk__in=[card.pk for card in cards]))
    assert len(refusals) == 3 * count
    # The same words as the single-object refusal.
    assert refusals[:3] == [card_deletion_refusal(card) for card in cards[:3]]
    with django_assert_num_queries(1):
        refusals = deletion_refusals(cards)
    assert len(refusals) == 3 * count
    topics = Topic.objects.filter(cards__in=cards).distinct()
    with django_assert_num_queries(2):
        refusals = deletion_refusals(topics)
    assert len(refusals) == 2 * count  # a pooled card nobody met leaves its topic deletable
