"""Reads for the learner's topic list: each topic with the learner's new, learning and due cards."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from quizzes.content.models import CardStatus, Topic
from quizzes.review.models import MemoryStage, MemoryState


def _learner_count(*, user: Any, condition: Q) -> Coalesce:
    """How many of the learner's unlocked cards of the outer topic meet `condition`."""
    rows = (
        MemoryState.objects.filter(
            user=user, card__topic=OuterRef("pk"), card__status=CardStatus.PUBLISHED
        )
        .filter(suspended=False)
        .filter(condition)
        .values("card__topic")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def topics_for_home(
    *,
    user: Any = None,
    now: datetime | None = None,
    learn_ahead: timedelta = timedelta(0),
) -> QuerySet[Topic]:
    """Every topic in reading order with its published cards and, for a learner, their new /
    learning / due counts right now (one query). Learning counts the cards within the learner's
    learn-ahead limit, as the review screen's does."""
    topics = Topic.objects.in_reading_order().annotate(
        published_cards=Count("cards", filter=Q(cards__status=CardStatus.PUBLISHED))
    )
    if user is None or now is None:
        return topics
    available = Q(buried_until__isnull=True) | Q(buried_until__lte=now)
    learning = (MemoryStage.LEARNING, MemoryStage.RELEARNING)
    return topics.annotate(
        new_cards=_learner_count(user=user, condition=available & Q(stage=MemoryStage.NEW)),
        learning_cards=_learner_count(
            user=user, condition=available & Q(stage__in=learning, due__lte=now + learn_ahead)
        ),
        due_cards=_learner_count(
            user=user, condition=available & Q(stage=MemoryStage.REVIEW, due__lte=now)
        ),
    )
