"""The daily review screen: show a card, reveal or check the answer, grade it.

Every POST works as a plain form (full page, redirect after a write) and with htmx (the review
screen fragment is swapped in); statuses as in quizzes.review.views.screen. Undo, bury, suspend
and the suspended-cards page are in quizzes.review.views.actions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from quizzes.core.http import HtmxHttpRequest
from quizzes.review.errors import (
    CardWithdrawn,
    DuplicateAnswer,
    GradeRefused,
    LimitReached,
    NothingPicked,
    ShownOnAnotherDay,
    StaleAnswer,
)
from quizzes.review.forms import CheckAnswerForm, GradeForm, ReviewQueryForm, ShownCardForm
from quizzes.review.models import CheckedAnswer
from quizzes.review.selectors.settings import learner_settings as settings_of
from quizzes.review.services.checking import answer_check, answer_override, answer_reveal
from quizzes.review.services.recording import LEECH_MESSAGE, review_record
from quizzes.review.views.screen import (
    STALE_MESSAGE,
    Shown,
    after_write,
    answer_context,
    bad_form,
    queue_context,
    render_screen,
    shown_screen,
    topic_or_404,
    verified_shown,
)


@require_GET
def review(request: HtmxHttpRequest) -> HttpResponse:
    now = timezone.now()
    query = ReviewQueryForm(request.GET)
    if not query.is_valid():
        return bad_form(request, query, now=now)
    context = queue_context(
        request,
        now=now,
        learner_settings=settings_of(request.user),
        topic=topic_or_404(query.cleaned_data["topic"]),
        prefer_card_id=query.cleaned_data["card"],
    )
    return render_screen(request, context)


def _back_of_card(
    request: HtmxHttpRequest,
    shown: Shown,
    *,
    now: datetime,
    check: Callable[[], CheckedAnswer | None],
) -> HttpResponse:
    """The back of the card after `check` (which stores or reads the showing's check), or the
    same showing again with the reason it was refused."""
    try:
        checked = check()
    except (NothingPicked, GradeRefused) as refusal:
        return shown_screen(request, shown, now=now, error=str(refusal), status=400, keep=True)
    except ShownOnAnotherDay as error:
        return shown_screen(request, shown, now=now, error=str(error), status=409)
    return render_screen(request, answer_context(request, shown, now=now, checked=checked))


@require_POST
def review_reveal(request: HtmxHttpRequest) -> HttpResponse:
    """Show the back of a card. A choice or cloze card revealed before it was checked counts as
    not known (graded Again); one checked before keeps its verdict."""
    now = timezone.now()
    shown = verified_shown(request, ShownCardForm(request.POST), now=now)
    if isinstance(shown, HttpResponse):
        return shown
    return _back_of_card(
        request,
        shown,
        now=now,
        check=lambda: answer_reveal(
            user=request.user,
            card=shown.state.card,
            shown=shown.token,
            now=now,
            learning_day=shown.learner_settings.learning_day,
        ),
    )


@require_POST
def review_check(request: HtmxHttpRequest) -> HttpResponse:
    """Check a choice or cloze answer and show the feedback with the grades it allows; the first
    check of a showing is final (checking again shows the same verdict)."""
    now = timezone.now()
    shown = verified_shown(request, ShownCardForm(request.POST), now=now)
    if isinstance(shown, HttpResponse):
        return shown
    card = shown.state.card
    # Read once, for the check here and the back of the card it shows.
    prefetch_related_objects([card], "choices")
    choices = [(choice.pk, choice.is_correct) for choice in card.choices.all()]
    form = CheckAnswerForm(request.POST, choice_ids=[pk for pk, _ in choices])
    if not form.is_valid():
        return bad_form(request, form, now=now)
    return _back_of_card(
        request,
        shown,
        now=now,
        check=lambda: answer_check(
            user=request.user,
            card=card,
            shown=shown.token,
            choices=choices,
            picked=frozenset(form.cleaned_data["choice"]),
            typed=form.cleaned_data["typed"],
            now=now,
            learning_day=shown.learner_settings.learning_day,
        ),
    )


@require_POST
def review_override(request: HtmxHttpRequest) -> HttpResponse:
    """ "I typed it right": count a typed answer checked wrong as right, and offer the grades of a
    right answer."""
    now = timezone.now()
    shown = verified_shown(request, ShownCardForm(request.POST), now=now)
    if isinstance(shown, HttpResponse):
        return shown
    return _back_of_card(
        request,
        shown,
        now=now,
        check=lambda: answer_override(
            shown=shown.token, now=now, learning_day=shown.learner_settings.learning_day
        ),
    )


@require_POST
def review_answer(request: HtmxHttpRequest) -> HttpResponse:
    """Record the grade exactly once and move on to the next card."""
    now = timezone.now()
    shown = verified_shown(
        request, GradeForm(request.POST), now=now, check_version=False, with_source=False
    )
    if isinstance(shown, HttpResponse):
        return shown
    try:
        outcome = review_record(
            user=request.user,
            card=shown.state.card,
            rating=shown.form.cleaned_data["rating"],
            now=now,
            shown=shown.token,
            learner_settings=shown.learner_settings,
            state=shown.state,
        )
    except DuplicateAnswer:
        return shown_screen(request, shown, now=now)
    except GradeRefused as refusal:
        return shown_screen(request, shown, now=now, error=str(refusal), status=400)
    except (LimitReached, ShownOnAnotherDay, CardWithdrawn) as refusal:
        return shown_screen(request, shown, now=now, error=str(refusal), status=409)
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
