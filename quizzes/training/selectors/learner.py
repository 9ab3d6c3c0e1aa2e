"""Reads for training: a learner's assigned modules and their status, attempts, and the report.

Status rules, shared by "My training" and the instructors' report, first match wins:
passed (a Completion exists) · overdue (due date passed) · in progress (an attempt is open) ·
failed (submitted attempts, none passed) · not started.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from quizzes.content import answers
from quizzes.content.models import Card, CardKind, CardStatus
from quizzes.review.models import LessonRead
from quizzes.training import grading
from quizzes.training.grading import GRADABLE_KINDS
from quizzes.training.models import (
    Assignment,
    Attempt,
    AttemptQuestion,
    Completion,
    FeedbackPolicy,
    ModuleLesson,
    TrainingModule,
)

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
PASSED = "passed"
FAILED = "failed"
OVERDUE = "overdue"
STATUS_LABELS = {
    NOT_STARTED: "Not started",
    IN_PROGRESS: "In progress",
    PASSED: "Passed",
    FAILED: "Failed",
    OVERDUE: "Overdue",
}


def status_for(
    *,
    passed: bool,
    open_attempt: bool,
    submitted_attempts: int,
    due_at: datetime | None,
    now: datetime,
) -> str:
    """One learner's status in one module (rules in the module docstring)."""
    if passed:
        return PASSED
    if due_at is not None and due_at < now:
        return OVERDUE
    if open_attempt:
        return IN_PROGRESS
    if submitted_attempts:
        return FAILED
    return NOT_STARTED


def module_closed_reason(module: TrainingModule, *, now: datetime) -> str:
    """Why the module cannot be taken right now, or "" when it is open."""
    if not module.is_published:
        return "This module is closed."
    if module.available_from is not None and now < module.available_from:
        return f"This module opens on {module.available_from:%d %b %Y, %H:%M}."
    if module.available_until is not None and now >= module.available_until:
        return f"This module closed on {module.available_until:%d %b %Y, %H:%M}."
    return ""


def module_is_open(module: TrainingModule, *, now: datetime) -> bool:
    return not module_closed_reason(module, now=now)


def feedback_visible(*, module: TrainingModule, attempt: Attempt, now: datetime) -> bool:
    """Whether the result page may show right answers and explanations for this attempt."""
    if attempt.submitted_at is None:
        return False
    if module.feedback_policy == FeedbackPolicy.AFTER_CLOSE:
        return not module_is_open(module, now=now)
    return True


def attempts_left(module: TrainingModule, *, used: int) -> int | None:
    """None means unlimited."""
    if not module.attempts_allowed:
        return None
    return max(0, module.attempts_allowed - used)


def pool_cards(module: TrainingModule) -> QuerySet[Card]:
    """The module's pool as drawn from: published choice and cloze cards only."""
    return module.question_pool.filter(status=CardStatus.PUBLISHED, kind__in=GRADABLE_KINDS)


# --- Assignments -----------------------------------------------------------------------------


def assignments_for(user: Any) -> QuerySet[Assignment]:
    """Assignments to the learner directly or to any of her groups."""
    return Assignment.objects.filter(
        Q(user=user) | Q(group__in=Group.objects.filter(user=user).values("pk"))
    )


def module_for_learner(*, user: Any, slug: str) -> TrainingModule | None:
    """The module with its earliest due date for the learner, or None if not assigned to her."""
    mine = assignments_for(user)
    return (
        TrainingModule.objects.filter(slug=slug, pk__in=mine.values("module"))
        .annotate(
            due_at=Subquery(
                mine.filter(module=OuterRef("pk")).order_by("due_at").values("due_at")[:1]
            )
        )
        .first()
    )


@dataclass
class TrainingRow:
    module: TrainingModule
    due_at: datetime | None
    status: str
    score: Decimal | None
    completed_at: datetime | None
    attempts_used: int
    attempts_left: int | None
    open_attempt_id: int | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def _count(queryset: QuerySet) -> Coalesce:
    rows = queryset.values("module").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def my_training(*, user: Any, now: datetime) -> list[TrainingRow]:
    """The learner's published assigned modules, most urgent first: unfinished ones by due date
    (so overdue come first), passed ones last (one query)."""
    mine = assignments_for(user)
    attempts = Attempt.objects.filter(user=user, module=OuterRef("pk"))
    completion = Completion.objects.filter(user=user, module=OuterRef("pk"))
    modules = TrainingModule.objects.filter(
        is_published=True, pk__in=mine.values("module")
    ).annotate(
        due_at=Subquery(mine.filter(module=OuterRef("pk")).order_by("due_at").values("due_at")[:1]),
        completion_score=Subquery(completion.values("score")[:1]),
        completed_at=Subquery(completion.values("completed_at")[:1]),
        attempts_used=_count(attempts),
        attempts_submitted=_count(attempts.filter(submitted_at__isnull=False)),
        best_score=Subquery(
            attempts.filter(submitted_at__isnull=False).order_by("-score").values("score")[:1]
        ),
        open_attempt_id=Subquery(attempts.filter(submitted_at__isnull=True).values("pk")[:1]),
    )
    rows = []
    for module in modules:
        passed = module.completion_score is not None
        rows.append(
            TrainingRow(
                module=module,
                due_at=module.due_at,
                status=status_for(
                    passed=passed,
                    open_attempt=module.open_attempt_id is not None,
                    submitted_attempts=module.attempts_submitted,
                    due_at=module.due_at,
                    now=now,
                ),
                score=module.completion_score if passed else module.best_score,
                completed_at=module.completed_at,
                attempts_used=module.attempts_used,
                attempts_left=attempts_left(module, used=module.attempts_used),
                open_attempt_id=module.open_attempt_id,
            )
        )
    far = datetime.max.replace(tzinfo=now.tzinfo)
    rows.sort(key=lambda row: (row.status == PASSED, row.due_at or far, row.module.title))
    return rows


