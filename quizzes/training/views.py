"""Training for learners: my modules, a module's lessons, taking an attempt, the result, the
certificate.

Errors: 404 a module not assigned to the learner or anything of another learner; 403 a closed
module or no attempts left; 400 a malformed or tampered answer; 409 an answer after submit, after
the deadline or after the module closed (the attempt is then graded with what was saved in time;
htmx requests are sent on to the result page with HX-Redirect), a second answer when feedback
follows each question, or an answer to a question whose card changed. Answers are saved one
question at a time with htmx (the question fragment comes back) or by a plain form post (redirect
back to the question).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from quizzes.core.http import HtmxHttpRequest, get_own_or_404
from quizzes.review.selectors.settings import learner_settings
from quizzes.training.errors import (
    AlreadyAnswered,
    AttemptFinished,
    InvalidAnswer,
    ModuleClosed,
    NoAttemptsLeft,
    NotAssigned,
    QuestionChanged,
    TimeUp,
    TrainingRefused,
)
from quizzes.training.forms import AnswerForm
from quizzes.training.models import (
    Attempt,
    AttemptQuestion,
    Completion,
    FeedbackPolicy,
    TrainingModule,
)
from quizzes.training.selectors.learner import (
    attempts_left,
    completion_of,
    feedback_visible,
    learner_attempts,
    module_closed_reason,
    module_for_learner,
    module_lessons,
    my_training,
    open_attempt_items,
    open_question_item,
    result_items,
)
from quizzes.training.services.attempts import (
    answer_save,
    attempt_start,
    attempt_submit,
    attempts_expire,
    closes_at,
    is_expired,
    time_up_message,
)

ATTEMPT_TEMPLATE = "training/attempt.html"
# How each refusal reaches the browser.
REFUSAL_STATUS = {
    NotAssigned: 404,
    ModuleClosed: 403,
    NoAttemptsLeft: 403,
    AttemptFinished: 409,
    TimeUp: 409,
    AlreadyAnswered: 409,
    QuestionChanged: 409,
    InvalidAnswer: 400,
}


def refusal_status(error: TrainingRefused) -> int:
    return REFUSAL_STATUS.get(type(error), 400)


def _message_page(
    request: HtmxHttpRequest,
    *,
    message: str,
    status: int,
    title: str,
    link: str = "",
    link_text: str = "",
) -> HttpResponse:
    context = {"title": title, "message": message, "link": link, "link_text": link_text}
    return render(request, "training/training_message.html", context, status=status)


def _own_module(request: HtmxHttpRequest, slug: str) -> TrainingModule:
    module = module_for_learner(user=request.user, slug=slug)
    if module is None:
        raise Http404("This module is not assigned to you.")
    return module


def _own_attempt(request: HtmxHttpRequest, attempt_id: int) -> Attempt:
    return get_own_or_404(
        Attempt.objects.select_related("module"), user=request.user, pk=attempt_id
    )


# --- Pages -----------------------------------------------------------------------------------


@require_GET
def training(request: HtmxHttpRequest) -> HttpResponse:
    now = timezone.now()
    # An attempt whose time ran out is graded now, so its status is its result, not "in progress".
    attempts_expire(user=request.user, now=now)
    rows = my_training(user=request.user, now=now)
    return render(request, "training/training.html", {"rows": rows})


@require_GET
def module_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    module = _own_module(request, slug)
    if not module.is_published:
        return _message_page(
            request,
            title=module.title,
            message="This module is closed.",
            status=403,
            link=reverse("training:training"),
            link_text="Back to my training",
        )
    attempts_expire(user=request.user, now=now, module=module)
    attempts = list(learner_attempts(user=request.user, module=module))
    open_attempt = next((a for a in attempts if a.submitted_at is None), None)
    left = attempts_left(module, used=len(attempts))
    closed = module_closed_reason(module, now=now)
    context = {
        "module": module,
        "lessons": module_lessons(user=request.user, module=module),
        "attempts": [a for a in attempts if a.submitted_at is not None],
        "open_attempt": open_attempt,
        "attempts_left": left,
        "closed": closed,
        "completion": completion_of(user=request.user, module=module),
        "can_start": not closed and open_attempt is None and (left is None or left > 0),
        "now": now,
    }
    return render(request, "training/module.html", context)


@require_POST
def attempt_begin(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    module = _own_module(request, slug)
    try:
        attempt = attempt_start(user=request.user, module=module, now=timezone.now())
    except TrainingRefused as error:
        return _message_page(
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
    attempt = _own_attempt(request, attempt_id)
    if attempt.submitted_at is None and is_expired(attempt, now=now):
        attempt_submit(attempt=attempt, now=now)
        messages.warning(request, time_up_message(attempt, now=now))
        return redirect("training:attempt_result", attempt_id=attempt.pk)
    if attempt.submitted_at is not None:
        return redirect("training:attempt_result", attempt_id=attempt.pk)
    items = open_attempt_items(attempt=attempt)
    answered = sum(1 for item in items if item["answered"])
    end = closes_at(attempt)
    context = {
        "attempt": attempt,
        "module": attempt.module,
        "items": items,
        "answered": answered,
        "unanswered": len(items) - answered,
        "ends_at": end,
        "minutes_left": (
            max(0, int((end - now).total_seconds() // 60)) if end is not None else None
        ),
        "immediate": attempt.module.feedback_policy == FeedbackPolicy.IMMEDIATE,
        # The deadline is shown in the learner's own time zone.
        "time_zone": learner_settings(request.user).learning_day.time_zone,
    }
    return render(request, ATTEMPT_TEMPLATE, context)


def _question_response(
    request: HtmxHttpRequest,
    attempt: Attempt,
    question: AttemptQuestion,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    # Re-read with card and choices so the fragment shows what is stored now.
    question = (
        AttemptQuestion.objects.select_related("card__topic", "card__lesson__topic")
        .prefetch_related("card__choices")
        .get(pk=question.pk)
    )
    module = attempt.module
    context = {
        "attempt": attempt,
        "module": module,
        "item": open_question_item(question, module=module),
        "error": error,
        "saved": not error,
        "immediate": module.feedback_policy == FeedbackPolicy.IMMEDIATE,
    }
    return render(request, f"{ATTEMPT_TEMPLATE}#question", context, status=status)


@require_POST
def attempt_answer(request: HtmxHttpRequest, attempt_id: int, position: int) -> HttpResponse:
    now = timezone.now()
    attempt = _own_attempt(request, attempt_id)
    question = get_object_or_404(
        AttemptQuestion.objects.select_related("card"), attempt=attempt, position=position
    )
    form = AnswerForm(request.POST, question=question)
    result_url = reverse("training:attempt_result", kwargs={"attempt_id": attempt.pk})
    attempt_url = reverse("training:attempt", kwargs={"attempt_id": attempt.pk})
    if not form.is_valid():
        message = next(iter(form.errors.values()))[0]
        if request.htmx:
            return _question_response(request, attempt, question, error=message, status=400)
        return _message_page(
            request,
            title="Answer not saved",
            message=message,
            status=400,
            link=f"{attempt_url}#q-{position}",
            link_text="Back to the question",
        )
    try:
        answer_save(
            attempt=attempt,
            question=question,
            choice_ids=form.cleaned_data["choice"],
            typed=form.cleaned_data["typed"],
            now=now,
        )
    except TrainingRefused as error:
        finished = isinstance(error, AttemptFinished | TimeUp)
        if request.htmx and finished:
            # The attempt is over: the whole page moves on to the result, where the message
            # waits, instead of a page being swapped into one question's box.
            messages.warning(request, str(error))
            response = HttpResponseClientRedirect(result_url)
            response.status_code = refusal_status(error)
            return response
        if request.htmx:
            return _question_response(
                request, attempt, question, error=str(error), status=refusal_status(error)
            )
        link, link_text = (
            (result_url, "See your result")
            if finished
            else (f"{attempt_url}#q-{position}", "Back to the question")
        )
        return _message_page(
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
    return redirect(f"{attempt_url}#q-{position}")


@require_POST
def attempt_finish(request: HtmxHttpRequest, attempt_id: int) -> HttpResponse:
    attempt = _own_attempt(request, attempt_id)
    attempt_submit(attempt=attempt, now=timezone.now())
    return redirect("training:attempt_result", attempt_id=attempt.pk)


@require_GET
def attempt_result(request: HtmxHttpRequest, attempt_id: int) -> HttpResponse:
    now = timezone.now()
    attempt = _own_attempt(request, attempt_id)
    if attempt.submitted_at is None:
        return redirect("training:attempt", attempt_id=attempt.pk)
    module = attempt.module
    show = feedback_visible(module=module, attempt=attempt, now=now)
    items = result_items(attempt=attempt, feedback=show)
    context = {
        "attempt": attempt,
        "module": module,
        "items": items,
        "changed": [item for item in items if item["changed"]],
        "feedback": show,
        "completion": completion_of(user=request.user, module=module),
    }
    return render(request, "training/attempt_result.html", context)


@require_GET
def certificate(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    completion = get_own_or_404(
        Completion.objects.select_related("module", "user"), user=request.user, module__slug=slug
    )
    return render(request, "training/certificate.html", {"completion": completion})
