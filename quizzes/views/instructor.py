"""The instructor dashboard (cohort × topic matrix, card and module tables) and its CSV exports.

Staff only: the quizzes.view_cohort_statistics permission (the Instructors group), 403 otherwise.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django import forms
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from quizzes.http import HtmxHttpRequest
from quizzes.selectors import analytics

PERMISSION = "quizzes.view_cohort_statistics"
EXPORTS = ("topics", "cards", "modules")


class CohortFilterForm(forms.Form):
    group = forms.ModelChoiceField(
        queryset=Group.objects.order_by("name"),
        required=False,
        empty_label="All learners",
        label="Group",
        error_messages={"invalid_choice": "There is no such group."},
    )
    page = forms.IntegerField(
        min_value=1, required=False, error_messages={"invalid": "The page must be a number."}
    )


def _require_permission(request: HtmxHttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied("Only instructors can see the cohort's statistics.")


def _first_error(form: forms.Form) -> str:
    return next(iter(form.errors.values()))[0]


@require_GET
def instructor_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    _require_permission(request)
    form = CohortFilterForm(request.GET)
    template = "quizzes/instructor.html#tables" if request.htmx else "quizzes/instructor.html"
    if not form.is_valid():
        context = {"form": CohortFilterForm(), "error": _first_error(form)}
        return render(request, template, context, status=400)
    board = analytics.dashboard(
        now=timezone.now(),
        group=form.cleaned_data["group"],
        page=form.cleaned_data["page"] or 1,
    )
    return render(request, template, {"form": form, "board": board})


def _cell(value: object) -> object:
    # A spreadsheet runs a cell that starts with = + - @ as a formula; authored text must not.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _rows(table: str, group: Group | None) -> Iterable[list[object]]:
    if table == "topics":
        yield ["learner", "topic", "cards_started", "mastery", "first_tries", "first_try_accuracy"]
        for learner, topic, cell in analytics.learner_topic_cells(now=timezone.now(), group=group):
            yield [
                learner.get_username(),
                str(topic),
                cell.introduced,
                cell.mastery,
                cell.first_tries,
                cell.accuracy,
            ]
    elif table == "cards":
        yield [
            "card_id",
            "topic",
            "kind",
            "front",
            "reviews",
            "review_stage_reviews",
            "lapses",
            "lapse_rate",
            "learners",
            "mean_difficulty",
            "leeches",
            "quiz_answers",
            "facility",
            "discrimination",
            "choices_chosen",
        ]
        for row in analytics.card_table(group=group):
            choices = "; ".join(f"{share.choice.text}={share.chosen}" for share in row.choices)
            yield [
                row.card.pk,
                str(row.card.topic),
                row.card.kind,
                row.card.front,
                row.reviews,
                row.review_stage_reviews,
                row.lapses,
                row.lapse_rate,
                row.learners,
                row.mean_difficulty,
                row.leeches,
                row.answers,
                row.facility,
                row.discrimination,
                choices,
            ]
    else:
        yield [
            "module",
            "attempts",
            "learners",
            "mean_score",
            "sd_score",
            "pass_rate",
            "first_attempts",
            "cronbach_alpha",
        ]
        for row in analytics.module_table(group=group):
            yield [
                row.module.title,
                row.attempts,
                row.learners,
                row.mean_score,
                row.sd_score,
                row.pass_rate,
                row.first_attempts,
                row.alpha,
            ]


@require_GET
def instructor_export(request: HtmxHttpRequest, table: str) -> HttpResponse:
    _require_permission(request)
    if table not in EXPORTS:
        raise Http404("No such table.")
    form = CohortFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            _first_error(form), status=400, content_type="text/plain; charset=utf-8"
        )
    group = form.cleaned_data["group"]
    suffix = f"-{slugify(group.name)}" if group else ""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bonelearn-{table}{suffix}.csv"'
    writer = csv.writer(response)
    for row in _rows(table, group):
        writer.writerow([_cell(value) for value in row])
    return response
