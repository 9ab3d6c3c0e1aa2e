"""The instructor dashboard and its CSV exports: staff only, filterable by group, fixed queries."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from unittest.mock import patch

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from quizzes.core.spreadsheets import csv_cell
from quizzes.insights.selectors import remembered
from quizzes.insights.templatetags.statistics_tags import plain_text
from quizzes.review.models import MemoryStage
from tests.factories import (
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
    assert reverse("insights:instructor_dashboard") == URL
    assert reverse("insights:instructor_export", args=["cards"]) == "/instructor/export/cards.csv"


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
    assert reverse("admin:content_card_change", args=[card.pk]) in content
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
    "query",
    [
        {"group": "999999"},
        {"group": "abc"},
        {"page": "x"},
        {"page": "0"},
        {"cards_page": "x"},
        {"sort": "password"},
    ],
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
    assert "<html" not in content and 'class="panel filter-form"' not in content
    assert "alice" in content and "bob" not in content


def test_htmx_history_restore_gets_the_whole_page(instructor_client, cohort):
    extra = {"HTTP_HX_REQUEST": "true", "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}
    content = get(instructor_client, data={"cards_page": 1}, **extra).content.decode()
    assert "<html" in content and 'class="panel filter-form"' in content


def test_htmx_bad_filter_gives_the_message_fragment(instructor_client):
    response = get(instructor_client, data={"group": "999999"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "There is no such group." in response.content.decode()
    assert "<html" not in response.content.decode()


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming  # rows are written as they are computed
    return list(csv.reader(io.StringIO(response.getvalue().decode())))


def test_csv_exports(instructor_client, cohort):
    group, topic, card, module, _ = cohort
    topics = read_csv(get(instructor_client, "/instructor/export/topics.csv"))
    assert topics[0] == [
        "learner",
        "topic",
        "cards_started",
        "cards_total",
        "mastery",
        "first_tries",
        "first_try_accuracy",
        "weak",
    ]
    assert {row[0] for row in topics[1:]} == {"alice", "bob"}
    cards = read_csv(get(instructor_client, "/instructor/export/cards.csv"))
    (card_row,) = [row for row in cards[1:] if row[0] == str(card.pk)]
    assert card_row[3] == "'=HYPERLINK(1)"  # a spreadsheet must not run authored text
    assert cards[0][8] == "typed_right_overrides" and card_row[8] == "0"
    assert card_row[12:14] == ["2", "1.0"]
    modules = read_csv(get(instructor_client, "/instructor/export/modules.csv"))
    assert modules[1][:3] == ["Bone health basics", "2", "2"]
    filtered = get(instructor_client, "/instructor/export/topics.csv", data={"group": group.pk})
    assert 'filename="bonelearn-topics-ward-7.csv"' in filtered["Content-Disposition"]
    assert {row[0] for row in read_csv(filtered)[1:]} == {"alice"}


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (-3, -3),  # a negative number is data, not a formula
        (0.5, 0.5),
        (None, ""),
    ],
)
def test_csv_cell_escapes_formulas_only(value, cell):
    assert csv_cell(value) == cell


def test_plain_text_renders_markdown_then_strips_it():
    assert plain_text("Pain is **most often** in the *spine*") == "Pain is most often in the spine"
    assert plain_text("Bone {{c1::pain::symptom}} & {{c2::fracture}}") == "Bone [pain] & [fracture]"
    assert plain_text("<script>alert(1)</script>Hi") == "Hi"
    assert plain_text(None) == ""


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
    def load():
        response = get(instructor_client, url)
        assert response.status_code == 200
        if response.streaming:
            response.getvalue()  # a CSV's queries run while it streams

    _grow(2, 1)
    remembered.forget_cohort_figures()
    # The dashboard's first load also calculates and stores its cohort-wide figures (a few cache
    # queries, and 2 to find no count of the days that are over kept by the refresher); every
    # page's navigation reads the learner's settings and today's "Study now" count (2 queries).
    with django_assert_max_num_queries(41) as small:
        load()
    _grow(6, 4)
    remembered.forget_cohort_figures()
    with django_assert_max_num_queries(41) as large:
        load()
    assert len(large.captured_queries) == len(small.captured_queries)


def test_remembered_cohort_figures_make_the_next_load_cheaper(
    instructor_client, django_assert_max_num_queries
):
    _grow(6, 4)
    with django_assert_max_num_queries(41) as first:
        get(instructor_client)
    # Neither the cohort's mastery and accuracy nor the card table's figures are read again.
    with django_assert_max_num_queries(24) as again:
        get(instructor_client)
    assert len(again.captured_queries) <= len(first.captured_queries) - 12


def _cohort_mastery(content: str) -> str:
    row = re.search(r'<tr class="cohort">(.*?)</tr>', content, re.S).group(1)
    return re.sub(r"\s+", " ", row).strip()


def test_cohort_figures_are_kept_until_old_or_recalculated(instructor_client, cohort):
    _, _, card, _, (alice, _) = cohort
    first = get(instructor_client).content.decode()
    assert "Recalculate now" in first
    assert "calculated at 15:00 UTC" in first
    # A third learner who has forgotten the card lowers the cohort's mastery...
    carol = UserFactory(username="carol")
    remember(carol, card, stability=0.1, days_ago=30)
    kept = get(instructor_client).content.decode()
    # ...but the remembered cohort row stands until recalculated, while learner rows are live.
    assert _cohort_mastery(kept) == _cohort_mastery(first)
    assert "carol" in kept
    response = instructor_client.post(reverse("insights:instructor_recalculate"))
    assert response.status_code == 302 and response.url == URL
    recalculated = get(instructor_client).content.decode()
    assert _cohort_mastery(recalculated) != _cohort_mastery(first)
    assert "carol" in recalculated


def test_cohort_figures_are_kept_an_hour(instructor_client, cohort):
    get(instructor_client)
    call_command("refresh_cohort_figures", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, expires FROM bonelearn_cache")
        stored = {key: expires for key, expires in cursor.fetchall() if ":analytics:" in key}
    kept_for = {
        "cohort": remembered.COHORT_FIGURES_MAX_AGE,
        "card-rows": remembered.COHORT_FIGURES_MAX_AGE,
        # The refresher's count of the days that are over stands until the window moves on.
        "settled-first-tries-v1": 2 * 24 * 60 * 60,
    }
    assert {key.split(":")[4] for key in stored} == set(kept_for)
    for key, expires in stored.items():
        if expires.tzinfo is None:  # SQLite's column holds UTC without a zone
            expires = expires.replace(tzinfo=UTC)
        # The cache's own clock (the real time, not the test's NOW) decides expiry.
        left = (expires - datetime.now(UTC)).total_seconds()
        assert kept_for[key.split(":")[4]] - 30 < left <= kept_for[key.split(":")[4]]


def test_the_refresher_updates_the_cohort_figures_so_no_page_waits_for_them(
    instructor_client, cohort, django_assert_max_num_queries
):
    group, _, card, _, _ = cohort
    group_url = f"{URL}?group={group.pk}"
    first = get(instructor_client).content.decode()
    first_of_group = get(instructor_client, group_url).content.decode()
    # Two learners who have forgotten the card, one of them in the group.
    carol, dave = UserFactory(username="carol"), UserFactory(username="dave")
    for learner in (carol, dave):
        remember(learner, card, stability=0.1, days_ago=30)
    group.user_set.add(carol)
    out = io.StringIO()
    with patch("django.utils.timezone.now", return_value=NOW + timedelta(minutes=5)):
        call_command("refresh_cohort_figures", stdout=out)
    assert f"Cohort figures of {1 + Group.objects.count()} cohort(s) recalculated" in out.getvalue()
    # The next pages show the new figures without recalculating them (as cheap as a kept load).
    with django_assert_max_num_queries(24):
        refreshed = get(instructor_client).content.decode()
    assert _cohort_mastery(refreshed) != _cohort_mastery(first)
    assert "calculated at 15:05 UTC" in refreshed
    with django_assert_max_num_queries(24):
        refreshed_group = get(instructor_client, group_url).content.decode()
    assert _cohort_mastery(refreshed_group) != _cohort_mastery(first_of_group)


def test_recalculate_keeps_the_group_and_refuses_bad_input(instructor_client, cohort):
    group = cohort[0]
    url = reverse("insights:instructor_recalculate")
    response = instructor_client.post(url, {"group": group.pk})
    assert response.status_code == 302 and response.url == f"{URL}?group={group.pk}"
    response = instructor_client.post(url, {"group": "999999"})
    assert response.status_code == 400
    assert response.content.decode() == "There is no such group."
    assert instructor_client.get(url).status_code == 405


@pytest.mark.parametrize("group", ["x", "-1", "1e309", "' OR 1=1 --", "9" * 5000])
def test_recalculate_with_bad_input_forgets_nothing(instructor_client, cohort, group):
    get(instructor_client)
    kept = _cohort_mastery(get(instructor_client).content.decode())
    # A learner who has forgotten the card: a recalculation would lower the cohort's mastery.
    remember(UserFactory(username="carol"), cohort[2], stability=0.1, days_ago=30)
    generation = cache.get("analytics:generation")
    response = instructor_client.post(reverse("insights:instructor_recalculate"), {"group": group})
    assert response.status_code == 400 and response.content.decode()
    assert cache.get("analytics:generation") == generation
    assert _cohort_mastery(get(instructor_client).content.decode()) == kept


def test_recalculate_costs_a_fixed_number_of_queries(
    instructor_client, cohort, django_assert_max_num_queries
):
    # Session, user, permissions, the group, and the one cache write (5 statements).
    with django_assert_max_num_queries(10):
        response = instructor_client.post(
            reverse("insights:instructor_recalculate"), {"group": cohort[0].pk}
        )
    assert response.status_code == 302


def test_learners_cannot_recalculate(student_client):
    response = student_client.post(reverse("insights:instructor_recalculate"))
    assert response.status_code == 403


def _cards_with_lapses(count: int, learner):
    """`count` cards; card i has i reviews once learned, the first of them Again."""
    topic = TopicFactory(title="Hypercalcaemia", number=3)
    cards = []
    for i in range(count):
        card = CardFactory(lesson=LessonFactory(topic=topic), front=f"Card {i:02} **most often**")
        for n in range(i):
            log_review(user=learner, card=card, rating=1 if n == 0 else 3, at=NOW - timedelta(n))
        cards.append(card)
    return cards


def test_card_table_is_paged_and_sorts_most_problematic_first_on_request(instructor_client):
    learner = UserFactory(username="carol")
    cards = _cards_with_lapses(30, learner)
    default = get(instructor_client).context["cards"]
    assert [row.card for row in default.rows] == cards[:25]  # article order by default
    response = get(instructor_client, data={"sort": "problems"})
    page = response.context["cards"]
    # Lapse rate 1/i: card 1 (100%) first, then 2 (50%) … ; cards never reviewed come last.
    assert [row.card for row in page.rows] == cards[1:26]
    assert page.page.paginator.count == 30
    content = response.content.decode()
    assert "Cards 1–25 of 30" in content
    assert re.search(r'href="\?[^"]*sort=problems[^"]*cards_page=2', content) or re.search(
        r'href="\?[^"]*cards_page=2[^"]*sort=problems', content
    )
    second = get(instructor_client, data={"cards_page": 2, "sort": "problems"})
    assert [row.card for row in second.context["cards"].rows] == cards[26:] + cards[:1]
    by_reviews = get(instructor_client, data={"sort": "reviews"}).context["cards"]
    assert [row.card for row in by_reviews.rows][:3] == [cards[29], cards[28], cards[27]]
    in_order = get(instructor_client, data={"sort": "article"}).context["cards"]
    assert [row.card for row in in_order.rows] == cards[:25]


def test_card_pager_keeps_the_group_and_learner_page(instructor_client, cohort):
    group, *_ = cohort
    for i in range(26):
        CardFactory(front=f"Extra {i}")
    content = get(instructor_client, data={"group": group.pk, "page": 1}).content.decode()
    assert f"?group={group.pk}&amp;page=1&amp;cards_page=2&amp;sort=article" in content


def test_card_table_htmx_page_turn_returns_only_the_card_table(
    instructor_client, cohort, django_assert_max_num_queries
):
    for i in range(30):
        CardFactory(front=f"Extra {i}")
    extra = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "card-table"}
    # Cold: the page's figures are calculated and stored in the cache.
    with django_assert_max_num_queries(18):
        response = get(instructor_client, data={"cards_page": 2}, **extra)
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="card-table"')
    assert "Learners × topics" not in content and "<html" not in content
    assert "Cards 26–31 of 31" in content
    bad = get(instructor_client, data={"sort": "nope"}, **extra)
    assert bad.status_code == 400
    assert bad.content.decode().lstrip().startswith('<section id="card-table"')
    assert "The cards cannot be sorted that way." in bad.content.decode()


def test_card_fronts_show_as_plain_text_and_topics_as_short_labels(instructor_client):
    learner = UserFactory(username="dave")
    _cards_with_lapses(2, learner)
    card = make_choice_card(
        front="Which is *most* common?", correct=("**Spine**",), wrong=("Skull",)
    )
    right = card.choices.get(is_correct=True)
    submit_attempt(
        user=learner, module=make_module(cards=[card]), answers=[(card, 1.0, [right.pk])]
    )
    content = get(instructor_client).content.decode()
    assert "Card 01 most often" in content and "**" not in content
    assert "Which is most common?" in content and "<em>most</em>" not in content
    assert '<strong>Spine</strong> <span class="visually-hidden">(correct)</span>' in content
    assert '<span aria-hidden="true">KF3</span>' in content
    assert 'title="Key fact 3: Hypercalcaemia"' in content
    assert "<body hx-headers" in content and 'class="wide"' in content


def test_card_admin_page_shows_the_item_analysis(instructor_client, cohort):
    _, _, card, _, _ = cohort
    url = reverse("admin:content_card_change", args=[card.pk])
    content = instructor_client.get(url).content.decode()
    assert "Learner statistics and quiz item analysis" in content
    assert "Facility index" in content and "Discrimination index" in content
    assert "How often each choice was picked in quizzes" in content
    assert "Osteoblastic" in content


def test_card_admin_add_page_has_no_statistics(instructor_client):
    content = instructor_client.get(reverse("admin:content_card_add")).content.decode()
    assert "Learner statistics" not in content
