"""The learner's review settings: retention targets, daily limits, time zone and day start."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from quizzes.core.http import HtmxHttpRequest
from quizzes.review.forms import LearnerSettingsForm
from quizzes.review.models import LearnerSettings
from quizzes.review.selectors.settings import learner_settings as settings_of
from quizzes.review.services.settings import settings_save


@require_http_methods(["GET", "POST"])
def learner_settings(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "POST":
        # Every field is required, so the stored row is not read: settings_save writes them all.
        form = LearnerSettingsForm(request.POST, instance=LearnerSettings(user=request.user))
        if form.is_valid():
            # Not form.save(): two first-time saves at once would both insert the one-to-one row.
            settings_save(user=request.user, values=form.cleaned_data)
            messages.success(request, "Settings saved. They apply from your next answer.")
            return redirect("review:settings")
        return render(request, "review/settings.html", {"form": form}, status=400)
    form = LearnerSettingsForm(instance=settings_of(request.user))
    return render(request, "review/settings.html", {"form": form})
