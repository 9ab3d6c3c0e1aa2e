"""The daily review screen: show a card, reveal or check the answer, grade it.

Every POST works as a plain form (full page, redirect after a write) and with htmx (the review
screen fragment is swapped in). Error statuses: 400 bad or forged input or a grade the checked
answer does not allow, 404 another learner's card or an unknown topic, 409 a stale screen or a
card withdrawn by instructors; a repeated submission is not an error and gets the current screen.
`?topic=<slug>` restricts the session to one topic; every form carries it on in a hidden field.
Undo, bury, suspend and the suspended-cards page are in quizzes.review.views.actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from quizzes.content import answers
from quizzes.content.answers import Feedback
from quizzes.content.models import CardKind, Topic
from quizzes.core.http import HtmxHttpRequest
from quizzes.review import scheduling
from quizzes.review.errors import DuplicateAnswer, GradeRefused, StaleAnswer
from quizzes.review.forms import CheckAnswerForm, GradeForm, ReviewQueryForm, ShownCardForm
from quizzes.review.models import LearnerSettings, MemoryState
from quizzes.review.selectors.queue import (
    card_withdrawn,
    grade_options,
    review_screen,
    review_topic,
    shown_state,
)
from quizzes.review.selectors.settings import learner_settings as settings_of
from quizzes.review.services.recording import LEECH_MESSAGE, review_record
from quizzes.review.tokens import CardToken, token_issue, verdict_issue, verdict_read

TEMPLATE = "review/review.html"
STALE_MESSAGE = (
    "This card was already answered or changed in another window; here is the current one."
)
WITHDRAWN_MESSAGE = (
    "Your instructors have taken this card out of the reviews while it was on your screen, so "
    "your answer was not recorded. Here is the next card."
)
FORGED_VERDICT_MESSAGE = (
    "This card's answer check was altered or belongs to another card. Reload the review page."
)


def render_screen(request: HtmxHttpRequest, context: dict, *, status: int = 200) -> HttpResponse:
    template = f"{TEMPLATE}#screen" if request.htmx else TEMPLATE
    return render(request, template, context, status=status)


def review_url(*, topic: Topic | None = None, card_id: int | None = None) -> str:
    query = {"card": card_id, "topic": topic.slug if topic else None}
    query = {name: value for name, value in query.items() if value}
    url = reverse("review:review")
    return f"{url}?{urlencode(query)}" if query else url


def topic_or_404(slug: str) -> Topic | None:
    if not slug:
        return None
    topic = review_topic(slug=slug)
    if topic is None:
        raise Http404("No such topic.")
    return topic


def _queue_context(
    request: HtmxHttpRequest,
    *,
    now: datetime,
    learner_settings: LearnerSettings,
    topic: Topic | None = None,
    prefer_card_id: int | None = None,
    notice: str = "",
    error: str = "",
) -> dict:
    """The screen for the next card in the queue, with a fresh one-time token."""
    screen = review_screen(
        user=request.user,
        now=now,
        learner_settings=learner_settings,
        prefer_card_id=prefer_card_id,
        topic_id=topic.pk if topic else None,
    )
    context = {
        "screen": screen,
        "stage": "question",
        "notice": notice,
        "error": error,
        "topic": topic,
        "full_queue_url": reverse("review:review"),
        "again_url": review_url(topic=topic),
        "learner_settings": learner_settings,
    }
    if screen.state is not None:
        card = screen.state.card
        context.update(
            state=screen.state,
            card=card,
            choices=[{"choice": choice} for choice in screen.choices],
            token=token_issue(user=request.user, state=screen.state, now=now),
            cloze=answers.cloze_html(card.front, reveal=False)
            if card.kind == CardKind.CLOZE
            else None,
        )
    elif screen.next_due is not None:
        context["next_due_label"] = scheduling.format_interval(screen.next_due - now)
    return context


def current_screen(
    request: HtmxHttpRequest,
    *,
    now: datetime,
    learner_settings: LearnerSettings | None = None,
    topic: Topic | None = None,
    notice: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = _queue_context(
        request,
        now=now,
        learner_settings=learner_settings or settings_of(request.user),
        topic=topic,
        notice=notice,
        error=error,
    )
    return render_screen(request, context, status=status)


def after_write(
    request: HtmxHttpRequest,
    *,
    now: datetime,
    learner_settings: LearnerSettings,
    topic: Topic | None = None,
    notice: str = "",
    prefer_card_id: int | None = None,
) -> HttpResponse:
    """htmx: swap in the next card now; plain form: redirect, so reloading never resubmits."""
    if request.htmx:
        context = _queue_context(
            request,
            now=now,
            learner_settings=learner_settings,
            topic=topic,
            notice=notice,
            prefer_card_id=prefer_card_id,
        )
        return render_screen(request, context)
    if notice:
        messages.info(request, notice)
    return redirect(review_url(topic=topic, card_id=prefer_card_id), permanent=False)


def bad_form(request: HtmxHttpRequest, form: forms.Form, *, now: datetime) -> HttpResponse:
    message = next(iter(form.errors.values()))[0] if form.errors else "Invalid request."
    # Keep the learner in their topic when only another field was wrong.
    slug = form.cleaned_data.get("topic") if hasattr(form, "cleaned_data") else None
    topic = review_topic(slug=slug) if slug else None
    return current_screen(request, now=now, topic=topic, error=message, status=400)


@dataclass(frozen=True)
class Shown:
    """A verified POST about the card on the learner's screen."""

    form: ShownCardForm
    token: CardToken
    state: MemoryState
    learner_settings: LearnerSettings
    topic: Topic | None


