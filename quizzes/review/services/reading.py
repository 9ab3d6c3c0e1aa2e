"""Writes that follow reading: lessons marked read, and the cards of read topics unlocked.

"Learn, then review": a learner's cards of a topic enter their queue (as NEW memory states) once
they have opened the topic, and a card published later reaches every learner who already had.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef

from quizzes.content.models import Card, CardStatus, Lesson, Topic
from quizzes.review.models import LessonRead, MemoryState


@transaction.atomic
def topic_open(*, user: Any, topic: Topic, now: datetime) -> int:
    """Mark every lesson of the topic read and unlock its published cards.

    Returns how many cards were newly unlocked. Idempotent and cheap when repeated: one read query
    finds nothing left to write (the reading page is a GET that a learner reloads at will).
    """
    # A lesson read only within a training module counts as unread here: opening the topic
    # marks it read as the topic's, which lets cards published later reach the learner.
    lessons = topic.lessons.exclude(
        Exists(LessonRead.objects.filter(user=user, lesson=OuterRef("pk"), within_module=False))
    )
    cards = Card.objects.published().filter(topic=topic)
    missing_cards = cards.exclude(
        Exists(MemoryState.objects.filter(user=user, card=OuterRef("pk")))
    )
    unread = list(lessons.values_list("id", flat=True))
    locked = list(missing_cards.values_list("id", flat=True))
    if unread:
        LessonRead.objects.bulk_create(
            [LessonRead(user=user, lesson_id=lesson_id, read_at=now) for lesson_id in unread],
            update_conflicts=True,
            unique_fields=["user", "lesson"],
            update_fields=["within_module"],
        )
    return _unlock(user_id=user.pk, card_ids=locked, now=now)


def _unlock(*, user_id: int, card_ids: list[int], now: datetime) -> int:
    if card_ids:
        MemoryState.objects.bulk_create(
            [
                MemoryState(user_id=user_id, card_id=card_id, unlocked_at=now)
                for card_id in card_ids
            ],
            ignore_conflicts=True,
        )
    return len(card_ids)


@transaction.atomic
def cards_unlock_for_readers(*, cards: Iterable[Card], now: datetime, **_signal: Any) -> int:
    """Give each published card to the learners who already opened its topic (NEW memory states).

    Receives content's `cards_published`; learners who open the topic later get the card from
    topic_open. Returns how many states were created.
    """
    topic_of = {card.pk: card.topic_id for card in cards if card.status == CardStatus.PUBLISHED}
    if not topic_of:
        return 0
    readers: dict[int, set[int]] = defaultdict(set)
    for user_id, topic_id in (
        LessonRead.objects.filter(lesson__topic_id__in=set(topic_of.values()), within_module=False)
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


def lesson_read(*, user: Any, lesson: Lesson, now: datetime) -> bool:
    """Record that the learner read this one lesson (a training module's lesson page). Returns
    whether it is newly read; idempotent.

    Unlike topic_open it unlocks no cards: a module's lessons lead to its quiz, whose questions
    are cards too, and putting them in the daily review would show their answers before the quiz.
    """
    _, created = LessonRead.objects.get_or_create(
        user=user, lesson=lesson, defaults={"read_at": now, "within_module": True}
    )
    return created
