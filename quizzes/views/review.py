"""The daily review screen: show a card, reveal or check the answer, grade it, undo, bury, suspend.

Every POST works as a plain form (full page, redirect after a write) and with htmx (the review
screen fragment is swapped in). Error statuses: 400 bad or forged input, 404 another learner's card,
409 a stale screen; a repeated submission is not an error and gets the current screen.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from quizzes import answers, scheduling
from quizzes.forms import CheckAnswerForm, GradeForm, ShownCardForm, UndoForm
from quizzes.http import HtmxHttpRequest
from quizzes.models import CardKind, LearnerSettings, MemoryState
from quizzes.selectors.review import grade_options, review_screen, shown_state
from quizzes.services.review import (
    CardToken,
    DuplicateAnswer,
    ReviewRejected,
    StaleAnswer,
    card_bury,
    card_suspend,
    review_record,
    review_undo,
    settings_or_defaults,
    token_issue,
)

TEMPLATE = "quizzes/review.html"
STALE_MESSAGE = (
    "This card was already answered or changed in another window; here is the current one."
)


def _render(request: HtmxHttpRequest, context: dict, *, status: int = 200) -> HttpResponse:
    template = f"{TEMPLATE}#screen" if request.htmx else TEMPLATE
    return render(request, template, context, status=status)


def _queue_context(
    request: HtmxHttpRequest,
    *,
    now: datetime,
    learner_settings: LearnerSettings,
    prefer_card_id: int | None = None,
    notice: str = "",
    error: str = "",
) -> dict:
    """The screen for the next card in the queue, with a fresh one-time token."""
    screen = review_screen(
        user=request.user, now=now, learner_settings=learner_settings, prefer_card_id=prefer_card_id
    )
    context = {"screen": screen, "stage": "question", "notice": notice, "error": error}
    if screen.state is not None:
        context.update(
            state=screen.state,
            card=screen.state.card,
            choices=[{"choice": choice} for choice in screen.choices],
            token=token_issue(user=request.user, state=screen.state, now=now),
            cloze=(
                answers.cloze_html(screen.state.card.front, reveal=False)
                if screen.state.card.kind == CardKind.CLOZE
                else None
            ),
        )
    elif screen.next_due is not None:
        context["next_due_label"] = scheduling.format_interval(screen.next_due - now)
    context["learner_settings"] = learner_settings
    return context


def _current_screen(
    request: HtmxHttpRequest,
    *,
    now: datetime,
    learner_settings: LearnerSettings | None = None,
    notice: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    learner_settings = learner_settings or settings_or_defaults(request.user)
    context = _queue_context(
        request, now=now, learner_settings=learner_settings, notice=notice, error=error
    )
    return _render(request, context, status=status)


def _after_write(
    request: HtmxHttpRequest,
    *,
    now: datetime,
    learner_settings: LearnerSettings,
    notice: str = "",
    prefer_card_id: int | None = None,
) -> HttpResponse:
    """htmx: swap in the next card now; plain form: redirect, so reloading never resubmits."""
    if request.htmx:
        context = _queue_context(
            request,
            now=now,
            learner_settings=learner_settings,
            notice=notice,
            prefer_card_id=prefer_card_id,
        )
        return _render(request, context)
    if notice:
        messages.info(request, notice)
    url = reverse("quizzes:review")
    if prefer_card_id:
        url = f"{url}?card={prefer_card_id}"
    return redirect(url, permanent=False)


def _bad_form(request: HtmxHttpRequest, form, *, now: datetime) -> HttpResponse:
    message = next(iter(form.errors.values()))[0] if form.errors else "Invalid request."
    return _current_screen(request, now=now, error=message, status=400)


def _shown(request: HtmxHttpRequest, form: ShownCardForm) -> tuple[CardToken, MemoryState]:
    """The verified token and the learner's own memory of its card; 404 for anything not theirs."""
    shown = form.shown
    if shown.user_id != request.user.pk or shown.card_id != form.cleaned_data["card"]:
        raise Http404("No such card in your reviews.")
    state = shown_state(user=request.user, card_id=shown.card_id)
    if state is None:
        raise Http404("No such card in your reviews.")
    return shown, state


def _settings_of(state: MemoryState) -> LearnerSettings:
    try:
        return state.user.learner_settings
    except LearnerSettings.DoesNotExist:
        return LearnerSettings(user=state.user)


def _answer_context(
    request: HtmxHttpRequest,
    *,
    state: MemoryState,
    shown: CardToken,
    now: datetime,
    learner_settings: LearnerSettings,
    verdict: bool | None = None,
    picked: frozenset[int] = frozenset(),
    typed: str = "",
    choices: list | None = None,
) -> dict:
    """The back of the card with the four grades; after a checked answer, the verdict too."""
    screen = review_screen(
        user=request.user,
        now=now,
        learner_settings=learner_settings,
        pick_card=False,
    )
    card = state.card
    suggested = 3 if verdict in (None, True) else 1
    options = grade_options(state, now=now, learner_settings=learner_settings)
    if verdict is False:
        # A wrong answer is graded Again; the learner may not talk it up to Good.
        options = [option for option in options if option.rating == 1]
    return {
        "screen": screen,
        "stage": "answer",
        "state": state,
        "card": card,
        "token": shown.raw,
        "options": options,
        "suggested": suggested,
        "verdict": verdict,
        "typed": typed,
        "choices": [
            {"choice": choice, "picked": choice.pk in picked} for choice in (choices or [])
        ],
        "cloze": answers.cloze_html(card.front, reveal=False)
        if card.kind == CardKind.CLOZE
        else None,
        "cloze_answer": (
            answers.cloze_html(card.front, reveal=True) if card.kind == CardKind.CLOZE else None
        ),
        "notice": "",
        "error": "",
    }


