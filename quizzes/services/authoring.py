"""Writes instructors make to content: publish, unpublish, archive, mark critical, delete safely."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from quizzes.models import (
    AttemptQuestion,
    Card,
    CardStatus,
    LessonRead,
    MemoryState,
    ReviewLog,
    Topic,
    TrainingModule,
)
from quizzes.validation import card_problems


@dataclass
class PublishResult:
    published: list[Card] = field(default_factory=list)
    already_published: list[Card] = field(default_factory=list)
    # Cards that fail validation stay as they were, each with the problems to fix.
    skipped: list[tuple[Card, list[str]]] = field(default_factory=list)
    unlocked: int = 0


class DeletionRefused(Exception):
    """Deleting would lose what learners did; the message says what to do instead."""


def problems_for_publishing(card: Card) -> list[str]:
    """The card's publishing problems, judged on its saved fields and choices."""
    return card_problems(
        kind=card.kind,
        front=card.front,
        explanation=card.explanation,
        has_lesson=card.lesson_id is not None,
        choices=[(choice.text, choice.is_correct) for choice in card.choices.all()],
        publishing=True,
        back=card.back,
    )


def _card_ids(cards: Iterable[Card]) -> list[int]:
    if isinstance(cards, QuerySet):
        return list(cards.values_list("pk", flat=True))
    return [card.pk for card in cards]


@transaction.atomic
def cards_publish(*, cards: Iterable[Card], now: datetime) -> PublishResult:
    """Publish the valid cards, skip invalid ones with their problems, unlock them for readers."""
    result = PublishResult()
    locked = (
        Card.objects.select_for_update(of=("self",))
        .filter(pk__in=_card_ids(cards))
        .prefetch_related("choices")
        .order_by("pk")
    )
    to_publish: list[Card] = []
    for card in locked:
        problems = problems_for_publishing(card)
        if problems:
            result.skipped.append((card, problems))
        elif card.status == CardStatus.PUBLISHED:
            result.already_published.append(card)
        else:
            to_publish.append(card)
    Card.objects.filter(pk__in=[card.pk for card in to_publish]).update(
        status=CardStatus.PUBLISHED, updated_at=now
    )
    for card in to_publish:
        card.status = CardStatus.PUBLISHED
    result.published = to_publish
    # Already-published cards are included so a learner who missed one still gets it.
    result.unlocked = cards_unlock_for_readers(cards=to_publish + result.already_published, now=now)
    return result


@transaction.atomic
def cards_unlock_for_readers(*, cards: Iterable[Card], now: datetime) -> int:
    """Give each published card to the learners who already opened its topic (NEW memory states).

    Learners who open the topic later get it from topic_open; returns how many states were created.
    """
    topic_of = {card.pk: card.topic_id for card in cards if card.status == CardStatus.PUBLISHED}
    if not topic_of:
        return 0
    readers: dict[int, set[int]] = defaultdict(set)
    for user_id, topic_id in (
        LessonRead.objects.filter(lesson__topic_id__in=set(topic_of.values()))
        .values_list("user_id", "lesson__topic_id")
        .distinct()
    ):
        readers[topic_id].add(user_id)
    existing = set(
        MemoryState.objects.filter(card_id__in=topic_of).values_list("user_id", "card_id")
    )
    missing = [
        MemoryState(user_id=user_id, card_id=card_id, unlocked_at=now)
        for card_id, topic_id in topic_of.items()
        for user_id in sorted(readers[topic_id])
        if (user_id, card_id) not in existing
    ]
    MemoryState.objects.bulk_create(missing, ignore_conflicts=True, batch_size=1000)
    return len(missing)


@transaction.atomic
def cards_set_status(*, cards: Iterable[Card], status: str, now: datetime) -> list[Card]:
    """Move cards to draft or archived (learner history is kept); returns the cards that changed."""
    if status == CardStatus.PUBLISHED:
        raise ValueError("Publish cards with cards_publish, which validates them first.")
    changed = list(Card.objects.filter(pk__in=_card_ids(cards)).exclude(status=status))
    Card.objects.filter(pk__in=[card.pk for card in changed]).update(status=status, updated_at=now)
    for card in changed:
        card.status = status
    return changed


