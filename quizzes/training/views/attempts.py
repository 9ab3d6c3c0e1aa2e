"""Taking an attempt: its pages (every answer on a page travels with each move), one answer saved
as the learner goes (htmx), flags, the summary before submitting, the submit and the result.

Without JavaScript the attempt page is one plain form: Save, Check, Flag, Previous/Next, the
question panel and "Finish attempt…" are its submit buttons, and each saves every answer on the
page first. With htmx an answer is saved when it changes and a flag toggles in place.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from quizzes.core.http import HtmxHttpRequest
from quizzes.review.selectors.settings import learner_settings
from quizzes.training.errors import AttemptFinished, TimeUp, TrainingRefused
from quizzes.training.forms import AttemptPageForm, given_answers
from quizzes.training.models import Attempt, AttemptQuestion
from quizzes.training.selectors.attempt_page import (
    attempt_page,
    attempt_summary,
    is_immediate,
    page_of,
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


def attempt_url(attempt: Attempt, *, page: int = 1, position: int | None = None) -> str:
    url = reverse("training:attempt", kwargs={"attempt_id": attempt.pk})
    if page > 1:
        url += f"?page={page}"
    return url + (f"#q-{position}" if position else "")


def result_url(attempt: Attempt) -> str:
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
        return redirect(result_url(attempt))
    if attempt.submitted_at is not None:
        return redirect(result_url(attempt))
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
        return attempt_url(attempt, page=int(go[5:]))
    if go.startswith("question-"):
        position = int(go[9:])
        return attempt_url(
            attempt, page=page_of(position=position, per_page=per_page), position=position
        )
    flagged = form.flag_request()
    position = (
        (flagged[0] if flagged else None)
        or form.cleaned_data.get("save")
        or form.cleaned_data.get("check")
    )
    return attempt_url(attempt, page=page, position=position)


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
            link=attempt_url(attempt),
            link_text="Back to the attempt",
        )
    try:
        problems = _apply_page(attempt, form, request, now=now)
    except (AttemptFinished, TimeUp) as error:
        messages.warning(request, str(error))
        return redirect(result_url(attempt))
    if problems:
        for position, problem in sorted(problems.items()):
            messages.error(request, f"Question {position}: {problem}")
        first = min(problems)
        per_page = attempt.module.questions_per_page
        return redirect(
            attempt_url(attempt, page=page_of(position=first, per_page=per_page), position=first)
        )
    return redirect(_page_target(attempt, form, page=form.cleaned_data.get("page") or 1))


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
    return redirect(result_url(attempt))