# --- Module page and attempts ----------------------------------------------------------------


def module_lessons(*, user: Any, module: TrainingModule) -> QuerySet[ModuleLesson]:
    """The module's lessons in order, each with `is_read` for the learner (one query)."""
    return (
        ModuleLesson.objects.filter(module=module)
        .select_related("lesson__topic")
        .annotate(is_read=Exists(LessonRead.objects.filter(user=user, lesson=OuterRef("lesson"))))
        .order_by("position", "id")
    )


def lessons_unread(*, user: Any, module: TrainingModule) -> list[str]:
    """Titles of the module's lessons the learner has not read yet, in module order (one query)."""
    return list(
        ModuleLesson.objects.filter(module=module)
        .exclude(Exists(LessonRead.objects.filter(user=user, lesson=OuterRef("lesson"))))
        .order_by("position", "id")
        .values_list("lesson__title", flat=True)
    )


def has_open_assignments(*, user: Any) -> bool:
    """Whether the learner has a published assigned module not passed yet (one query)."""
    return (
        assignments_for(user)
        .filter(module__is_published=True)
        .exclude(module__completions__user=user)
        .exists()
    )


def learner_attempts(*, user: Any, module: TrainingModule) -> QuerySet[Attempt]:
    return Attempt.objects.filter(user=user, module=module).order_by("number")


def completion_of(*, user: Any, module: TrainingModule) -> Completion | None:
    return (
        Completion.objects.filter(user=user, module=module)
        .select_related("module", "user", "attempt")
        .first()
    )


def attempt_questions(
    *, attempt: Attempt, positions: list[int] | None = None
) -> list[AttemptQuestion]:
    """The attempt's questions (those at `positions`, if given) in order with their cards and
    choices (two queries)."""
    questions = AttemptQuestion.objects.filter(attempt=attempt)
    if positions is not None:
        questions = questions.filter(position__in=positions)
    return list(
        questions.select_related("card__topic", "card__lesson__topic")
        .prefetch_related("card__choices")
        .order_by("position")
    )


def question_item(
    question: AttemptQuestion, *, module: TrainingModule, feedback: bool
) -> dict[str, Any]:
    """What the question templates need: choices in the order drawn, the saved answer, whether
    the card changed since it was drawn, and (when feedback is allowed) the verdict, right
    answers and explanation. Credit comes from grading.grade_question, as on submit; once
    graded, the stored credit is shown."""
    card = question.card
    grade = grading.grade_question(question, partial_credit=module.partial_credit)
    by_id = {choice.pk: choice for choice in card.choices.all()}
    picked = set(question.response) if isinstance(question.response, list) else set()
    cloze = card.kind == CardKind.CLOZE and not grade.changed
    item: dict[str, Any] = {
        "question": question,
        "card": card,
        "choices": [
            {"choice": by_id[pk], "picked": pk in picked}
            for pk in question.choice_order
            if pk in by_id
        ],
        "typed": question.response if isinstance(question.response, str) else "",
        "cloze": answers.cloze_html(card.front, reveal=False) if cloze else None,
        "answered": question.response is not None,
        "changed": grade.changed,
        "changed_note": grading.CHANGED_NOTE if grade.changed else "",
        "feedback": feedback,
        "locked": False,
    }
    if feedback:
        fraction = question.fraction if question.fraction is not None else grade.fraction
        item.update(
            fraction=fraction,
            percent=int((fraction * 100).to_integral_value()),
            right=grading.is_fully_right(fraction),
            cloze_answer=answers.cloze_html(card.front, reveal=True) if cloze else None,
        )
    return item


def open_question_item(question: AttemptQuestion, *, module: TrainingModule) -> dict[str, Any]:
    """A question of an open attempt: with immediate feedback an answered question shows its
    verdict and is locked; a question whose card changed can no longer be answered."""
    show = module.feedback_policy == FeedbackPolicy.IMMEDIATE and question.checked_at is not None
    item = question_item(question, module=module, feedback=show)
    item["locked"] = show or item["changed"]
    return item


def open_attempt_items(*, attempt: Attempt) -> list[dict[str, Any]]:
    """Every question of the open attempt, as the attempt page shows it (two queries)."""
    return [
        open_question_item(question, module=attempt.module)
        for question in attempt_questions(attempt=attempt)
    ]


def result_items(*, attempt: Attempt, feedback: bool) -> list[dict[str, Any]]:
    """Every question of the submitted attempt for the result page (two queries)."""
    return [
        question_item(question, module=attempt.module, feedback=feedback)
        for question in attempt_questions(attempt=attempt)
    ]
