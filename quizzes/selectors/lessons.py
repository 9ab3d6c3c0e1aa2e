"""Reads for the reading pages: the topic list and a topic's lessons."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from quizzes.models import Article, CardStatus, Topic


def topics_for_home() -> QuerySet[Topic]:
    """Every topic in reading order with its count of published cards, in one query."""
    return Topic.objects.in_reading_order().annotate(
        published_cards=Count("cards", filter=Q(cards__status=CardStatus.PUBLISHED))
    )


def topics_with_lessons() -> QuerySet[Topic]:
    """Topics with article joined and lessons prefetched, for the reading page (2 queries)."""
    return Topic.objects.select_related("article").prefetch_related("lessons")


def articles() -> QuerySet[Article]:
    return Article.objects.all()