@transaction.atomic
def cards_mark_critical(*, cards: Iterable[Card], critical: bool, now: datetime) -> list[Card]:
    """Mark cards critical (higher retention target) or ordinary; returns those that changed."""
    changed = list(Card.objects.filter(pk__in=_card_ids(cards)).exclude(critical=critical))
    Card.objects.filter(pk__in=[card.pk for card in changed]).update(
        critical=critical, updated_at=now
    )
    for card in changed:
        card.critical = critical
    return changed


def card_history_q() -> Q:
    """True for cards a learner has answered: a review logged or a memory state past NEW."""
    return Q(Exists(ReviewLog.objects.filter(card=OuterRef("pk")))) | Q(
        Exists(MemoryState.objects.filter(card=OuterRef("pk"), reps__gt=0))
    )


def topic_history_q() -> Q:
    """True for topics with at least one card a learner has answered."""
    return Q(Exists(ReviewLog.objects.filter(card__topic=OuterRef("pk")))) | Q(
        Exists(MemoryState.objects.filter(card__topic=OuterRef("pk"), reps__gt=0))
    )


def _cards_with_deletion_facts(cards: QuerySet[Card]) -> QuerySet[Card]:
    """Cards annotated with everything that forbids deleting them, in one query."""
    modules = TrainingModule.objects.filter(question_pool=OuterRef("pk")).order_by("title", "pk")
    waiting = (
        MemoryState.objects.filter(card=OuterRef("pk"))
        .order_by()
        .values("card")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return cards.annotate(
        answered=Exists(ReviewLog.objects.filter(card=OuterRef("pk")))
        | Exists(MemoryState.objects.filter(card=OuterRef("pk"), reps__gt=0))
        | Exists(AttemptQuestion.objects.filter(card=OuterRef("pk"))),
        pool_module=Subquery(modules.values("title")[:1]),
        waiting=Coalesce(Subquery(waiting, output_field=IntegerField()), 0),
    )


def _card_refusal(card: Card) -> str | None:
    if card.answered:
        return f"Card “{card}” has learner history; archive it instead."
    if card.pool_module is not None:
        return (
            f"Card “{card}” is in the question pool of the training module “{card.pool_module}”; "
            "archive it instead."
        )
    if card.waiting:
        return (
            f"Card “{card}” is waiting in {card.waiting} learner review "
            f"queue{'s' if card.waiting != 1 else ''}; archive it instead."
        )
    return None


def _topics_with_deletion_facts(topics: QuerySet[Topic]) -> QuerySet[Topic]:
    """Topics annotated with whether any of their cards carries learner history, in one query."""
    return topics.annotate(
        answered=Exists(ReviewLog.objects.filter(card__topic=OuterRef("pk")))
        | Exists(MemoryState.objects.filter(card__topic=OuterRef("pk")))
        | Exists(AttemptQuestion.objects.filter(card__topic=OuterRef("pk")))
    )


def _topic_refusal(topic: Topic) -> str | None:
    if topic.answered:
        return f"Topic “{topic}” has learner history; archive its cards instead."
    return None


def card_deletion_refusal(card: Card) -> str | None:
    """Why this card must not be deleted, or None when deleting it loses nothing a learner did."""
    checked = _cards_with_deletion_facts(Card.objects.filter(pk=card.pk)).first()
    return _card_refusal(checked) if checked is not None else None


def topic_deletion_refusal(topic: Topic) -> str | None:
    """Why this topic must not be deleted, or None."""
    checked = _topics_with_deletion_facts(Topic.objects.filter(pk=topic.pk)).first()
    return _topic_refusal(checked) if checked is not None else None


def deletion_refusals(objs: Iterable[Card | Topic]) -> list[str]:
    """The refusal messages for every object in a bulk delete that must be kept.

    One query per kind of object, however many are selected.
    """
    by_model: dict[type, list[int]] = defaultdict(list)
    if isinstance(objs, QuerySet):
        by_model[objs.model] = list(objs.order_by().values_list("pk", flat=True))
    else:
        for obj in objs:
            by_model[type(obj)].append(obj.pk)
    messages: list[str] = []
    if by_model.get(Card):
        cards = _cards_with_deletion_facts(Card.objects.filter(pk__in=by_model[Card]))
        messages += [m for card in cards.order_by("pk") if (m := _card_refusal(card))]
    if by_model.get(Topic):
        topics = _topics_with_deletion_facts(Topic.objects.filter(pk__in=by_model[Topic]))
        messages += [m for topic in topics.order_by("pk") if (m := _topic_refusal(topic))]
    return messages
