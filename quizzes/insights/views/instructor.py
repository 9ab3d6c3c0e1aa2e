"""The instructor dashboard (cohort × topic matrix, card and module tables) and its CSV exports.

Staff only: the insights.view_cohort_statistics permission (the Instructors group), 403 otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import Group
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from quizzes.core.http import HtmxHttpRequest
from quizzes.core.spreadsheets import csv_response
from quizzes.insights.selectors import cohort, items, modules
from quizzes.insights.selectors.figures import WEAK_ACCURACY, WEAK_RECALL
from quizzes.insights.selectors.remembered import forget_cohort_figures

PERMISSION = "insights.view_cohort_statistics"


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
    cards_page = forms.IntegerField(
        min_value=1, required=False, error_messages={"invalid": "The page must be a number."}
    )
    sort = forms.ChoiceField(
        choices=list(items.CARD_ORDERS.items()),
        required=False,
        label="Sort cards by",
        error_messages={"invalid_choice": "The cards cannot be sorted that way."},
    )


def _first_error(form: forms.Form) -> str:
    return next(iter(form.errors.values()))[0]


@permission_required(PERMISSION, raise_exception=True)
@require_GET
def instructor_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    form = CohortFilterForm(request.GET)
    # A history restore (back button after an htmx page turn) needs the whole page.
    fragment = bool(request.htmx) and not request.htmx.history_restore_request
    # The card table's pager and sort swap only that table, so they need not rebuild the matrix.
    cards_only = fragment and request.htmx.target == "card-table"
    if cards_only:
        template = "insights/instructor.html#cards"
    elif fragment:
        template = "insights/instructor.html#tables"
    else:
        template = "insights/instructor.html"
    if not form.is_valid():
        context = {"form": CohortFilterForm(), "error": _first_error(form)}
        return render(request, template, context, status=400)
    data = form.cleaned_data
    cards_order = data["sort"] or next(iter(items.CARD_ORDERS))
    if cards_only:
        cards = items.card_page(
            group=data["group"], page=data["cards_page"] or 1, order=cards_order
        )
        return render(request, template, {"form": form, "cards": cards, "group": data["group"]})
    board = cohort.dashboard(
        now=timezone.now(),
        group=data["group"],
        page=data["page"] or 1,
        cards_page=data["cards_page"] or 1,
        cards_order=cards_order,
    )
    context = {
        "form": form,
        "board": board,
        "cards": board.cards,
        "group": board.group,
        "weak_recall": WEAK_RECALL,
        "weak_accuracy": WEAK_ACCURACY,
    }
    return render(request, template, context)


def _topics_table(group: Group | None) -> tuple[list[str], Iterable[list[object]]]:
    header = [
        "learner",
        "topic",
        "cards_started",
        "cards_total",
        "mastery",
        "first_tries",
        "first_try_accuracy",
        "weak",
    ]
    cells = cohort.learner_topic_cells(now=timezone.now(), group=group)
    rows = (
        [
            learner.get_username(),
            str(topic),
            cell.introduced,
            cell.total,
            cell.mastery,
            cell.first_tries,
            cell.accuracy,
            "yes" if cell.weak else "",
        ]
        for learner, topic, cell in cells
    )
    return header, rows


def _cards_table(group: Group | None) -> tuple[list[str], Iterable[list[object]]]:
    header = [
        "card_id",
        "topic",
        "kind",
        "front",
        "reviews",
        "review_stage_reviews",
        "lapses",
        "lapse_rate",
        "typed_right_overrides",
        "learners",
        "mean_difficulty",
        "leeches",
        "quiz_answers",
        "facility",
        "discrimination",
        "choices_chosen",
    ]
    rows = (
        [
            row.card.pk,
            str(row.card.topic),
            row.card.kind,
            row.card.front,
            row.reviews,
            row.review_stage_reviews,
            row.lapses,
            row.lapse_rate,
            row.overrides,
            row.learners,
            row.mean_difficulty,
            row.leeches,
            row.answers,
            row.facility,
            row.discrimination,
            "; ".join(f"{share.choice.text}={share.chosen}" for share in row.choices),
        ]
        for row in items.card_table(group=group)
    )
    return header, rows


def _modules_table(group: Group | None) -> tuple[list[str], Iterable[list[object]]]:
    header = [
        "module",
        "attempts",
        "learners",
        "mean_score",
        "sd_score",
        "pass_rate",
        "first_attempts",
        "cronbach_alpha",
    ]
    rows = (
        [
            row.module.title,
            row.attempts,
            row.learners,
            row.mean_score,
            row.sd_score,
            row.pass_rate,
            row.first_attempts,
            row.alpha,
        ]
        for row in modules.module_table(group=group)
    )
    return header, rows


# The exported tables: the header and the rows of each, computed as they stream.
EXPORTS = {"topics": _topics_table, "cards": _cards_table, "modules": _modules_table}


@permission_required(PERMISSION, raise_exception=True)
@require_POST
def instructor_recalculate(request: HtmxHttpRequest) -> HttpResponse:
    """Recalculate the cohort-wide figures now instead of when they are a few minutes old, and go
    back to the dashboard (of the group it was showing)."""
    form = CohortFilterForm(request.POST)
    if not form.is_valid():
        return HttpResponse(
            _first_error(form), status=400, content_type="text/plain; charset=utf-8"
        )
    forget_cohort_figures()
    group = form.cleaned_data["group"]
    url = reverse("insights:instructor_dashboard")
    return redirect(f"{url}?group={group.pk}" if group else url)


@permission_required(PERMISSION, raise_exception=True)
@require_GET
def instructor_export(request: HtmxHttpRequest, table: str) -> HttpResponseBase:
    if table not in EXPORTS:
        raise Http404("No such table.")
    form = CohortFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            _first_error(form), status=400, content_type="text/plain; charset=utf-8"
        )
    group = form.cleaned_data["group"]
    suffix = f"-{slugify(group.name)}" if group else ""
    header, rows = EXPORTS[table](group)
    return csv_response(f"bonelearn-{table}{suffix}.csv", header, rows)
