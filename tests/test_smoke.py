import pytest
from django.urls import reverse

from .factories import LessonFactory


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("quizzes:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_topic_page_renders_lesson_and_unlocks(student_client):
    lesson = LessonFactory(body="| A | B |\n|---|---|\n| 1 | 2 |")
    response = student_client.get(lesson.topic.get_absolute_url())
    assert response.status_code == 200
    assert b"<table>" in response.content
