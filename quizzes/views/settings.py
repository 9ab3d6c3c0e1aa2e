"""The learner's review settings: retention targets, daily limits, time zone and day start."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from quizzes.forms import LearnerSettingsForm
from quizzes.http import HtmxHttpRequest
from quizzes.services.review import settings_or_defaults


@require_http_methods(["GET", "POST"])
def learner_settings(request: HtmxHttpRequest) -> HttpResponse:
    instance = settings_or_defaults(request.user)
    if request.method == "POST":
        form = LearnerSettingsForm(request.POST, instance=instance)
        if form.is_valid():
            form.save()
            messages.success(request, "Settings saved. They apply from your next answer.")
            return redirect("quizzes:settings")
        return render(request, "quizzes/settings.html", {"form": form}, status=400)
    form = LearnerSettingsForm(instance=instance)
    return render(request, "quizzes/settings.html", {"form": form})