def verified_shown(
    request: HtmxHttpRequest, form: ShownCardForm, *, now: datetime, check_version: bool = True
) -> Shown | HttpResponse:
    """The verified token and the learner's own memory of its published card, or the response
    that refuses the POST: 400 bad input, 404 not the learner's, 409 stale or withdrawn."""
    if not form.is_valid():
        return bad_form(request, form, now=now)
    token = form.shown
    if token.user_id != request.user.pk or token.card_id != form.cleaned_data["card"]:
        raise Http404("No such card in your reviews.")
    topic = topic_or_404(form.cleaned_data["topic"])
    state = shown_state(user=request.user, card_id=token.card_id)
    if state is None:
        if card_withdrawn(user=request.user, card_id=token.card_id):
            return current_screen(
                request, now=now, topic=topic, error=WITHDRAWN_MESSAGE, status=409
            )
        raise Http404("No such card in your reviews.")
    learner_settings = settings_of(state.user)
    if check_version and state.version != token.version:
        return current_screen(
            request,
            now=now,
            learner_settings=learner_settings,
            topic=topic,
            error=STALE_MESSAGE,
            status=409,
        )
    return Shown(
        form=form, token=token, state=state, learner_settings=learner_settings, topic=topic
    )


def shown_screen(
    request: HtmxHttpRequest, shown: Shown, *, now: datetime, error: str = "", status: int = 200
) -> HttpResponse:
    """The current screen after a verified POST that changed nothing, in the POST's topic."""
    return current_screen(
        request,
        now=now,
        learner_settings=shown.learner_settings,
        topic=shown.topic,
        error=error,
        status=status,
    )


def _answer_context(
    request: HtmxHttpRequest,
    shown: Shown,
    *,
    now: datetime,
    feedback: Feedback,
    picked: frozenset[int] = frozenset(),
    typed: str = "",
    choices: list | None = None,
) -> dict:
    """The back of the card with the grades the verdict allows, and the signed verdict."""
    state = shown.state
    card = state.card
    screen = review_screen(
        user=request.user,
        now=now,
        learner_settings=shown.learner_settings,
        pick_card=False,
        topic_id=shown.topic.pk if shown.topic else None,
    )
    cloze = card.kind == CardKind.CLOZE
    return {
        "screen": screen,
        "stage": "answer",
        "state": state,
        "card": card,
        "token": shown.token.raw,
        "topic": shown.topic,
        "full_queue_url": reverse("review:review"),
        "again_url": review_url(topic=shown.topic),
        "options": grade_options(
            state, now=now, learner_settings=shown.learner_settings, allowed=feedback.allowed
        ),
        "suggested": feedback.suggested,
        "verdict": feedback.right,
        "verdict_token": (
            verdict_issue(token=shown.token, right=feedback.right)
            if feedback.right is not None
            else ""
        ),
        "typed": typed,
        "choices": [
            {"choice": choice, "picked": choice.pk in picked} for choice in (choices or [])
        ],
        "cloze": answers.cloze_html(card.front, reveal=False) if cloze else None,
        "cloze_answer": answers.cloze_html(card.front, reveal=True) if cloze else None,
        "notice": "",
        "error": "",
    }


