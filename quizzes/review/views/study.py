"""The learner's study pages: the topics with today's counts, and a topic's lessons."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from quizzes.content.selectors import topic_neighbours, topics_with_lessons
from quizzes.core.http import HtmxHttpRequest
from quizzes.review.selectors.settings import learner_settings as settings_of
from quizzes.review.selectors.study import topics_for_home
from quizzes.review.services.reading import topic_open


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    topics = topics_for_home(
        user=request.user,
        now=timezone.now(),
        learn_ahead=settings_of(request.user).learn_ahead,
    )
    return render(request, "review/home.html", {"topics": topics})


@require_GET
def topic_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(topics_with_lessons(), slug=slug)
    # Reading a topic unlocks its cards for review: a GET that writes, deliberately, as opening a
    # page in Moodle completes it; topic_open is idempotent and reads once when nothing is new.
    unlocked = topic_open(user=request.user, topic=topic, now=timezone.now())
    previous_topic, next_topic = topic_neighbours(topic)
    context = {
        "topic": topic,
        "lessons": topic.lessons.all(),
        "unlocked": unlocked,
        "previous_topic": previous_topic,
        "next_topic": next_topic,
    }
    return render(request, "review/topic.html", context)
