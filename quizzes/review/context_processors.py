"""What every page's navigation needs from the review app: "Study now" with today's count, and
whether the browser should report the learner's time zone (first visit)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from django.http import HttpRequest
from django.utils import timezone

from quizzes.review.selectors.queue import study_now_count
from quizzes.review.selectors.settings import learner_settings


class StudyNow:
    """The number on "Study now": the review screen's cards left today, read when a template
    first shows it (one aggregate query; a page that already ran the queue passes its number)."""

    def __init__(self, count: Callable[[], int]) -> None:
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count()


def review(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        return study_now_count(
            user=user, now=timezone.now(), learner_settings=learner_settings(user)
        )

    return {
        "study_now": StudyNow(count),
        "detect_time_zone": lambda: not learner_settings(user).time_zone_set,
    }
