"""Writes that happen when a learner reads: mark lessons read and unlock the topic's cards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from quizzes.models import Card, LessonRead, MemoryState, Topic


@transaction.atomic
def topic_open(*, user: Any, topic: Topic, now: datetime) -> int:
    """Mark every lesson of the topic read and unlock its published cards ("learn, then review").

    Returns how many cards were newly unlocked. Safe to call repeatedly and concurrently.
    """
    lesson_ids = list(topic.lessons.values_list("id", flat=True))
    LessonRead.objects.bulk_create(
        [LessonRead(user=user, lesson_id=lesson_id, read_at=now) for lesson_id in lesson_ids],
        ignore_conflicts=True,
    )
    return cards_unlock(user=user, cards=Card.objects.published().filter(topic=topic), now=now)


def cards_unlock(*, user: Any, cards: Any, now: datetime) -> int:
    """Create NEW memory states for the given cards the learner does not have yet."""
    known = MemoryState.objects.filter(user=user, card__in=cards).values_list("card_id", flat=True)
    missing = list(cards.exclude(id__in=known).values_list("id", flat=True))
    MemoryState.objects.bulk_create(
        [MemoryState(user=user, card_id=card_id, unlocked_at=now) for card_id in missing],
        ignore_conflicts=True,
    )
    return len(missing)
