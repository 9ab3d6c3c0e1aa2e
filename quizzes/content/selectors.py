"""Reads for the reading pages: topics in order, their lessons and neighbours."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from quizzes.content.models import Article, Topic


@dataclass(frozen=True)
class TopicLink:
    slug: str
    title: str


def topic_neighbours(topic: Topic) -> tuple[TopicLink | None, TopicLink | None]:
    """The topics before and after this one in its article's order (one query)."""
    siblings = [
        TopicLink(slug=slug, title=title)
        for slug, title in Topic.objects.filter(article_id=topic.article_id)
        .order_by("position", "pk")
        .values_list("slug", "title")
    ]
    index = next(i for i, sibling in enumerate(siblings) if sibling.slug == topic.slug)
    previous = siblings[index - 1] if index > 0 else None
    following = siblings[index + 1] if index + 1 < len(siblings) else None
    return previous, following


def topics_with_lessons() -> QuerySet[Topic]:
    """Topics with article joined and lessons prefetched, for the reading page (2 queries)."""
    return Topic.objects.select_related("article").prefetch_related("lessons")


def articles() -> QuerySet[Article]:
    return Article.objects.all()


def published_cards_table() -> list[dict]:
    """Published cards per topic (in article order) and kind, with critical cards and clinical
    notes, one row per topic (one grouped query); for the README's table and the docs."""
    from django.db.models import Count, Q

    from quizzes.content.models import CardKind, CardStatus

    published = Q(cards__status=CardStatus.PUBLISHED)
    counts = {
        f"kind_{kind}": Count("cards", filter=published & Q(cards__kind=kind))
        for kind in CardKind.values
    }
    return list(
        Topic.objects.in_reading_order()
        .annotate(
            **counts,
            total=Count("cards", filter=published),
            critical=Count("cards", filter=published & Q(cards__critical=True)),
            notes=Count("cards", filter=published & ~Q(cards__clinical_note="")),
        )
        .values("title", "total", "critical", "notes", *counts)
    )
