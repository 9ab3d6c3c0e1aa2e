"""Taking an attempt: its pages (every answer on a page travels with each move), one answer saved
as the learner goes (htmx), flags, the summary before submitting, the submit and the result.

Without JavaScript the attempt page is one plain form: Save, Check, Flag, Previous/Next, the
question panel and "Finish attempt…" are its submit buttons, and each saves every answer on the
page first. With htmx an answer is saved when it changes and a flag toggles in place.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from quizzes.core.http import HtmxHttpRequest
from quizzes.review.selectors.settings import learner_settings
from quizzes.training.errors import AttemptFinished, TimeUp, TrainingRefused
from quizzes.training.forms import AnswerForm, AttemptPageForm, FlagForm, given_answers
from quizzes.training.models import Attempt, AttemptQuestion
from quizzes.training.selectors.attempt_page import (
    attempt_page,
    attempt_summary,
    is_immediate,
    page_of,
    question_panel,
)
from quizzes.training.selectors.learner import (
    open_question_item,
)
from quizzes.training.services.attempts import (
    AUTO_SUBMIT_GRACE,
    answer_save,
    answers_save,
    attempt_start,
    attempt_submit,
    closes_at,
    is_expired,
    question_flag,
    time_up_message,
)
from quizzes.training.views import message_page, own_attempt, own_module, refusal_status

ATTEMPT_TEMPLATE = "training/attempt.html"
TIMER_MESSAGE = "Time is up: your attempt was submitted automatically with your answers."


def _attempt_url(attempt: Attempt, *, page: int = 1, position: int | None = None) -> str:
    url = reverse("training:attempt", kwargs={"attempt_id": attempt.pk})
    if page > 1:
        url += f"?page={page}"
    return url + (f"#q-{position}" if position else "")


def _result_url(attempt: Attempt) -> str:
    return reverse("training:attempt_result", kwargs={"attempt_id": attempt.pk})


def _timer(request: HtmxHttpRequest, attempt: Attempt, *, now: datetime) -> dict[str, Any]:
    """What the live timer needs: the server's deadline and clock (milliseconds since the epoch:
    the page corrects for its own clock's error), and the deadline in the learner's zone."""
    end = closes_at(attempt)
    if end is None:
        return {"ends_at": None}
    return {
        "ends_at": end,
        "deadline_ms": int(end.timestamp() * 1000),
        "server_now_ms": int(now.timestamp() * 1000),
        "minutes_left": max(0, int((end - now).total_seconds() // 60)),
        "time_zone": learner_settings(request.user).learning_day.time_zone,
    }


def _closed_redirect(request: HtmxHttpRequest, attempt: Attempt, *, now: datetime):
    """The result page when the attempt is over (graded now if its time ran out), else None."""
    if attempt.submitted_at is None and is_expired(attempt, now=now):
        attempt_submit(attempt=attempt, now=now)
        messages.warning(request, time_up_message(attempt, now=now))
        return redirect(_result_url(attempt))
    if attempt.submitted_at is not None:
        return redirect(_result_url(attempt))
    return None


@require_POST
def attempt_begin(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    module = own_module(request, slug)
    try:
        attempt = attempt_start(user=request.user, module=module, now=timezone.now())
    except TrainingRefused as error:
        return message_page(
            request,
            title=module.title,
            message=str(error),
            status=refusal_status(error),
            link=module.get_absolute_url(),
            link_text="Back to the module",
        )
    return redirect("training:attempt", attempt_id=attempt.pk)


@require_GET
def attempt_detail(request: HtmxHttpRequest, attempt_id: int) -> HttpResponse:
    now = timezone.now()
    attempt = own_attempt(request, attempt_id)
    closed = _closed_redirect(request, attempt, now=now)
    if closed is not None:
        return closed
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    shown = attempt_page(attempt=attempt, page=page)
    context = {
        "attempt": attempt,
        "module": attempt.module,
        "shown": shown,
        "immediate": is_immediate(attempt),
        **_timer(request, attempt, now=now),
    }
    return render(request, ATTEMPT_TEMPLATE, context)


def _page_target(attempt: Attempt, form: AttemptPageForm, *, page: int) -> str:
    """Where a page's submit button leads once its answers are saved."""
    per_page = attempt.module.questions_per_page
    go = form.cleaned_data.get("go") or ""
    if go == "summary":
        return reverse("training:attempt_summary", kwargs={"attempt_id": attempt.pk})
    if go.startswith("page-"):
        return _attempt_url(attempt, page=int(go[5:]))
    if go.startswith("question-"):
        position = int(go[9:])
        return _attempt_url(
            attempt, page=page_of(position=position, per_page=per_page), position=position
        )
    flagged = form.flag_request()
    position = (
        (flagged[0] if flagged else None)
        or form.cleaned_data.get("save")
        or form.cleaned_data.get("check")
    )
    return _attempt_url(attempt, page=page, position=position)


