"""Review actions besides answering: undo the last answer, bury or suspend the shown card, and
the learner's suspended cards with a way to restore them. Statuses as in views.review."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from quizzes.core.http import HtmxHttpRequest
from quizzes.review.errors import (
    DuplicateAnswer,
    NotTheLearners,
    ReviewRejected,
    ShownOnAnotherDay,
    StaleAnswer,
)
from quizzes.review.forms import RestoreForm, ShownCardForm, UndoForm
from quizzes.review.selectors.queue import suspended_cards
from quizzes.review.selectors.settings import learner_settings as settings_of
from quizzes.review.services.set_aside import (
    card_bury,
    card_suspend,
    card_unsuspend,
    review_undo,
)
from quizzes.review.views.screen import (
    STALE_MESSAGE,
    after_write,
    bad_form,
    card_label,
    current_screen,
    shown_screen,
    topic_or_404,
    verified_shown,
)

SUSPENDED_TEMPLATE = "review/suspended.html"
SUSPENDED_NOTICE = (
    "Card suspended: it will not come up again until you restore it from your suspended cards."
)


@require_POST
def review_undo_view(request: HtmxHttpRequest) -> HttpResponse:
    """Put back the card as it was before the learner's last answer, show it again and say which
    card it was (the form names the answer it was shown for, so an undo pressed while another
    answer was on its way takes back nothing it did not mean to: it gets a 409 and a message)."""
    now = timezone.now()
    form = UndoForm(request.POST)
    if not form.is_valid():
        return bad_form(request, form, now=now)
    topic = topic_or_404(form.cleaned_data["topic"])
    try:
        state = review_undo(user=request.user, review_id=form.cleaned_data["review"], now=now)
    except NotTheLearners as error:
        raise Http404("No such answer of yours.") from error
    except DuplicateAnswer:
        return current_screen(request, now=now, topic=topic)
    except ReviewRejected as error:
        return current_screen(request, now=now, topic=topic, error=str(error), status=409)
    return after_write(
        request,
        now=now,
        learner_settings=settings_of(request.user),
        topic=topic,
        notice=f"Answer undone: “{card_label(state.card)}” is back on screen.",
        prefer_card_id=state.card_id,
    )


def _set_aside(request: HtmxHttpRequest, *, suspend: bool) -> HttpResponse:
    now = timezone.now()
    shown = verified_shown(
        request, ShownCardForm(request.POST), now=now, check_version=False, with_source=False
    )
    if isinstance(shown, HttpResponse):
        return shown
    set_aside = card_suspend if suspend else card_bury
    try:
        set_aside(
            user=request.user, token=shown.token, learner_settings=shown.learner_settings, now=now
        )
    except ShownOnAnotherDay as error:
        return shown_screen(request, shown, now=now, error=str(error), status=409)
    except StaleAnswer:
        return shown_screen(request, shown, now=now, error=STALE_MESSAGE, status=409)
    notice = SUSPENDED_NOTICE if suspend else "Card buried until tomorrow."
    return after_write(
        request, now=now, learner_settings=shown.learner_settings, topic=shown.topic, notice=notice
    )


@require_POST
def review_bury(request: HtmxHttpRequest) -> HttpResponse:
    return _set_aside(request, suspend=False)


@require_POST
def review_suspend(request: HtmxHttpRequest) -> HttpResponse:
    return _set_aside(request, suspend=True)


def _suspended_page(
    request: HtmxHttpRequest, *, notice: str = "", error: str = "", status: int = 200
) -> HttpResponse:
    template = f"{SUSPENDED_TEMPLATE}#cards" if request.htmx else SUSPENDED_TEMPLATE
    context = {
        "states": list(suspended_cards(user=request.user)),
        "notice": notice,
        "error": error,
    }
    return render(request, template, context, status=status)


@require_GET
def review_suspended(request: HtmxHttpRequest) -> HttpResponse:
    """The learner's suspended cards and leeches, each with a button to restore it."""
    return _suspended_page(request)


@require_POST
def review_restore(request: HtmxHttpRequest) -> HttpResponse:
    """Put one suspended card back into the learner's reviews."""
    form = RestoreForm(request.POST)
    if not form.is_valid():
        message = next(iter(form.errors.values()))[0]
        return _suspended_page(request, error=message, status=400)
    try:
        card_unsuspend(user=request.user, card_id=form.cleaned_data["card"])
    except NotTheLearners as error:
        raise Http404("No such card in your reviews.") from error
    notice = "Card restored: it comes up again in your reviews when it is due."
    if request.htmx:
        return _suspended_page(request, notice=notice)
    messages.success(request, notice)
    return redirect("review:review_suspended")
