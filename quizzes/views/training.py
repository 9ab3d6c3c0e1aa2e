"""Training for learners: my modules, a module's lessons, taking an attempt, the result, the
certificate.

Errors: 404 a module not assigned to the learner or anything of another learner; 403 a closed
module or no attempts left; 400 a malformed or tampered answer; 409 an answer after submit or
after the deadline (the attempt is then graded with what was saved in time). Answers are saved
one question at a time with htmx (the question fragment comes back) or by a plain form post
(redirect back to the question).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from quizzes import answers, grading
from quizzes.http import HtmxHttpRequest, get_own_or_404
from quizzes.models import (
    Attempt,
    AttemptQuestion,
    CardKind,
    Completion,
    FeedbackPolicy,
    TrainingModule,
)
from quizzes.selectors.training import (
    attempt_questions,
    attempts_left,
    completion_of,
    feedback_visible,
    learner_attempts,
    module_closed_reason,
    module_for_learner,
    module_lessons,
    my_training,
)
from quizzes.services.review import settings_or_defaults
from quizzes.services.training import (
    TIME_UP_MESSAGE,
    TrainingRefused,
    answer_save,
    attempt_start,
    attempt_submit,
    is_expired,
)
from quizzes.training_forms import AnswerForm

ATTEMPT_TEMPLATE = "quizzes/attempt.html"


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
    return render(request, "quizzes/training_message.html", context, status=status)


def _own_module(request: HtmxHttpRequest, slug: str) -> TrainingModule:
    module = module_for_learner(user=request.user, slug=slug)
    if module is None:
        raise Http404("This module is not assigned to you.")
    return module


def _own_attempt(request: HtmxHttpRequest, attempt_id: int) -> Attempt:
    return get_own_or_404(
        Attempt.objects.select_related("module"), user=request.user, pk=attempt_id
    )


# --- Presenting questions --------------------------------------------------------------------


def _verdict(question: AttemptQuestion, *, partial_credit: bool) -> Decimal:
    """The question's credit: stored once graded, computed on the fly for immediate feedback."""
    if question.fraction is not None:
        return question.fraction
    card = question.card
    return grading.grade_response(
        kind=card.kind,
        correct_choice_ids=[c.pk for c in card.choices.all() if c.is_correct],
        response=question.response,
        accepted_answers=(
            grading.cloze_accepted(front=card.front, accepted_answers=card.accepted_answers)
            if card.kind == CardKind.CLOZE
            else ()
        ),
        partial_credit=partial_credit,
    )


def question_item(
    question: AttemptQuestion, *, module: TrainingModule, feedback: bool
) -> dict[str, Any]:
    """What the question template needs: choices in the order drawn, the saved answer, and
    (when feedback is allowed) the verdict, right answers and explanation."""
    card = question.card
    by_id = {choice.pk: choice for choice in card.choices.all()}
    picked = set(question.response) if isinstance(question.response, list) else set()
    answered = question.response is not None
    item: dict[str, Any] = {
        "question": question,
        "card": card,
        "choices": [
            {"choice": by_id[pk], "picked": pk in picked}
            for pk in question.choice_order
            if pk in by_id
        ],
        "typed": question.response if isinstance(question.response, str) else "",
        "cloze": (
            answers.cloze_html(card.front, reveal=False) if card.kind == CardKind.CLOZE else None
        ),
        "answered": answered,
        "feedback": feedback,
        "locked": False,
    }
    if feedback:
        fraction = _verdict(question, partial_credit=module.partial_credit)
        item.update(
            fraction=fraction,
            percent=int((fraction * 100).to_integral_value()),
            right=grading.is_fully_right(fraction),
            cloze_answer=(
                answers.cloze_html(card.front, reveal=True) if card.kind == CardKind.CLOZE else None
            ),
        )
    return item


def _attempt_items(attempt: Attempt, *, now: datetime) -> list[dict[str, Any]]:
    module = attempt.module
    immediate = module.feedback_policy == FeedbackPolicy.IMMEDIATE
    items = []
    for question in attempt_questions(attempt=attempt):
        show = immediate and question.answered_at is not None
        item = question_item(question, module=module, feedback=show)
        item["locked"] = show
        items.append(item)
    return items