@require_GET
def review(request: HtmxHttpRequest) -> HttpResponse:
    now = timezone.now()
    prefer = request.GET.get("card", "")
    context = _queue_context(
        request,
        now=now,
        learner_settings=settings_or_defaults(request.user),
        prefer_card_id=int(prefer) if prefer.isdigit() else None,
    )
    return _render(request, context)


@require_POST
def review_reveal(request: HtmxHttpRequest) -> HttpResponse:
    """Show the back of a basic card (choice and cloze cards are answered through review_check)."""
    now = timezone.now()
    form = ShownCardForm(request.POST)
    if not form.is_valid():
        return _bad_form(request, form, now=now)
    shown, state = _shown(request, form)
    learner_settings = _settings_of(state)
    if state.version != shown.version:
        return _current_screen(
            request, now=now, learner_settings=learner_settings, error=STALE_MESSAGE, status=409
        )
    choices = list(state.card.choices.all()) if state.card.has_choices else []
    context = _answer_context(
        request,
        state=state,
        shown=shown,
        now=now,
        learner_settings=learner_settings,
        verdict=None if not choices and state.card.kind != CardKind.CLOZE else False,
        choices=choices,
    )
    return _render(request, context)


@require_POST
def review_check(request: HtmxHttpRequest) -> HttpResponse:
    """Grade a choice or cloze answer and show the feedback with the suggested grade."""
    now = timezone.now()
    base = ShownCardForm(request.POST)
    if not base.is_valid():
        return _bad_form(request, base, now=now)
    shown, state = _shown(request, base)
    learner_settings = _settings_of(state)
    if state.version != shown.version:
        return _current_screen(
            request, now=now, learner_settings=learner_settings, error=STALE_MESSAGE, status=409
        )
    card = state.card
    choices = list(card.choices.all()) if card.has_choices else []
    form = CheckAnswerForm(request.POST, choice_ids=[choice.pk for choice in choices])
    if not form.is_valid():
        return _bad_form(request, form, now=now)
    picked = frozenset(form.cleaned_data["choice"])
    typed = form.cleaned_data["typed"]
    if card.has_choices:
        right = answers.choices_are_right(
            picked, [choice.pk for choice in choices if choice.is_correct]
        )
    elif card.kind == CardKind.CLOZE:
        right = answers.cloze_is_right(
            typed, front=card.front, accepted_answers=card.accepted_answers
        )
    else:
        right = None
    context = _answer_context(
        request,
        state=state,
        shown=shown,
        now=now,
        learner_settings=learner_settings,
        verdict=right,
        picked=picked,
        typed=typed,
        choices=choices,
    )
    return _render(request, context)


@require_POST
def review_answer(request: HtmxHttpRequest) -> HttpResponse:
    """Record the grade exactly once and move on to the next card."""
    now = timezone.now()
    form = GradeForm(request.POST)
    if not form.is_valid():
        return _bad_form(request, form, now=now)
    shown, state = _shown(request, form)
    learner_settings = _settings_of(state)
    try:
        outcome = review_record(
            user=request.user,
            card=state.card,
            rating=form.cleaned_data["rating"],
            now=now,
            token=shown.raw,
            duration_ms=shown.duration_ms(now),
            expected_version=shown.version,
            learner_settings=learner_settings,
            state=state,
        )
    except DuplicateAnswer:
        return _current_screen(request, now=now, learner_settings=learner_settings)
    except StaleAnswer:
        return _current_screen(
            request, now=now, learner_settings=learner_settings, error=STALE_MESSAGE, status=409
        )
    notice = ""
    if outcome.became_leech:
        notice = (
            "You have forgotten this card 8 times, so it is now suspended as a leech and your "
            "instructors have been told. Reread its lesson; they may rewrite the card."
        )
    return _after_write(request, now=now, learner_settings=learner_settings, notice=notice)


@require_POST
def review_undo_view(request: HtmxHttpRequest) -> HttpResponse:
    """Put back the card as it was before the learner's last answer, and show it again."""
    now = timezone.now()
    form = UndoForm(request.POST)
    if not form.is_valid():
        return _bad_form(request, form, now=now)
    try:
        state = review_undo(user=request.user, review_id=form.cleaned_data["review"], now=now)
    except MemoryState.DoesNotExist as error:
        raise Http404("No such answer of yours.") from error
    except DuplicateAnswer:
        return _current_screen(request, now=now)
    except ReviewRejected as error:
        return _current_screen(request, now=now, error=str(error), status=409)
    return _after_write(
        request,
        now=now,
        learner_settings=settings_or_defaults(request.user),
        notice="Answer undone.",
        prefer_card_id=state.card_id,
    )


def _set_aside(request: HtmxHttpRequest, *, suspend: bool) -> HttpResponse:
    now = timezone.now()
    form = ShownCardForm(request.POST)
    if not form.is_valid():
        return _bad_form(request, form, now=now)
    shown, state = _shown(request, form)
    learner_settings = _settings_of(state)
    try:
        if suspend:
            card_suspend(user=request.user, token=shown)
        else:
            card_bury(user=request.user, token=shown, learner_settings=learner_settings, now=now)
    except StaleAnswer:
        return _current_screen(
            request, now=now, learner_settings=learner_settings, error=STALE_MESSAGE, status=409
        )
    notice = (
        "Card suspended: it will not come up again until it is restored."
        if suspend
        else "Card buried until tomorrow."
    )
    return _after_write(request, now=now, learner_settings=learner_settings, notice=notice)


@require_POST
def review_bury(request: HtmxHttpRequest) -> HttpResponse:
    return _set_aside(request, suspend=False)


@require_POST
def review_suspend(request: HtmxHttpRequest) -> HttpResponse:
    return _set_aside(request, suspend=True)
