"""The instructors' completion report: every assigned learner per module with status, score and
date (the statuses are those of quizzes.training.selectors.learner.status_for)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db.models import Count, Max, Q

from quizzes.training.models import Assignment, Attempt, Completion, TrainingModule
from quizzes.training.selectors.learner import NOT_STARTED, STATUS_LABELS, status_for


@dataclass
class ReportRow:
    module_id: int
    module_title: str
    learner_id: int
    username: str
    name: str
    groups: list[str] = field(default_factory=list)
    due_at: datetime | None = None
    status: str = NOT_STARTED
    score: Decimal | None = None
    completed_at: datetime | None = None
    attempts: int = 0
    best_score: Decimal | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def group_label(self) -> str:
        return ", ".join(self.groups) or "Assigned directly"


@dataclass
class Report:
    rows: list[ReportRow]
    counts: dict[str, int]


def _assigned_rows(
    *, module: TrainingModule | None, group: Group | None
) -> dict[tuple[int, int], ReportRow]:
    """One row per (module, learner) assigned directly or through a group (1 query). With a
    group, its members' rows: every assignment of theirs counts (the earliest due date), so a
    learner's status is the same as on her My training page."""
    assignments = Assignment.objects.all()
    if module is not None:
        assignments = assignments.filter(module=module)
    if group is not None:
        # One filter() call: the join to the groups' users it makes is the one values() reads
        # below, so a group assignment yields rows for the chosen group's members only.
        members = group.user_set.values("pk")
        assignments = assignments.filter(Q(user__in=members) | Q(group__user__in=members))
    assigned = assignments.values(
        "module_id",
        "module__title",
        "due_at",
        "group__name",
        "user_id",
        "user__username",
        "user__first_name",
        "user__last_name",
        "group__user__id",
        "group__user__username",
        "group__user__first_name",
        "group__user__last_name",
    ).order_by("module__title", "due_at")
    rows: dict[tuple[int, int], ReportRow] = {}
    for item in assigned:
        prefix = "user__" if item["user_id"] else "group__user__"
        learner_id = item["user_id"] or item["group__user__id"]
        if learner_id is None:
            continue  # a group with nobody in it yet
        key = (item["module_id"], learner_id)
        row = rows.get(key)
        if row is None:
            name = f"{item[prefix + 'first_name']} {item[prefix + 'last_name']}".strip()
            row = rows[key] = ReportRow(
                module_id=item["module_id"],
                module_title=item["module__title"],
                learner_id=learner_id,
                username=item[prefix + "username"],
                name=name,
                due_at=item["due_at"],
            )
        elif item["due_at"] < row.due_at:
            row.due_at = item["due_at"]
        if item["group__name"] and item["group__name"] not in row.groups:
            row.groups.append(item["group__name"])
    return rows


def completion_report(
    *, now: datetime, module: TrainingModule | None = None, group: Group | None = None
) -> Report:
    """Every assigned learner per module with status, score and date (three queries at any size).

    A learner assigned both directly and through groups appears once per module, with the
    earliest due date. The group filter keeps the group's members.
    """
    rows = _assigned_rows(module=module, group=group)
    module_ids = {module_id for module_id, _ in rows}
    attempts = {
        (item["module_id"], item["user_id"]): item
        for item in Attempt.objects.filter(module_id__in=module_ids)
        .values("module_id", "user_id")
        .annotate(
            n=Count("pk"),
            open=Count("pk", filter=Q(submitted_at__isnull=True)),
            best=Max("score", filter=Q(submitted_at__isnull=False)),
        )
        .order_by()
    }
    completions = {
        (item["module_id"], item["user_id"]): item
        for item in Completion.objects.filter(module_id__in=module_ids).values(
            "module_id", "user_id", "score", "completed_at"
        )
    }
    counts = dict.fromkeys(STATUS_LABELS, 0)
    for key, row in rows.items():
        tried = attempts.get(key)
        done = completions.get(key)
        row.attempts = tried["n"] if tried else 0
        row.best_score = tried["best"] if tried else None
        if done:
            row.score = done["score"]
            row.completed_at = done["completed_at"]
        row.status = status_for(
            passed=done is not None,
            open_attempt=bool(tried and tried["open"]),
            submitted_attempts=(tried["n"] - tried["open"]) if tried else 0,
            due_at=row.due_at,
            now=now,
        )
        counts[row.status] += 1
    ordered = sorted(rows.values(), key=lambda r: (r.module_title, r.group_label, r.username))
    return Report(rows=ordered, counts=counts)
