from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from quizzes.http import HtmxHttpRequest
from quizzes.models import Article
from quizzes.selectors.lessons import topic_neighbours, topics_for_home, topics_with_lessons
from quizzes.services.lessons import topic_open


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    topics = topics_for_home(user=request.user, now=timezone.now())
    return render(request, "quizzes/home.html", {"topics": topics})


@require_GET
def topic_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(topics_with_lessons(), slug=slug)
    # Reading a topic unlocks its cards for review; a GET that writes is deliberate and idempotent.
    unlocked = topic_open(user=request.user, topic=topic, now=timezone.now())
    previous_topic, next_topic = topic_neighbours(topic)
    context = {
        "topic": topic,
        "lessons": topic.lessons.all(),
        "unlocked": unlocked,
        "previous_topic": previous_topic,
        "next_topic": next_topic,
    }
    return render(request, "quizzes/topic.html", context)


@require_GET
def article_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    return render(
        request, "quizzes/article.html", {"article": article, "topics": article.topics.all()}
    )