def _apply_page(
    attempt: Attempt, form: AttemptPageForm, request: HtmxHttpRequest, *, now: datetime
) -> dict[int, str]:
    """Save the page's answers, then its flag or check; the problems by position. Raises
    AttemptFinished or TimeUp when the attempt is over."""
    questions = list(
        AttemptQuestion.objects.filter(attempt=attempt)
        .select_related("card")
        .prefetch_related("card__choices")
    )
    given, problems = given_answers(request.POST, questions=questions)
    by_position = {question.position: question for question in questions}
    problems.update(answers_save(attempt=attempt, given=given, now=now))
    flagged = form.flag_request()
    if flagged and flagged[0] in by_position:
        question_flag(attempt=attempt, position=flagged[0], flagged=flagged[1])
    check = form.cleaned_data.get("check")
    answer = next((a for a in given if a.position == check), None)
    if check in by_position and answer is not None and check not in problems:
        try:
            answer_save(
                attempt=attempt,
                question=by_position[check],
                choice_ids=answer.choice_ids,
                typed=answer.typed,
                now=now,
                check=True,
            )
        except (AttemptFinished, TimeUp):
            raise
        except TrainingRefused as error:
            problems[check] = str(error)
    return problems


@require_POST
def attempt_save(request: HtmxHttpRequest, attempt_id: int) -> HttpResponse:
    """A page of the attempt posted as a whole: save its answers, apply a flag or a check, then
    go where the pressed button leads (another page, a question, the summary)."""
    now = timezone.now()
    attempt = own_attempt(request, attempt_id)
    form = AttemptPageForm(request.POST)
    if not form.is_valid():
        return message_page(
            request,
            title="Not saved",
            message=next(iter(form.errors.values()))[0],
            status=400,
            link=_attempt_url(attempt),
            link_text="Back to the attempt",
        )
    try:
        problems = _apply_page(attempt, form, request, now=now)
    except (AttemptFinished, TimeUp) as error:
        messages.warning(request, str(error))
        return redirect(_result_url(attempt))
    if problems:
        for position, problem in sorted(problems.items()):
            messages.error(request, f"Question {position}: {problem}")
        first = min(problems)
        per_page = attempt.module.questions_per_page
        return redirect(
            _attempt_url(attempt, page=page_of(position=first, per_page=per_page), position=first)
        )
    return redirect(_page_target(attempt, form, page=form.cleaned_data.get("page") or 1))


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
    back = _attempt_url(
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
        finished = isinstance(error, AttemptFinished | TimeUp)
        if request.htmx and finished:
            # The attempt is over: the whole page moves on to the result, where the message
            # waits, instead of a page being swapped into one question's box.
            messages.warning(request, str(error))
            response = HttpResponseClientRedirect(_result_url(attempt))
            response.status_code = refusal_status(error)
            return response
        if request.htmx:
            return _question_response(
                request, attempt, question, error=str(error), status=refusal_status(error)
            )
        link, link_text = (
            (_result_url(attempt), "See your result")
            if finished
            else (back, "Back to the question")
        )
        return message_page(
            request,
            title="Answer not saved",
            message=str(error),
            status=refusal_status(error),
            link=link,
            link_text=link_text,
        )
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
    back = _attempt_url(
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
            return HttpResponseClientRedirect(_result_url(attempt))
        return message_page(
            request,
            title="Not flagged",
            message=str(error),
            status=refusal_status(error),
            link=_result_url(attempt),
            link_text="See your result",
        )
    if not request.htmx:
        return redirect(back)
    entry = _panel_entry(attempt, position)
    context = {"attempt": attempt, "question": question, "entry": entry, "oob": True}
    return render(request, f"{ATTEMPT_TEMPLATE}#flag_swap", context)


@require_GET
def attempt_summary_page(request: HtmxHttpRequest, attempt_id: int) -> HttpResponse:
    now = timezone.now()
    attempt = own_attempt(request, attempt_id)
    closed = _closed_redirect(request, attempt, now=now)
    if closed is not None:
        return closed
    timer = _timer(request, attempt, now=now)
    summary = attempt_summary(attempt=attempt, ends_at=timer["ends_at"])
    context = {"attempt": attempt, "module": attempt.module, "summary": summary, **timer}
    return render(request, "training/attempt_summary.html", context)


@require_POST
def attempt_finish(request: HtmxHttpRequest, attempt_id: int) -> HttpResponse:
    """Submit the attempt; the answers the page carries (the timer submits the attempt page
    itself at zero) are saved with the submission, in one transaction."""
    now = timezone.now()
    attempt = own_attempt(request, attempt_id)
    questions = list(
        AttemptQuestion.objects.filter(attempt=attempt)
        .select_related("card")
        .prefetch_related("card__choices")
    )
    given, _ = given_answers(request.POST, questions=questions)
    late = attempt.submitted_at is None and is_expired(attempt, now=now)
    by_timer = request.POST.get("timer") == "1"
    attempt_submit(
        attempt=attempt,
        now=now,
        given=given,
        grace=AUTO_SUBMIT_GRACE if by_timer else timedelta(0),
    )
    if late and by_timer and now - closes_at(attempt) <= AUTO_SUBMIT_GRACE:
        messages.warning(request, TIMER_MESSAGE)
    elif late:
        messages.warning(request, time_up_message(attempt, now=now))
    return redirect(_result_url(attempt))