@require_GET
def review(request: HtmxHttpRequest) -> HttpResponse:
    now = timezone.now()
    query = ReviewQueryForm(request.GET)
    if not query.is_valid():
        return bad_form(request, query, now=now)
    context = _queue_context(
        request,
        now=now,
        learner_settings=settings_of(request.user),
        topic=topic_or_404(query.cleaned_data["topic"]),
        prefer_card_id=query.cleaned_data["card"],
    )
    return render_screen(request, context)


@require_POST
def review_reveal(request: HtmxHttpRequest) -> HttpResponse:
    """Show the back of a card. A choice or cloze card revealed without an answer counts as not
    known (graded Again); those are normally answered through review_check."""
    now = timezone.now()
    shown = verified_shown(request, ShownCardForm(request.POST), now=now)
    if isinstance(shown, HttpResponse):
        return shown
    card = shown.state.card
    needs_check = answers.needs_check(card.kind)
    context = _answer_context(
        request,
        shown,
        now=now,
        feedback=answers.feedback_for(False if needs_check else None),
        choices=list(card.choices.all()) if card.has_choices else [],
    )
    return render_screen(request, context)


@require_POST
def review_check(request: HtmxHttpRequest) -> HttpResponse:
    """Check a choice or cloze answer and show the feedback with the grades it allows."""
    now = timezone.now()
    shown = verified_shown(request, ShownCardForm(request.POST), now=now)
    if isinstance(shown, HttpResponse):
        return shown
    card = shown.state.card
    choices = list(card.choices.all()) if card.has_choices else []
    form = CheckAnswerForm(request.POST, choice_ids=[choice.pk for choice in choices])
    if not form.is_valid():
        return bad_form(request, form, now=now)
    picked = frozenset(form.cleaned_data["choice"])
    typed = form.cleaned_data["typed"]
    feedback = answers.answer_feedback(
        kind=card.kind,
        front=card.front,
        accepted_answers=card.accepted_answers,
        choices=[(choice.pk, choice.is_correct) for choice in choices],
        picked=picked,
        typed=typed,
    )
    context = _answer_context(
        request, shown, now=now, feedback=feedback, picked=picked, typed=typed, choices=choices
    )
    return render_screen(request, context)


@require_POST
def review_answer(request: HtmxHttpRequest) -> HttpResponse:
    """Record the grade exactly once and move on to the next card."""
    now = timezone.now()
    shown = verified_shown(request, GradeForm(request.POST), now=now, check_version=False)
    if isinstance(shown, HttpResponse):
        return shown
    verdict = None
    if shown.form.cleaned_data["verdict"]:
        try:
            verdict = verdict_read(shown.form.cleaned_data["verdict"], token=shown.token)
        except signing.BadSignature:
            return shown_screen(request, shown, now=now, error=FORGED_VERDICT_MESSAGE, status=400)
    try:
        outcome = review_record(
            user=request.user,
            card=shown.state.card,
            rating=shown.form.cleaned_data["rating"],
            verdict=verdict,
            now=now,
            token=shown.token.raw,
            duration_ms=shown.token.duration_ms(now),
            expected_version=shown.token.version,
            learner_settings=shown.learner_settings,
            state=shown.state,
        )
    except DuplicateAnswer:
        return shown_screen(request, shown, now=now)
    except GradeRefused as refusal:
        return shown_screen(request, shown, now=now, error=str(refusal), status=400)
    except StaleAnswer:
        return shown_screen(request, shown, now=now, error=STALE_MESSAGE, status=409)
    notice = LEECH_MESSAGE.format(lapses=outcome.state.lapses) if outcome.became_leech else ""
    return after_write(
        request,
        now=now,
        learner_settings=shown.learner_settings,
        topic=shown.topic,
        notice=notice,
    )
