"""The review screen's shared parts: what each stage shows, and the responses every review POST
can end in (the next card, the current screen with a message, a redirect for plain forms).

Error statuses: 400 bad or forged input or a grade the checked answer does not allow, 404 another
learner's card or an unknown topic, 409 a stale screen, a card withdrawn by instructors, a daily
limit reached or yesterday's screen; a repeated submission is not an error and gets the current
screen. `?topic=<slug>` restricts the session to one topic; every form carries it on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator

from quizzes.content import answers
from quizzes.content.answers import Verdict
from quizzes.content.models import Card, CardKind, Topic
from quizzes.core.http import HtmxHttpRequest
from quizzes.core.markdown import render_markdown
from quizzes.review import scheduling
from quizzes.review.context_processors import StudyNow
from quizzes.review.forms import ShownCardForm
from quizzes.review.models import CheckedAnswer, LearnerSettings, MemoryState
from quizzes.review.selectors.queue import (
    ReviewScreen,
    card_withdrawn,
    choices_in_shown_order,
    grade_options,
    review_screen,
    review_topic,
    shown_state,
)
from quizzes.review.selectors.settings import learner_settings as settings_of
from quizzes.review.selectors.summary import day_summary
from quizzes.review.services.recording import WITHDRAWN_MESSAGE
from quizzes.review.tokens import CardToken, token_issue, token_seed

TEMPLATE = "review/review.html"
STALE_MESSAGE = (
    "This card was already answered or changed in another window; here is the current one."
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


def card_label(card: Card) -> str:
    """The card's question as a short line of plain text (gaps as [...]), to name it."""
    html = answers.cloze_html(card.front, reveal=False) if card.kind == CardKind.CLOZE else None
    text = " ".join(strip_tags(html or render_markdown(card.front)).split())
    return Truncator(text).chars(90)


def _screen_context(
    screen: ReviewScreen, *, topic: Topic | None, learner_settings: LearnerSettings
) -> dict:
    context = {
        "screen": screen,
        "topic": topic,
        "full_queue_url": reverse("review:review"),
        "again_url": review_url(topic=topic),
        "learner_settings": learner_settings,
        "notice": "",
        "error": "",
    }
    if topic is None:
        # The whole queue's number: "Study now" in the navigation shows the same one.
        context["study_now"] = StudyNow(lambda: screen.left)
    return context


def _end_context(
    request: HtmxHttpRequest, screen: ReviewScreen, *, now: datetime, settings: LearnerSettings
) -> dict:
    """The end screen: when the next card comes, the day's summary, and when to look again (the
    moment the next card can be shown, learn-ahead included, or the next learning day)."""
    context: dict = {}
    if screen.next_due is not None:
        context["next_due_label"] = scheduling.format_interval(screen.next_due - now)
    if screen.next_showable is not None:
        # Never sooner than 2 s: a refresh that finds nothing new must not turn into a loop.
        wait = math.ceil((screen.next_showable - now).total_seconds())
        context["refresh_seconds"] = max(2, wait)
    if screen.done_today:
        context["summary"] = day_summary(
            user=request.user, now=now, learner_settings=settings, next_due=screen.next_due
        )
    return context


