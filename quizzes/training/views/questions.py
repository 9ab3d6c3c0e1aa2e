"""One question of an open attempt: its answer saved as the learner goes, and its flag."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from quizzes.core.http import HtmxHttpRequest
from quizzes.training.errors import AttemptFinished, TimeUp, TrainingRefused
from quizzes.training.forms import AnswerForm, FlagForm
from quizzes.training.models import Attempt, AttemptQuestion
from quizzes.training.selectors.attempt_page import (
    is_immediate,
    page_of,
    question_panel,
)
from quizzes.training.selectors.learner import (
    open_question_item,
)
from quizzes.training.services.attempts import (
    answer_save,
    question_flag,
)
from quizzes.training.views import message_page, own_attempt, refusal_status
from quizzes.training.views.attempts import ATTEMPT_TEMPLATE, attempt_url, result_url


def _panel_entry(attempt: Attempt, position: int):
    """The question's panel entry after a swap (its question is on the page being shown)."""
    entry = next(e for e in question_panel(attempt=attempt) if e.position == position)
    return replace(entry, current=True)


def _question_response(
    request: HtmxHttpRequest,
    attempt: Attempt,
    question: AttemptQuestion,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The htmx answer to one question: its status line (or, once checked, the whole question
    with its feedback), and its entry in the question panel, swapped out of band."""
    question = (
        AttemptQuestion.objects.select_related("card__topic", "card__lesson__topic")
        .prefetch_related("card__choices")
        .get(pk=question.pk)
    )
    module = attempt.module
    item = open_question_item(question, module=module)
    entry = _panel_entry(attempt, question.position)
    context = {
        "attempt": attempt,
        "module": module,
        "item": item,
        "entry": entry,
        "error": error,
        "saved": not error,
        "immediate": is_immediate(attempt),
        "oob": True,
    }
    partial = "question_swap" if item["locked"] else "status_swap"
    return render(request, f"{ATTEMPT_TEMPLATE}#{partial}", context, status=status)


def _answer_refused(
    request: HtmxHttpRequest,
    attempt: Attempt,
    question: AttemptQuestion,
    error: TrainingRefused,
    *,
    back: str,
) -> HttpResponse:
    """The refusal of one answer: the question's box with its message, or, once the attempt is
    over, the whole page moved on to the result, where the message waits."""
    finished = isinstance(error, AttemptFinished | TimeUp)
    if request.htmx and finished:
        messages.warning(request, str(error))
        response = HttpResponseClientRedirect(result_url(attempt))
        response.status_code = refusal_status(error)
        return response
    if request.htmx:
        return _question_response(
            request, attempt, question, error=str(error), status=refusal_status(error)
        )
    link, link_text = (
        (result_url(attempt), "See your result") if finished else (back, "Back to the question")
    )
    return message_page(
        request,
        title="Answer not saved",
        message=str(error),
        status=refusal_status(error),
        link=link,
        link_text=link_text,
    )


@require_POST
def attempt_answer(request: HtmxHttpRequest, attempt_id: int, position: int) -> HttpResponse:
    """One answer saved as the learner goes (htmx on change, or Save/Check answer)."""
    now = timezone.now()
    attempt = own_attempt(request, attempt_id)
    question = get_object_or_404(
        AttemptQuestion.objects.select_related("card").prefetch_related("card__choices"),
        attempt=attempt,
        position=position,
    )
    form = AnswerForm(request.POST, question=question)
    back = attempt_url(
        attempt,
        page=page_of(position=position, per_page=attempt.module.questions_per_page),
        position=position,
    )
    if not form.is_valid():
        if request.htmx:
            return _question_response(
                request, attempt, question, error=form.first_error(), status=400
            )
        return message_page(
            request,
            title="Answer not saved",
            message=form.first_error(),
            status=400,
            link=back,
            link_text="Back to the question",
        )
    try:
        answer_save(
            attempt=attempt,
            question=question,
            choice_ids=form.cleaned_data["choice"],
            typed=form.cleaned_data["typed"],
            now=now,
            check=str(position) == request.POST.get("check", ""),
        )
    except TrainingRefused as error:
        return _answer_refused(request, attempt, question, error, back=back)
    if request.htmx:
        return _question_response(request, attempt, question)
    messages.success(request, f"Answer to question {position} saved.")
    return redirect(back)


@require_POST
def attempt_flag(request: HtmxHttpRequest, attempt_id: int, position: int) -> HttpResponse:
    """Flag a question for review or remove the flag (htmx: the button and panel entry swap)."""
    attempt = own_attempt(request, attempt_id)
    question = get_object_or_404(AttemptQuestion, attempt=attempt, position=position)
    form = FlagForm(request.POST)
    back = attempt_url(
        attempt,
        page=page_of(position=position, per_page=attempt.module.questions_per_page),
        position=position,
    )
    if not form.is_valid():
        return message_page(
            request,
            title="Not flagged",
            message=next(iter(form.errors.values()))[0],
            status=400,
            link=back,
            link_text="Back to the question",
        )
    try:
        question = question_flag(attempt=attempt, position=position, flagged=form.flagged())
    except TrainingRefused as error:
        if request.htmx:
            messages.warning(request, str(error))
            return HttpResponseClientRedirect(result_url(attempt))
        return message_page(
            request,
            title="Not flagged",
            message=str(error),
            status=refusal_status(error),
            link=result_url(attempt),
            link_text="See your result",
        )
    if not request.htmx:
        return redirect(back)
    entry = _panel_entry(attempt, position)
    context = {"attempt": attempt, "question": question, "entry": entry, "oob": True}
    return render(request, f"{ATTEMPT_TEMPLATE}#flag_swap", context)
