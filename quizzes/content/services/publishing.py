"""Writes instructors make to cards: publish, unpublish, archive, mark critical.

`cards_publish` is the one way a card becomes published (the admin's form and bulk action, the CSV
import and the article importer all call it): it validates each card with the publishing rules and
announces the published cards (`cards_published`), so the review app can give them to the learners
who already read their topic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from quizzes.content.models import Card, CardStatus
from quizzes.content.signals import cards_published
from quizzes.content.validation import card_problems


@dataclass
class PublishResult:
    published: list[Card] = field(default_factory=list)
    already_published: list[Card] = field(default_factory=list)
    # Cards that fail validation stay as they were, each with the problems to fix.
    skipped: list[tuple[Card, list[str]]] = field(default_factory=list)
    unlocked: int = 0


def problems_for_publishing(card: Card) -> list[str]:
    """The card's publishing problems, judged on its saved fields and choices.

    A draft marked "needs edit" (the importer's item checks found a fault) waits for an
    instructor to fix it and clear the mark; bulk publishing must not release it as it is.
    """
    if card.needs_edit.strip():
        return [f"Needs edit: {card.needs_edit.strip()}"]
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
    """Publish the valid cards, skip invalid ones with their problems, and announce them.

    Already-published cards are announced too, so a learner who missed one still gets it.
    """
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
    announced = to_publish + result.already_published
    if announced:
        replies = cards_published.send(sender=Card, cards=announced, now=now)
        result.unlocked = sum(reply for _, reply in replies if isinstance(reply, int))
    return result


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