def queue_context(
    request: HtmxHttpRequest,
    *,
    now: datetime,
    learner_settings: LearnerSettings,
    topic: Topic | None = None,
    prefer_card_id: int | None = None,
    notice: str = "",
    error: str = "",
    keep: CardToken | None = None,
) -> dict:
    """The screen for the next card in the queue with a fresh one-time token (or `keep`, the
    token it was shown with, when the same showing is shown again after a refused check)."""
    screen = review_screen(
        user=request.user,
        now=now,
        learner_settings=learner_settings,
        prefer_card_id=prefer_card_id or (keep.card_id if keep else None),
        topic_id=topic.pk if topic else None,
    )
    context = _screen_context(screen, topic=topic, learner_settings=learner_settings)
    context.update(stage="question", notice=notice, error=error)
    if screen.state is None:
        context.update(_end_context(request, screen, now=now, settings=learner_settings))
        return context
    state, card = screen.state, screen.state.card
    same_showing = keep and keep.card_id == state.card_id and keep.version == state.version
    token = keep.raw if same_showing else token_issue(user=request.user, state=state, now=now)
    shown_choices = choices_in_shown_order(screen.choices, kind=card.kind, seed=token_seed(token))
    context.update(
        state=state,
        card=card,
        choices=[{"choice": choice} for choice in shown_choices],
        token=token,
        cloze=answers.cloze_html(card.front, reveal=False) if card.kind == CardKind.CLOZE else None,
    )
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
    keep: CardToken | None = None,
) -> HttpResponse:
    context = queue_context(
        request,
        now=now,
        learner_settings=learner_settings or settings_of(request.user),
        topic=topic,
        notice=notice,
        error=error,
        keep=keep,
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
        context = queue_context(
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
    request: HtmxHttpRequest,
    form: ShownCardForm,
    *,
    now: datetime,
    check_version: bool = True,
    with_source: bool = True,
) -> Shown | HttpResponse:
    """The verified token and the learner's own memory of its published card, or the response
    that refuses the POST: 400 bad input, 404 not the learner's, 409 stale or withdrawn.
    `with_source=False` for a POST that moves on without showing this card's back."""
    if not form.is_valid():
        return bad_form(request, form, now=now)
    token = form.shown
    if token.user_id != request.user.pk or token.card_id != form.cleaned_data["card"]:
        raise Http404("No such card in your reviews.")
    topic = topic_or_404(form.cleaned_data["topic"])
    state = shown_state(user=request.user, card_id=token.card_id, with_source=with_source)
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
    request: HtmxHttpRequest,
    shown: Shown,
    *,
    now: datetime,
    error: str = "",
    status: int = 200,
    keep: bool = False,
) -> HttpResponse:
    """The current screen after a verified POST that changed nothing, in the POST's topic (the
    same showing again with `keep`, e.g. after "Pick an answer first")."""
    return current_screen(
        request,
        now=now,
        learner_settings=shown.learner_settings,
        topic=shown.topic,
        error=error,
        status=status,
        keep=shown.token if keep else None,
    )


def answer_context(
    request: HtmxHttpRequest, shown: Shown, *, now: datetime, checked: CheckedAnswer | None
) -> dict:
    """The back of the card: the stored check's verdict with the grades it allows (a basic card,
    unchecked, allows all four), the choices in this showing's order marked right and picked."""
    state, card = shown.state, shown.state.card
    feedback = answers.feedback_for(checked.verdict if checked else None)
    screen = review_screen(
        user=request.user,
        now=now,
        learner_settings=shown.learner_settings,
        pick_card=False,
        topic_id=shown.topic.pk if shown.topic else None,
    )
    picked = set(checked.picked) if checked else set()
    choices = (
        choices_in_shown_order(card.choices.all(), kind=card.kind, seed=shown.token.seed)
        if card.has_choices
        else []
    )
    cloze = card.kind == CardKind.CLOZE
    context = _screen_context(screen, topic=shown.topic, learner_settings=shown.learner_settings)
    context.update(
        stage="answer",
        state=state,
        card=card,
        token=shown.token.raw,
        options=grade_options(
            state, now=now, learner_settings=shown.learner_settings, allowed=feedback.allowed
        ),
        suggested=feedback.suggested,
        verdict=feedback.verdict,
        checked=checked,
        can_override=bool(
            checked and checked.verdict == Verdict.WRONG and checked.typed and not checked.revealed
        ),
        typed=checked.typed if checked else "",
        choices=[{"choice": choice, "picked": choice.pk in picked} for choice in choices],
        cloze=answers.cloze_html(card.front, reveal=False) if cloze else None,
        cloze_answer=answers.cloze_html(card.front, reveal=True) if cloze else None,
    )
    return context
