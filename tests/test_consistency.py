"""The same learner's numbers agree on every page that shows them.

One learner holds cards in every state a page could miscount: new, learning and review cards due
now, a review card due later, and due cards that must not count because they are buried, suspended,
archived or unpublished. The home page, the review screen, /progress/ and the instructor dashboard
must report the same counts (each from the one definition in quizzes/review/models.py).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from unittest.mock import patch

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes.content.models import CardStatus
from quizzes.review.models import LearnerSettings, MemoryStage, MemoryState
from tests.factories import CardFactory, LessonFactory, TopicFactory, UserFactory, log_review

pytestmark = pytest.mark.django_db


def remember(learner, topic, *, stage, due=None, status=CardStatus.PUBLISHED, **fields):
    now = timezone.now()
    started = stage != MemoryStage.NEW
    return MemoryState.objects.create(
        user=learner,
        card=CardFactory(lesson=LessonFactory(topic=topic), status=status),
        stage=stage,
        step=0 if stage in (MemoryStage.LEARNING, MemoryStage.RELEARNING) else None,
        stability=4.0 if started else None,
        difficulty=5.0 if started else None,
        last_review=now - timedelta(days=3) if started else None,
        due=due,
        unlocked_at=now - timedelta(days=10),
        reps=1 if started else 0,
        **fields,
    )


@pytest.fixture
def learner_with_every_kind_of_card():
    learner = UserFactory(username="consistent")
    LearnerSettings.objects.create(user=learner, new_cards_per_day=100, max_reviews_per_day=100)
    before, later = timezone.now() - timedelta(hours=2), timezone.now() + timedelta(days=3)
    first, second = TopicFactory(title="First topic"), TopicFactory(title="Second topic")
    remember(learner, first, stage=MemoryStage.NEW)
    remember(learner, first, stage=MemoryStage.LEARNING, due=before)
    remember(learner, first, stage=MemoryStage.REVIEW, due=before)
    remember(learner, first, stage=MemoryStage.REVIEW, due=later)
    remember(
        learner, first, stage=MemoryStage.REVIEW, due=before, buried_until=later - timedelta(days=2)
    )
    remember(learner, first, stage=MemoryStage.REVIEW, due=before, suspended=True)
    remember(learner, first, stage=MemoryStage.REVIEW, due=before, status=CardStatus.ARCHIVED)
    remember(learner, first, stage=MemoryStage.LEARNING, due=before, status=CardStatus.DRAFT)
    remember(learner, second, stage=MemoryStage.RELEARNING, due=before)
    return learner, [first, second]


def test_home_review_progress_and_instructor_pages_agree(
    client, instructor, learner_with_every_kind_of_card
):
    learner, topics = learner_with_every_kind_of_card
    client.force_login(learner)
    home_page = client.get(reverse("review:home"))
    home = home_page.context["topics"]
    review_page = client.get(reverse("review:review"))
    screen = review_page.context["screen"]
    progress = client.get(reverse("insights:progress")).context["page"]
    client.force_login(instructor)
    board = client.get(reverse("insights:instructor_dashboard")).context["board"]

    # Due now: the learning, relearning and review cards due; buried, suspended, archived and
    # unpublished ones are not, and a card due in three days is not due today.
    home_due = sum(topic.learning_cards + topic.due_cards for topic in home)
    assert home_due == screen.learning + screen.review == progress.due_today == 3
    assert sum(topic.new_cards for topic in home) == screen.new == 1

    # Cards started and mastery per topic: /progress/ and the instructor's matrix.
    row = next(row for row in board.matrix.rows if row.learner.pk == learner.pk)
    instructor_cells = dict(
        zip([topic.pk for topic in board.matrix.topics], row.cells, strict=True)
    )
    for figures in progress.topics:
        if figures.topic.pk not in {topic.pk for topic in topics}:
            continue
        cell = instructor_cells[figures.topic.pk]
        assert figures.introduced == cell.introduced
        assert figures.mastery == pytest.approx(cell.mastery)
    started = {figures.topic.pk: figures.introduced for figures in progress.topics}
    # Buried and suspended cards are started; archived and unpublished ones are not counted.
    assert started[topics[0].pk] == 5 and started[topics[1].pk] == 1

    # "Study now (N due)": the navigation and the home page's button show the review screen's
    # count of cards left today, on every page.
    study_now = re.compile(r"Study now <span[^>]*>\((\d+) due\)</span>")
    for page in (home_page, review_page):
        counts = {int(n) for n in study_now.findall(page.content.decode())}
        assert counts == {screen.left}, counts
    assert screen.left == screen.new + screen.learning + screen.review == 4


def test_first_try_accuracy_agrees_on_progress_and_the_dashboard(client, instructor):
    """A learner whose days run midnight to midnight UTC, as the cohort's do: the last 30 days on
    /progress/ and on the instructor's dashboard are the same 30 days, today included."""
    now = datetime(2025, 1, 10, 15, 0, tzinfo=UTC)  # a fixed clock: no midnight mid-test
    learner = UserFactory(username="utc-days")
    LearnerSettings.objects.create(user=learner, time_zone="UTC", day_start_hour=0)
    topic = TopicFactory(title="Counted topic")
    card, other = (CardFactory(lesson=LessonFactory(topic=topic)) for _ in "ab")
    first_day = datetime(2024, 12, 12, tzinfo=UTC)
    log_review(user=learner, card=card, rating=3, at=first_day + timedelta(minutes=30))
    log_review(user=learner, card=card, rating=1, at=first_day + timedelta(hours=2))  # not first
    log_review(user=learner, card=other, rating=1, at=first_day - timedelta(hours=1))  # before
    log_review(user=learner, card=other, rating=2, at=now - timedelta(days=3))
    log_review(user=learner, card=card, rating=1, at=now - timedelta(hours=1))

    with patch("django.utils.timezone.now", return_value=now):
        client.force_login(learner)
        progress = client.get(reverse("insights:progress")).context["page"]
        client.force_login(instructor)
        board = client.get(reverse("insights:instructor_dashboard")).context["board"]
    mine = next(figures for figures in progress.topics if figures.topic.pk == topic.pk)
    column = [t.pk for t in board.matrix.topics].index(topic.pk)
    (row,) = [row for row in board.matrix.rows if row.learner.pk == learner.pk]
    assert (mine.first_tries, mine.accuracy) == (3, pytest.approx(2 / 3))
    for cell in (row.cells[column], board.matrix.cohort[column]):
        assert (cell.first_tries, cell.accuracy) == (mine.first_tries, pytest.approx(mine.accuracy))
