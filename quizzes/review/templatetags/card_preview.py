"""The admin card preview, rendered through the review screen's own partials, and cloze filters."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString

from quizzes.content import answers
from quizzes.content.answers import cloze_html
from quizzes.content.models import Card, CardKind
from quizzes.review.models import LearnerSettings, MemoryState
from quizzes.review.selectors.queue import grade_options

register = template.Library()


@register.filter
def cloze_question(front: str) -> SafeString:
    """The cloze sentence with its gaps hidden, sanitised."""
    return cloze_html(front, reveal=False)


@register.filter
def cloze_answer(front: str) -> SafeString:
    """The cloze sentence with its gaps filled and highlighted, sanitised."""
    return cloze_html(front, reveal=True)


@register.inclusion_tag("review/_card_preview.html")
def card_preview(card: Card) -> dict:
    """A card as a learner meets it for the first time: the front with its inputs, then the
    feedback after a right answer (right choices marked, answer, explanation, grade buttons with
    a new card's intervals under the default settings). The forms are inert."""
    choices = list(card.choices.all()) if card.has_choices else []
    correct = frozenset(choice.pk for choice in choices if choice.is_correct)
    cloze = card.kind == CardKind.CLOZE
    feedback = answers.feedback_for(
        answers.Verdict.RIGHT if answers.needs_check(card.kind) else None
    )
    state = MemoryState(card=card)
    return {
        "card": card,
        "state": state,
        "preview": True,
        "question_choices": [{"choice": choice, "picked": False} for choice in choices],
        "answer_choices": [
            {"choice": choice, "picked": choice.pk in correct} for choice in choices
        ],
        "cloze": cloze_html(card.front, reveal=False) if cloze else None,
        "cloze_answer": cloze_html(card.front, reveal=True) if cloze else None,
        "verdict": feedback.verdict,
        "suggested": feedback.suggested,
        "options": grade_options(
            state,
            now=timezone.now(),
            learner_settings=LearnerSettings(),
            allowed=feedback.allowed,
        ),
    }
