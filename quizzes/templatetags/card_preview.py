"""Filters for the card preview: cloze fronts shown exactly as the review screen shows them."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from quizzes.answers import cloze_html

register = template.Library()


@register.filter
def cloze_question(front: str) -> SafeString:
    """The cloze sentence with its gaps hidden, sanitised."""
    return cloze_html(front, reveal=False)


@register.filter
def cloze_answer(front: str) -> SafeString:
    """The cloze sentence with its gaps filled and highlighted, sanitised."""
    return cloze_html(front, reveal=True)
