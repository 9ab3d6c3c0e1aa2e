"""Training pages around the quiz: where a learner lands after log-in, My training, a module and
its lessons read within the module, and an attempt's result."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from quizzes.core.http import HtmxHttpRequest
from quizzes.review.services.reading import lesson_read
from quizzes.training.selectors.learner import (
    attempts_left,
    completion_of,
    feedback_visible,
    has_open_assignments,
    learner_attempts,
    lessons_unread,
    module_closed_reason,
    module_lessons,
    my_training,
    result_items,
)
from quizzes.training.selectors.module_lessons import lesson_in_module
from quizzes.training.services.attempts import attempts_expire
from quizzes.training.services.mistakes import mistakes_release
from quizzes.training.views import message_page, own_attempt, own_module


@require_GET
def after_login(request: HtmxHttpRequest) -> HttpResponse:
    """Where log-in leads (LOGIN_REDIRECT_URL): My training while the learner has modules to
    pass, otherwise the topics."""
    if has_open_assignments(user=request.user):
        return redirect("training:training")
    return redirect("review:home")


def _catch_up(request: HtmxHttpRequest, *, now, module=None) -> None:
    # An attempt whose time ran out is graded now, so its status is its result, not "in
    # progress"; mistakes whose feedback became visible go to review.
    attempts_expire(user=request.user, now=now, module=module)
    mistakes_release(user=request.user, now=now)


@require_GET
def training(request: HtmxHttpRequest) -> HttpResponse:
    now = timezone.now()
    _catch_up(request, now=now)
    rows = my_training(user=request.user, now=now)
    return render(request, "training/training.html", {"rows": rows})


@require_GET
def module_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    module = own_module(request, slug)
    if not module.is_published:
        return message_page(
            request,
            title=module.title,
            message="This module is closed.",
            status=403,
            link=reverse("training:training"),
            link_text="Back to my training",
        )
    _catch_up(request, now=now, module=module)
    attempts = list(learner_attempts(user=request.user, module=module))
    open_attempt = next((a for a in attempts if a.submitted_at is None), None)
    left = attempts_left(module, used=len(attempts))
    closed = module_closed_reason(module, now=now)
    unread = lessons_unread(user=request.user, module=module) if module.lessons_required else []
    lessons = list(module_lessons(user=request.user, module=module))
    context = {
        "module": module,
        "lessons": lessons,
        "first_unread": next((item.lesson for item in lessons if not item.is_read), None),
        "unread": unread,
        "attempts": [a for a in attempts if a.submitted_at is not None],
        "open_attempt": open_attempt,
        "attempts_left": left,
        "closed": closed,
        "completion": completion_of(user=request.user, module=module),
        "can_start": not closed and open_attempt is None and (left is None or left > 0),
        "now": now,
    }
    return render(request, "training/module.html", context)


@require_GET
def module_lesson(request: HtmxHttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    """A lesson of the module, read within it (breadcrumb, next lesson, back to the module, start
    the quiz); opening it records it as read, as the module's start button requires."""
    module = own_module(request, slug)
    place = lesson_in_module(module=module, lesson_id=lesson_id)
    if place is None or not module.is_published:
        raise Http404("This lesson is not part of the module.")
    lesson_read(user=request.user, lesson=place.lesson, now=timezone.now())
    unread = lessons_unread(user=request.user, module=module) if module.lessons_required else []
    return render(
        request, "training/module_lesson.html", {"module": module, "place": place, "unread": unread}
    )


@require_GET
def attempt_result(request: HtmxHttpRequest, attempt_id: int) -> HttpResponse:
    now = timezone.now()
    attempt = own_attempt(request, attempt_id)
    if attempt.submitted_at is None:
        return redirect("training:attempt", attempt_id=attempt.pk)
    mistakes_release(user=request.user, now=now)
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
        "mistakes_in_review": show and attempt.score is not None and attempt.score < 100,
    }
    return render(request, "training/attempt_result.html", context)
