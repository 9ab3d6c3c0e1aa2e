"""The learner's own progress page: figures per topic, overall figures and charts."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from quizzes.core.http import HtmxHttpRequest
from quizzes.insights import charts
from quizzes.insights.selectors.figures import WEAK_ACCURACY, WEAK_RECALL
from quizzes.insights.selectors.progress import learner_progress


@require_GET
def progress(request: HtmxHttpRequest) -> HttpResponse:
    # Only ever the signed-in learner's own figures: the selector takes no learner from the URL.
    page = learner_progress(user=request.user, now=timezone.now())
    context = {
        "page": page,
        "forecast_chart": charts.due_forecast(page.forecast),
        "heatmap_chart": charts.review_heatmap(page.review_days, today=page.clock.today),
        "mastery_chart": charts.mastery_bars(
            [(str(row.topic), row.mastery, row.weak) for row in page.topics]
        ),
        "weak_recall": WEAK_RECALL,
        "weak_accuracy": WEAK_ACCURACY,
    }
    return render(request, "insights/progress.html", context)
