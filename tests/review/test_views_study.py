"""The reading pages: login, the topic list, a topic's lessons and the article page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from quizzes.content.models import CardStatus
from quizzes.content.selectors import TopicLink, topic_neighbours
from quizzes.review.models import LessonRead, MemoryState
from tests.factories import ArticleFactory, CardFactory, LessonFactory, TopicFactory


@pytest.mark.django_db
def test_login_page_is_public_and_labelled(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'<label for="id_username">' in response.content
    assert b'<label for="id_password">' in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["review:home"])
def test_pages_need_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_topic_and_article_pages_need_login(client):
    lesson = LessonFactory()
    for url in [
        lesson.topic.get_absolute_url(),
        reverse("content:article", args=[lesson.topic.article.slug]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url


def test_login_with_right_password_reaches_topics(client, student):
    response = client.post(
        reverse("login"), {"username": student.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    # Log-in leads through training's landing rule: with no training to do, to the topics.
    assert response["Location"] == reverse("training:after_login")
    assert client.get(response["Location"])["Location"] == reverse("review:home")


def test_home_lists_topics_in_article_order(student_client):
    article = ArticleFactory(title="Bone metastases")
    TopicFactory(article=article, title="Second topic", position=2)
    TopicFactory(article=article, title="First topic", position=1)
    content = student_client.get(reverse("review:home")).content.decode()
    assert content.index("First topic") < content.index("Second topic")


def test_home_query_count_does_not_grow_with_topics(student_client, django_assert_max_num_queries):
    article = ArticleFactory()
    for position in range(3):
        CardFactory(lesson=LessonFactory(topic=TopicFactory(article=article, position=position)))
    with django_assert_max_num_queries(8) as small:
        student_client.get(reverse("review:home"))
    for position in range(3, 30):
        CardFactory(lesson=LessonFactory(topic=TopicFactory(article=article, position=position)))
    with django_assert_max_num_queries(len(small.captured_queries)):
        student_client.get(reverse("review:home"))


def test_topic_page_renders_tables_and_unlocks_published_cards_once(student_client, student):
    lesson = LessonFactory(body="| Type | Lesion |\n|---|---|\n| Prostate | Osteoblastic |")
    CardFactory(lesson=lesson)
    CardFactory(lesson=lesson, status=CardStatus.DRAFT)
    url = lesson.topic.get_absolute_url()

    first = student_client.get(url)
    assert first.status_code == 200
    assert b"<th>Type</th>" in first.content and b"<td>Osteoblastic</td>" in first.content
    assert b"1 new card unlocked" in first.content
    student_client.get(url)

    assert (
        MemoryState.objects.filter(user=student).count() == 1
    )  # drafts stay locked; no duplicates
    assert LessonRead.objects.filter(user=student, lesson=lesson).count() == 1


def test_topic_page_links_to_its_neighbours_and_its_review(student_client):
    article = ArticleFactory()
    first, middle, last = (TopicFactory(article=article, position=i) for i in range(3))
    CardFactory(lesson=LessonFactory(topic=middle))
    html = student_client.get(middle.get_absolute_url()).content.decode()
    assert f'rel="prev" href="{first.get_absolute_url()}"' in html
    assert f'rel="next" href="{last.get_absolute_url()}"' in html
    assert f'href="{reverse("review:review")}?topic={middle.slug}">Review this topic now' in html


def test_topic_neighbours_in_one_query(db, django_assert_num_queries):
    article = ArticleFactory()
    first, middle, last = (TopicFactory(article=article, position=i) for i in range(3))
    TopicFactory()  # another article's topic is nobody's neighbour here
    with django_assert_num_queries(1):
        assert topic_neighbours(middle) == (
            TopicLink(slug=first.slug, title=first.title),
            TopicLink(slug=last.slug, title=last.title),
        )
    assert topic_neighbours(first)[0] is None and topic_neighbours(last)[1] is None


def test_unknown_topic_is_404(student_client):
    assert student_client.get(reverse("review:topic", args=["no-such-topic"])).status_code == 404


def test_article_page_shows_faq_and_references(student_client):
    article = ArticleFactory(
        faq=[{"question": "What are bone metastases?", "answer": "Cancer cells in bone."}],
        references=["Someone (2020). A paper. https://example.org/paper"],
    )
    TopicFactory(article=article)
    content = student_client.get(reverse("content:article", args=[article.slug])).content.decode()
    assert "What are bone metastases?" in content
    assert 'href="https://example.org/paper"' in content


@pytest.mark.django_db
def test_healthz_is_public_and_cheap(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("core:healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"


def test_reading_a_topic_again_writes_nothing_and_costs_two_reads(student, db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from quizzes.review.services.reading import topic_open

    card = CardFactory()
    LessonFactory(topic=card.topic)
    assert topic_open(user=student, topic=card.topic, now=timezone.now()) == 1
    with CaptureQueriesContext(connection) as again:
        assert topic_open(user=student, topic=card.topic, now=timezone.now()) == 0
    statements = [query["sql"].split()[0].upper() for query in again.captured_queries]
    assert statements.count("SELECT") == 2
    assert not {"INSERT", "UPDATE", "DELETE"} & set(statements)
