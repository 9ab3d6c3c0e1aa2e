"""The instructor dashboard and its CSV exports: staff only, filterable by group, fixed queries."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from unittest.mock import patch

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from quizzes.models import MemoryStage

from .factories import (
    CardFactory,
    LessonFactory,
    MemoryStateFactory,
    TopicFactory,
    UserFactory,
    log_review,
    make_choice_card,
    make_module,
    submit_attempt,
)

NOW = datetime(2025, 1, 10, 15, 0, tzinfo=UTC)
URL = "/instructor/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Many learners per test: hashing each factory password with PBKDF2 would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def get(client, url=URL, **extra):
    with patch("django.utils.timezone.now", return_value=NOW):
        return client.get(url, **extra)


def remember(user, card, *, stability=5.0, days_ago=1.0):
    last = NOW - timedelta(days=days_ago)
    MemoryStateFactory(
        user=user,
        card=card,
        stage=MemoryStage.REVIEW,
        stability=stability,
        difficulty=5.0,
        last_review=last,
        due=last + timedelta(days=stability),
        unlocked_at=last,
    )


@pytest.fixture
def cohort():
    group = Group.objects.create(name="Ward 7")
    topic = TopicFactory(title="Skeletal-related events")
    card = make_choice_card(lesson=LessonFactory(topic=topic), front="=HYPERLINK(1)")
    module = make_module(cards=[card], title="Bone health basics")
    learners = []
    for name in ("alice", "bob"):
        learner = UserFactory(username=name)
        remember(learner, card)
        log_review(user=learner, card=card, rating=3, at=NOW - timedelta(days=1))
        right = card.choices.get(is_correct=True)
        submit_attempt(user=learner, module=module, answers=[(card, 1.0, [right.pk])])
        learners.append(learner)
    learners[0].groups.add(group)
    return group, topic, card, module, learners


def test_url_names():
    assert reverse("quizzes:instructor_dashboard") == URL
    assert reverse("quizzes:instructor_export", args=["cards"]) == "/instructor/export/cards.csv"


@pytest.mark.parametrize("url", [URL, "/instructor/export/cards.csv"])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "url", [URL, "/instructor/export/topics.csv", "/instructor/export/cards.csv"]
)
def test_learners_are_refused(student_client, url):
    assert get(student_client, url).status_code == 403


def test_dashboard_shows_the_cohort(instructor_client, cohort):
    _, topic, card, module, _ = cohort
    response = get(instructor_client)
    assert response.status_code == 200
    content = response.content.decode()
    for text in ("Skeletal-related events", "alice", "bob", "Bone health basics", "Osteolytic"):
        assert text in content
    assert reverse("admin:quizzes_card_change", args=[card.pk]) in content
    assert 'href="/instructor/" aria-current="page"' in content
    board = response.context["board"]
    assert [row.learner.username for row in board.matrix.rows] == ["alice", "bob"]
    (module_row,) = [row for row in board.modules if row.module == module]
    assert (module_row.attempts, module_row.pass_rate) == (2, 1.0)


def test_group_filter_limits_the_cohort(instructor_client, cohort):
    group, *_ = cohort
    response = get(instructor_client, data={"group": group.pk})
    assert response.status_code == 200
    assert [row.learner.username for row in response.context["board"].matrix.rows] == ["alice"]
    assert f"/instructor/export/topics.csv?group={group.pk}" in response.content.decode()


@pytest.mark.parametrize(
    "query", [{"group": "999999"}, {"group": "abc"}, {"page": "x"}, {"page": "0"}]
)
def test_bad_filter_gives_400_with_a_message(instructor_client, cohort, query):
    response = get(instructor_client, data=query)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_htmx_request_gets_only_the_tables(instructor_client, cohort):
    group, *_ = cohort
    response = get(instructor_client, data={"group": group.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="dashboard-tables"')
    assert "<html" not in content and "<form" not in content
    assert "alice" in content and "bob" not in content


def test_htmx_bad_filter_gives_the_message_fragment(instructor_client):
    response = get(instructor_client, data={"group": "999999"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "There is no such group." in response.content.decode()
    assert "<html" not in response.content.decode()


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_csv_exports(instructor_client, cohort):
    group, topic, card, module, _ = cohort
    topics = read_csv(get(instructor_client, "/instructor/export/topics.csv"))
    assert topics[0][:3] == ["learner", "topic", "cards_started"]
    assert {row[0] for row in topics[1:]} == {"alice", "bob"}
    cards = read_csv(get(instructor_client, "/instructor/export/cards.csv"))
    (card_row,) = [row for row in cards[1:] if row[0] == str(card.pk)]
    assert card_row[3] == "'=HYPERLINK(1)"  # a spreadsheet must not run authored text
    assert card_row[11:13] == ["2", "1.0"]
    modules = read_csv(get(instructor_client, "/instructor/export/modules.csv"))
    assert modules[1][:3] == ["Bone health basics", "2", "2"]
    filtered = get(instructor_client, "/instructor/export/topics.csv", data={"group": group.pk})
    assert 'filename="bonelearn-topics-ward-7.csv"' in filtered["Content-Disposition"]
    assert {row[0] for row in read_csv(filtered)[1:]} == {"alice"}


def test_unknown_export_is_404_and_bad_group_400(instructor_client):
    assert get(instructor_client, "/instructor/export/passwords.csv").status_code == 404
    response = get(instructor_client, "/instructor/export/cards.csv", data={"group": "999"})
    assert response.status_code == 400


def test_post_is_not_allowed(instructor_client):
    assert instructor_client.post(URL).status_code == 405


def _grow(n_learners: int, n_topics: int):
    cards = []
    for _ in range(n_topics):
        topic = TopicFactory()
        cards.append(make_choice_card(lesson=LessonFactory(topic=topic)))
        cards.append(CardFactory(lesson=LessonFactory(topic=topic)))
    module = make_module(cards=cards[::2])
    for _ in range(n_learners):
        learner = UserFactory()
        for card in cards:
            remember(learner, card)
            log_review(user=learner, card=card, rating=3, at=NOW - timedelta(days=2))
        submit_attempt(
            user=learner,
            module=module,
            answers=[(c, 1.0, [c.choices.first().pk]) for c in cards[::2]],
        )


@pytest.mark.parametrize(
    "url",
    [
        URL,
        "/instructor/export/topics.csv",
        "/instructor/export/cards.csv",
        "/instructor/export/modules.csv",
    ],
)
def test_query_count_is_the_same_at_two_data_sizes(
    instructor_client, django_assert_max_num_queries, url
):
    _grow(2, 1)
    with django_assert_max_num_queries(24) as small:
        get(instructor_client, url)
    _grow(6, 4)
    with django_assert_max_num_queries(24) as large:
        assert get(instructor_client, url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_timing_for_a_cohort_of_1000_learners(instructor_client, capsys):
    """1,000 learners × 100 cards (100,000 memory states, 30,000 reviews, 1,000 quiz attempts);
    prints how long the dashboard, its htmx page turn and the topic CSV take. No time asserted."""
    import time

    from django.contrib.auth import get_user_model

    from quizzes.models import (
        Attempt,
        AttemptQuestion,
        Card,
        Lesson,
        MemoryState,
        ReviewLog,
        Topic,
    )

    article = TopicFactory().article
    topics = Topic.objects.bulk_create(
        Topic(article=article, key=f"perf-{i}", slug=f"perf-{i}", title=f"Perf {i}", position=i + 1)
        for i in range(20)
    )
    lessons = Lesson.objects.bulk_create(
        Lesson(topic=t, key=f"perf-{t.pk}", title="L", body="b") for t in topics
    )
    cards = Card.objects.bulk_create(
        Card(topic=lesson.topic, lesson=lesson, status="published", front=f"Q{i}-{lesson.pk}")
        for lesson in lessons
        for i in range(5)
    )
    quiz_cards = [make_choice_card(lesson=lessons[i]) for i in range(5)]
    module = make_module(cards=quiz_cards)
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"perf-learner-{i:04}", password="!") for i in range(1000)
    )
    MemoryState.objects.bulk_create(
        (
            MemoryState(
                user=user,
                card=card,
                stage=MemoryStage.REVIEW,
                stability=2.0 + (u + c) % 20,
                difficulty=5.0,
                last_review=NOW - timedelta(days=(u + c) % 11),
                due=NOW + timedelta(days=c % 9),
                unlocked_at=NOW - timedelta(days=60),
            )
            for u, user in enumerate(users)
            for c, card in enumerate(cards)
        ),
        batch_size=5000,
    )
    ReviewLog.objects.bulk_create(
        (
            ReviewLog(
                user=user,
                card=cards[(u + d) % len(cards)],
                rating=1 + 2 * ((u + d) % 5 > 0),
                reviewed_at=NOW - timedelta(days=d, hours=u % 12),
                state_before={"stage": 2},
                state_after={"stage": 2},
                interval_seconds=86400,
                desired_retention=0.9,
                token=f"perf-{u}-{d}",
            )
            for u, user in enumerate(users)
            for d in range(30)
        ),
        batch_size=5000,
    )
    attempts = Attempt.objects.bulk_create(
        Attempt(
            module=module,
            user=user,
            number=1,
            started_at=NOW,
            submitted_at=NOW,
            score=20 * (u % 6),
            passed=u % 6 >= 4,
        )
        for u, user in enumerate(users)
    )
    AttemptQuestion.objects.bulk_create(
        (
            AttemptQuestion(
                attempt=attempt,
                card=card,
                position=p + 1,
                answered_at=NOW,
                response=[card.choices.all()[0].pk if (a + p) % 3 else card.choices.all()[1].pk],
                fraction=1 if (a + p) % 3 else 0,
            )
            for a, attempt in enumerate(attempts)
            for p, card in enumerate(quiz_cards)
        ),
        batch_size=5000,
    )
    timings = {}
    for label, url, extra in [
        ("dashboard", URL, {}),
        ("dashboard page 7 (htmx)", URL, {"data": {"page": 7}, "HTTP_HX_REQUEST": "true"}),
        ("topics CSV (20,000 cells)", "/instructor/export/topics.csv", {}),
    ]:
        started = time.perf_counter()
        response = get(instructor_client, url, **extra)
        timings[label] = time.perf_counter() - started
        assert response.status_code == 200
    with capsys.disabled():
        for label, seconds in timings.items():
            print(f"\n1,000 learners, {label}: {seconds * 1000:.0f} ms", end="")
        print()


def test_card_admin_page_shows_the_item_analysis(instructor_client, cohort):
    _, _, card, _, _ = cohort
    url = reverse("admin:quizzes_card_change", args=[card.pk])
    content = instructor_client.get(url).content.decode()
    assert "Learner statistics and quiz item analysis" in content
    assert "Facility index" in content and "Discrimination index" in content
    assert "How often each choice was picked in quizzes" in content
    assert "Osteoblastic" in content


def test_card_admin_add_page_has_no_statistics(instructor_client):
    content = instructor_client.get(reverse("admin:quizzes_card_add")).content.decode()
    assert "Learner statistics" not in content