def _attempt_context(attempt: Attempt, *, now: datetime, items: list | None = None) -> dict:
    items = items if items is not None else _attempt_items(attempt, now=now)
    answered = sum(1 for item in items if item["answered"])
    remaining = None
    if attempt.deadline is not None:
        remaining = max(0, int((attempt.deadline - now).total_seconds() // 60))
    return {
        "attempt": attempt,
        "module": attempt.module,
        "items": items,
        "answered": answered,
        "unanswered": len(items) - answered,
        "minutes_left": remaining,
        "immediate": attempt.module.feedback_policy == FeedbackPolicy.IMMEDIATE,
    }


# --- Pages -----------------------------------------------------------------------------------


@require_GET
def training(request: HtmxHttpRequest) -> HttpResponse:
    rows = my_training(user=request.user, now=timezone.now())
    return render(request, "quizzes/training.html", {"rows": rows})


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
            link=reverse("quizzes:training"),
            link_text="Back to my training",
        )
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
    return render(request, "quizzes/module.html", context)


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
            status=error.status,
            link=module.get_absolute_url(),
            link_text="Back to the module",
        )
    return redirect("quizzes:attempt", attempt_id=attempt.pk)


@require_GET
def attempt_detail(request: HtmxHttpRequest, attempt_id: int) -> HttpResponse:
    now = timezone.now()
    attempt = _own_attempt(request, attempt_id)
    if attempt.submitted_at is None and is_expired(attempt, now=now):
        attempt_submit(attempt=attempt, now=now)
        messages.warning(request, TIME_UP_MESSAGE)
        return redirect("quizzes:attempt_result", attempt_id=attempt.pk)
    if attempt.submitted_at is not None:
        return redirect("quizzes:attempt_result", attempt_id=attempt.pk)
    context = _attempt_context(attempt, now=now)
    # The deadline is shown in the learner's own time zone.
    context["time_zone"] = settings_or_defaults(request.user).time_zone
    return render(request, ATTEMPT_TEMPLATE, context)


def _question_response(
    request: HtmxHttpRequest,
    attempt: Attempt,
    question: AttemptQuestion,
    *,
    now: datetime,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    module = attempt.module
    immediate = module.feedback_policy == FeedbackPolicy.IMMEDIATE
    # Re-read with card and choices so the fragment shows what is stored now.
    question = (
        AttemptQuestion.objects.select_related("card__topic", "card__lesson__topic")
        .prefetch_related("card__choices")
        .get(pk=question.pk)
    )
    show = immediate and question.answered_at is not None
    item = question_item(question, module=module, feedback=show)
    item["locked"] = show
    context = {
        "attempt": attempt,
        "module": module,
        "item": item,
        "error": error,
        "saved": not error,
        "immediate": immediate,
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
    result_url = reverse("quizzes:attempt_result", kwargs={"attempt_id": attempt.pk})
    attempt_url = reverse("quizzes:attempt", kwargs={"attempt_id": attempt.pk})
    if not form.is_valid():
        message = next(iter(form.errors.values()))[0]
        if request.htmx:
            return _question_response(
                request, attempt, question, now=now, error=message, status=400
            )
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
        finished = attempt.submitted_at is not None or error.status == 409
        link, link_text = (
            (result_url, "See your result")
            if finished
            else (f"{attempt_url}#q-{position}", "Back to the question")
        )
        if request.htmx and error.status == 400:
            return _question_response(
                request, attempt, question, now=now, error=str(error), status=400
            )
        return _message_page(
            request,
            title="Answer not saved",
            message=str(error),
            status=error.status,
            link=link,
            link_text=link_text,
        )
    if request.htmx:
        return _question_response(request, attempt, question, now=now)
    messages.success(request, f"Answer to question {position} saved.")
    return redirect(f"{attempt_url}#q-{position}")


@require_POST
def attempt_finish(request: HtmxHttpRequest, attempt_id: int) -> HttpResponse:
    attempt = _own_attempt(request, attempt_id)
    attempt_submit(attempt=attempt, now=timezone.now())
    return redirect("quizzes:attempt_result", attempt_id=attempt.pk)


@require_GET
def attempt_result(request: HtmxHttpRequest, attempt_id: int) -> HttpResponse:
    now = timezone.now()
    attempt = _own_attempt(request, attempt_id)
    if attempt.submitted_at is None:
        return redirect("quizzes:attempt", attempt_id=attempt.pk)
    module = attempt.module
    show = feedback_visible(module=module, attempt=attempt, now=now)
    items = [
        question_item(question, module=module, feedback=show)
        for question in attempt_questions(attempt=attempt)
    ]
    context = {
        "attempt": attempt,
        "module": module,
        "items": items,
        "feedback": show,
        "completion": completion_of(user=request.user, module=module),
        "wrong": sum(1 for item in items if show and not item["right"]),
    }
    return render(request, "quizzes/attempt_result.html", context)


@require_GET
def certificate(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    completion = get_own_or_404(
        Completion.objects.select_related("module", "user"), user=request.user, module__slug=slug
    )
    return render(request, "quizzes/certificate.html", {"completion": completion})
