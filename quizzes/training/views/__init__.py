"""Training for learners: my modules, a module's lessons, taking an attempt, the result, the
certificate and its public verification (pages, attempts, certificates).

Services raise the domain exceptions of quizzes.training.errors; REFUSAL_STATUS is how each one
reaches the browser: 404 a module not assigned to the learner (and anything of another learner);
403 a closed module, no attempts left or lessons still to read; 400 a malformed or tampered answer;
409 an answer after submit (unless it is what was submitted), after the deadline or after the
module closed (the attempt is then graded with what was saved in time; htmx requests are sent on
to the result page with HX-Redirect), a second answer to a checked question, or an answer to a
question whose card changed.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from quizzes.core.http import HtmxHttpRequest, get_own_or_404
from quizzes.training.errors import (
    AlreadyAnswered,
    AttemptFinished,
    CertificateRevoked,
    InvalidAnswer,
    LessonsUnread,
    ModuleClosed,
    NoAttemptsLeft,
    NotAssigned,
    QuestionChanged,
    TimeUp,
    TrainingRefused,
)
from quizzes.training.models import Attempt, TrainingModule
from quizzes.training.selectors.learner import module_for_learner

REFUSAL_STATUS = {
    NotAssigned: 404,
    ModuleClosed: 403,
    NoAttemptsLeft: 403,
    LessonsUnread: 403,
    AttemptFinished: 409,
    TimeUp: 409,
    AlreadyAnswered: 409,
    QuestionChanged: 409,
    CertificateRevoked: 409,
    InvalidAnswer: 400,
}


def refusal_status(error: TrainingRefused) -> int:
    return REFUSAL_STATUS.get(type(error), 400)


def message_page(
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


def own_module(request: HtmxHttpRequest, slug: str) -> TrainingModule:
    module = module_for_learner(user=request.user, slug=slug)
    if module is None:
        raise Http404("This module is not assigned to you.")
    return module


def own_attempt(request: HtmxHttpRequest, attempt_id: int) -> Attempt:
    return get_own_or_404(
        Attempt.objects.select_related("module"), user=request.user, pk=attempt_id
    )
