"""Reads for the learner's topic list: each topic with the learner's new, learning and due cards."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from quizzes.content.models import CardStatus, Topic
from quizzes.review.models import (
    LEARNING_STAGES,
    MemoryStage,
    MemoryState,
    due_by_q,
    in_queue_q,
)


def _learner_count(*, user: Any, condition: Q) -> Coalesce:
    """How many of the learner's cards of the outer topic meet `condition`."""
    rows = (
        MemoryState.objects.filter(condition, user=user, card__topic=OuterRef("pk"))
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
    learning / due counts right now, as the review queue counts them (one query): learning
    includes the cards within the learner's learn-ahead limit, as the review screen's does."""
    topics = Topic.objects.in_reading_order().annotate(
        published_cards=Count("cards", filter=Q(cards__status=CardStatus.PUBLISHED))
    )
    if user is None or now is None:
        return topics
    queued = in_queue_q(now)
    due_now = queued & due_by_q(now)
    return topics.annotate(
        new_cards=_learner_count(user=user, condition=queued & Q(stage=MemoryStage.NEW)),
        learning_cards=_learner_count(
            user=user,
            condition=queued & due_by_q(now + learn_ahead) & Q(stage__in=LEARNING_STAGES),
        ),
        due_cards=_learner_count(user=user, condition=due_now & Q(stage=MemoryStage.REVIEW)),
    )
