"""The learner's /progress/ page: own figures only, charts with text alternatives, fixed queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest.mock import patch

import pytest
from django.urls import reverse

from quizzes.review.models import MemoryStage
from tests.factories import (
    CardFactory,
    LessonFactory,
    MemoryStateFactory,
    TopicFactory,
    log_review,
)

NOW = datetime(2025, 1, 10, 15, 0, tzinfo=UTC)
URL = "/progress/"

pytestmark = pytest.mark.django_db


def remember(user, card, *, stability: float, days_ago: float):
    last = NOW - timedelta(days=days_ago)
    return MemoryStateFactory(
        user=user,
        card=card,
        stage=MemoryStage.REVIEW,
        stability=stability,
        difficulty=5.0,
        last_review=last,
        due=last + timedelta(days=stability),
        unlocked_at=last,
    )


def get(client, **extra):
    with patch("django.utils.timezone.now", return_value=NOW):
        return client.get(URL, **extra)


def test_url_name():
    assert reverse("insights:progress") == URL


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_page_shows_topics_charts_and_links(student_client, student):
    topic = TopicFactory(title="Hypercalcaemia")
    card = CardFactory(lesson=LessonFactory(topic=topic))
    remember(student, card, stability=1.0, days_ago=20)  # long forgotten: a weak topic
    log_review(user=student, card=card, rating=1, at=NOW - timedelta(hours=2))
    response = get(student_client)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Hypercalcaemia" in content
    assert 'class="weak"' in content
    assert f'href="/review/?topic={topic.slug}"' in content
    assert topic.get_absolute_url() in content
    # Three inline SVG charts, each labelled and with its numbers as a table.
    assert content.count("<svg") == 3
    assert content.count('role="img"') == 3
    assert '<title id="due-forecast-title">' in content
    assert '<desc id="review-heatmap-desc">' in content
    assert content.count("as a table</summary>") == 3
    assert '<script src="http' not in content  # no chart CDN
    assert 'href="/progress/" aria-current="page"' in content
    # Mastery is computed with the default parameters for everyone; the page says so, and says
    # what mastery means in one sentence.
    assert "Mastery uses the default memory-model parameters" in content
    assert "predicted to still recall 30 days from now" in content
    assert "Days start at 4:00 in UTC" in content


def test_learner_sees_only_their_own_figures(student_client, other_student):
    topic = TopicFactory(title="Spinal cord compression")
    card = CardFactory(lesson=LessonFactory(topic=topic))
    remember(other_student, card, stability=50.0, days_ago=1)
    for day in range(5):
        log_review(user=other_student, card=card, rating=3, at=NOW - timedelta(days=day))
    page = get(student_client).context["page"]
    (row,) = [r for r in page.topics if r.topic == topic]
    assert (row.introduced, row.total, row.mastery, row.first_tries) == (0, 1, 0.0, 0)
    assert (page.streak, page.reviews_today) == (0, 0)


def test_query_string_cannot_select_another_learner(student_client, other_student):
    card = CardFactory()
    log_review(user=other_student, card=card, rating=3, at=NOW - timedelta(hours=1))
    response = get(student_client, data={"user": other_student.pk, "user_id": other_student.pk})
    assert response.status_code == 200
    assert response.context["page"].reviews_today == 0


def test_post_is_not_allowed(student_client):
    assert student_client.post(URL).status_code == 405


def test_dashboard_link_only_for_instructors(student_client, client, instructor):
    assert "/instructor/" not in get(student_client).content.decode()
    client.force_login(instructor)
    assert 'href="/instructor/"' in get(client).content.decode()


def _grow(user, topics: int, reviews_per_card: int):
    for _ in range(topics):
        topic = TopicFactory()
        for _ in range(2):
            card = CardFactory(lesson=LessonFactory(topic=topic))
            remember(user, card, stability=3.0, days_ago=2)
            for day in range(reviews_per_card):
                log_review(user=user, card=card, rating=3, at=NOW - timedelta(days=day, hours=3))


def test_query_count_is_the_same_at_two_data_sizes(
    student_client, student, django_assert_max_num_queries
):
    _grow(student, 1, 1)
    with django_assert_max_num_queries(12) as small:
        get(student_client)
    _grow(student, 8, 12)
    with django_assert_max_num_queries(12) as large:
        response = get(student_client)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert response.context["page"].streak == 12
