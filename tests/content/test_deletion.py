"""Deleting content: refused, with a pointer to archiving, for whatever learners or modules use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from quizzes.content.models import Card, CardKind, Lesson, Topic
from quizzes.content.services.deletion import deletion_refusal, deletion_refusals
from quizzes.content.usage import in_use_ids, in_use_q
from quizzes.review.models import LessonRead, MemoryStage
from tests.factories import CardFactory, LessonFactory, MemoryStateFactory, UserFactory, log_review

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def test_in_use_means_anything_outside_content_refers_to_it():
    untouched = CardFactory()
    unlocked = CardFactory()
    MemoryStateFactory(card=unlocked)
    logged = CardFactory()
    log_review(user=UserFactory(), card=logged, rating=3, at=NOW)

    used = set(Card.objects.filter(in_use_q(Card)).values_list("pk", flat=True))
    assert used == {unlocked.pk, logged.pk}
    assert in_use_ids(Card, [untouched.pk, logged.pk]) == {logged.pk}
    topics = set(Topic.objects.filter(in_use_q(Topic)).values_list("pk", flat=True))
    assert topics == {unlocked.topic_id, logged.topic_id}


def test_a_lesson_in_a_module_is_in_use_but_reading_it_does_not_keep_it():
    from quizzes.training.models import ModuleLesson, TrainingModule

    read, in_module = LessonFactory(), LessonFactory()
    LessonRead.objects.create(user=UserFactory(), lesson=read, read_at=NOW)
    module = TrainingModule.objects.create(title="Ward 5 safety", slug="ward-5")
    ModuleLesson.objects.create(module=module, lesson=in_module)
    assert in_use_ids(Lesson, [read.pk, in_module.pk]) == {in_module.pk}


def test_deleting_a_card_with_history_is_refused_with_a_pointer_to_archiving():
    card = CardFactory(front="Which lesion?")
    MemoryStateFactory(card=card, reps=2, stage=MemoryStage.REVIEW)
    log_review(user=UserFactory(), card=card, rating=3, at=NOW)
    assert deletion_refusal(card) == (
        "Card “Which lesion?” is in use (cards in learners' reviews, review answers); "
        "retire it instead."
    )
    assert deletion_refusal(card.topic) == (
        f"Topic “{card.topic}” is in use (cards in learners' reviews, review answers); "
        "retire its cards instead."
    )


def test_deleting_a_card_in_a_training_pool_is_refused():
    from quizzes.training.models import TrainingModule

    card = CardFactory(front="Pooled card")
    module = TrainingModule.objects.create(title="Ward 5 safety", slug="ward-5")
    module.question_pool.add(card)
    assert deletion_refusal(card) == (
        "Card “Pooled card” is in use (training modules); retire it instead."
    )


def test_a_card_nobody_has_met_may_be_deleted():
    card = CardFactory(kind=CardKind.BASIC)
    assert deletion_refusal(card) is None
    assert deletion_refusal(card.topic) is None


def make_refused_cards(count: int) -> list[Card]:
    """`count` cards of each kind of use: answered, pooled, waiting, plus one deletable."""
    from quizzes.training.models import TrainingModule

    module = TrainingModule.objects.create(title=f"Module {count}", slug=f"module-{count}")
    cards = []
    for _ in range(count):
        answered = CardFactory()
        log_review(user=UserFactory(), card=answered, rating=3, at=NOW)
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
    cards = make_refused_cards(count)
    with django_assert_num_queries(2):
        refusals = deletion_refusals(Card.objects.filter(pk__in=[card.pk for card in cards]))
    assert len(refusals) == 3 * count
    # The same words as the single-object refusal.
    assert refusals[:3] == [deletion_refusal(card) for card in cards[:3]]
    with django_assert_num_queries(1):
        refusals = deletion_refusals(cards)
    assert len(refusals) == 3 * count
    topics = Topic.objects.filter(cards__in=cards).distinct()
    with django_assert_num_queries(2):
        refusals = deletion_refusals(topics)
    assert len(refusals) == 3 * count  # each card has its own topic (the factory's)
