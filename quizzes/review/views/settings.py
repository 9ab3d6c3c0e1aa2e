"""The learner's review settings: retention targets, daily limits, time zone, day start and learn
ahead; and the time zone the browser reports on the learner's first visit."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from quizzes.core.http import HtmxHttpRequest
from quizzes.review.forms import DetectedTimeZoneForm, LearnerSettingsForm
from quizzes.review.models import LearnerSettings
from quizzes.review.selectors.settings import learner_settings as settings_of
from quizzes.review.services.settings import settings_save, time_zone_detected


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
    current = settings_of(request.user)
    form = LearnerSettingsForm(instance=current)
    return render(request, "review/settings.html", {"form": form, "current": current})


@require_POST
def time_zone_detect(request: HtmxHttpRequest) -> HttpResponse:
    """The browser's time zone (Intl.DateTimeFormat), posted once by static/quizzes/js/
    time-zone.js while the learner has none: taken if the learner never chose one (204), a zone
    this site does not know is refused (400, one line)."""
    form = DetectedTimeZoneForm(request.POST)
    if not form.is_valid():
        message = next(iter(form.errors.values()))[0]
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    time_zone_detected(user=request.user, time_zone=form.cleaned_data["time_zone"])
    return HttpResponse(status=204)
