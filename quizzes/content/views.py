"""Content pages: an article's contents, topic by topic."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from quizzes.content.models import Article
from quizzes.core.http import HtmxHttpRequest


@require_GET
def article_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    return render(
        request, "content/article.html", {"article": article, "topics": article.topics.all()}
    )
