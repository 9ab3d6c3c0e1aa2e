"""Template helpers for the content team's partials that other apps' templates include."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from quizzes.content.answers import cloze_html
from quizzes.content.models import LEARNER_REASONS, Card, CardKind
from quizzes.core.markdown import render_markdown

register = template.Library()


@register.simple_tag
def report_reasons() -> list[tuple[str, str]]:
    """What a learner can say is wrong with a card, as (value, label) pairs."""
    return [(reason.value, reason.label) for reason in LEARNER_REASONS]


@register.filter
def card_front(card: Card) -> SafeString:
    """The card's front as the learner first read it: a cloze with its gaps hidden, sanitised."""
    if card.kind == CardKind.CLOZE:
        return cloze_html(card.front, reveal=False)
    return render_markdown(card.front)
