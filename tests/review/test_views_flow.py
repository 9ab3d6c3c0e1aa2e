"""The review flow's rules through the screens learners use: one check per shown card, "I typed it
right", partial credit, shuffled choices, limits and expiry at answer time, learn ahead, the end
of the day's summary and "Study now"."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.urls import reverse

from quizzes.content.models import CardKind
from quizzes.review.models import (
    CheckedAnswer,
    LearnerSettings,
    MemoryStage,
    MemoryState,
    ReviewLog,
)
from quizzes.review.services.reading import topic_open
from tests.factories import CardFactory, LessonFactory, log_review, make_choice_card

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
REVIEW = reverse("review:review")
REVEAL = reverse("review:review_reveal")
CHECK = reverse("review:review_check")
OVERRIDE = reverse("review:review_override")
ANSWER = reverse("review:review_answer")
HOME = reverse("review:home")

pytestmark = pytest.mark.django_db


def at(moment: datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def shown(response) -> dict:
    html = response.content.decode()
    return {
        "card": re.search(r'name="card" value="(\d+)"', html).group(1),
        "token": re.search(r'name="token" value="([^"]+)"', html).group(1),
    }


def ratings(response) -> list[str]:
    return re.findall(r'name="rating" value="(\d)"', response.content.decode())


def choice_order(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'name="choice" value="(\d+)"', response.content.decode())]


def choice_card_for(student, **fields):
    card = make_choice_card(kind=CardKind.MCQ, correct=("Osteolytic",), wrong=("Sclerotic",))
    topic_open(user=student, topic=card.topic, now=START)
    return card


def cloze_card_for(student):
    card = CardFactory(kind=CardKind.CLOZE, front="Lesions are mostly {{c1::osteolytic}}.")
    topic_open(user=student, topic=card.topic, now=START)
    return card


# --- one check per shown card ---------------------------------------------------------------


def test_checking_again_with_other_choices_returns_the_first_verdict(student_client, student):
    card = choice_card_for(student)
    right, wrong = card.choices.get(is_correct=True), card.choices.get(is_correct=False)
    with at(START):
        form = shown(student_client.get(REVIEW))
        first = student_client.post(CHECK, {**form, "choice": [wrong.pk]}, HTTP_HX_REQUEST="true")
        again = student_client.post(CHECK, {**form, "choice": [right.pk]}, HTTP_HX_REQUEST="true")
        refused = student_client.post(ANSWER, {**form, "rating": 3})
        graded = student_client.post(ANSWER, {**form, "rating": 1})
    assert b"verdict-wrong" in first.content and b"verdict-wrong" in again.content
    assert ratings(again) == ["1"]
    # The feedback shows the answer checked first, not the one posted the second time.
    assert re.search(r'choice-wrong">\s*<span><p>Sclerotic</p></span>', again.content.decode())
    assert refused.status_code == 400 and graded.status_code == 302
    assert CheckedAnswer.objects.get().picked == [wrong.pk]
    assert list(ReviewLog.objects.values_list("rating", flat=True)) == [1]


def test_show_answer_counts_as_wrong_even_when_checked_right_afterwards(student_client, student):
    card = choice_card_for(student)
    right = card.choices.get(is_correct=True)
    with at(START):
        form = shown(student_client.get(REVIEW))
        revealed = student_client.post(REVEAL, form, HTTP_HX_REQUEST="true")
        checked = student_client.post(CHECK, {**form, "choice": [right.pk]}, HTTP_HX_REQUEST="true")
        good = student_client.post(ANSWER, {**form, "rating": 3}, HTTP_HX_REQUEST="true")
    assert b"showed the answer without answering" in revealed.content
    assert b"verdict-wrong" in checked.content and ratings(checked) == ["1"]
    assert good.status_code == 400 and ReviewLog.objects.count() == 0


def test_a_second_tab_or_a_reload_showing_the_same_card_gets_the_same_verdict(
    student_client, student
):
    card = choice_card_for(student)
    right, wrong = card.choices.get(is_correct=True), card.choices.get(is_correct=False)
    with at(START):
        first_tab = shown(student_client.get(REVIEW))
        student_client.post(CHECK, {**first_tab, "choice": [wrong.pk]})
        reloaded = shown(student_client.get(REVIEW))
        assert reloaded["token"] != first_tab["token"]
        checked = student_client.post(CHECK, {**reloaded, "choice": [right.pk]})
        good = student_client.post(ANSWER, {**reloaded, "rating": 3})
    assert b"verdict-wrong" in checked.content
    assert good.status_code == 400 and ReviewLog.objects.count() == 0
    assert CheckedAnswer.objects.count() == 1


def test_a_new_showing_after_an_undo_is_checked_afresh(student_client, student):
    card = choice_card_for(student)
    right, wrong = card.choices.get(is_correct=True), card.choices.get(is_correct=False)
    with at(START):
        form = shown(student_client.get(REVIEW))
        student_client.post(CHECK, {**form, "choice": [wrong.pk]})
        student_client.post(ANSWER, {**form, "rating": 1})
        student_client.post(reverse("review:review_undo"), {"review": ReviewLog.objects.get().pk})
        again = shown(student_client.get(REVIEW))
        checked = student_client.post(CHECK, {**again, "choice": [right.pk]})
    assert b"verdict-right" in checked.content


@pytest.mark.parametrize("htmx", [True, False])
def test_check_with_nothing_picked_asks_for_a_pick_and_records_nothing(
    student_client, student, htmx
):
    choice_card_for(student)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with at(START):
        form = shown(student_client.get(REVIEW))
        response = student_client.post(CHECK, form, **headers)
    assert response.status_code == 400
    assert b"Pick an answer first." in response.content
    # The same showing again, so the learner picks and checks on the same screen.
    assert shown(response) == form
    assert not CheckedAnswer.objects.exists() and not ReviewLog.objects.exists()
    assert MemoryState.objects.get().version == 0


# --- typed answers: "I typed it right" ------------------------------------------------------


def test_i_typed_it_right_turns_a_wrong_typed_answer_right_and_is_logged(student_client, student):
    cloze_card_for(student)
    with at(START):
        form = shown(student_client.get(REVIEW))
        checked = student_client.post(
            CHECK, {**form, "typed": "osteolitic"}, HTTP_HX_REQUEST="true"
        )
        assert ratings(checked) == ["1"] and b"I typed it right" in checked.content
        overridden = student_client.post(OVERRIDE, form, HTTP_HX_REQUEST="true")
        again = student_client.post(OVERRIDE, form, HTTP_HX_REQUEST="true")
        response = student_client.post(ANSWER, {**form, "rating": 3}, HTTP_HX_REQUEST="true")
    assert overridden.status_code == 200 and again.status_code == 200
    assert ratings(overridden) == ["2", "3", "4"]
    assert "Counted as right: you said you typed “osteolitic” right." in overridden.content.decode()
    assert b"I typed it right" not in overridden.content
    assert response.status_code == 200
    log = ReviewLog.objects.get()
    assert (log.rating, log.overridden) == (3, True)


@pytest.mark.parametrize("typed", ["osteolytic", ""])
def test_i_typed_it_right_is_refused_for_a_right_or_an_empty_answer(student_client, student, typed):
    cloze_card_for(student)
    with at(START):
        form = shown(student_client.get(REVIEW))
        student_client.post(CHECK, {**form, "typed": typed})
        response = student_client.post(OVERRIDE, form, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert b"Only a typed answer marked wrong can be counted as right." in response.content
    assert not CheckedAnswer.objects.filter(overridden=True).exists()


def test_i_typed_it_right_is_refused_before_a_check_and_after_show_answer(student_client, student):
    cloze_card_for(student)
    with at(START):
        form = shown(student_client.get(REVIEW))
        unchecked = student_client.post(OVERRIDE, form)
        student_client.post(REVEAL, form)
        revealed = student_client.post(OVERRIDE, form)
    assert unchecked.status_code == 400 and revealed.status_code == 400
    assert not CheckedAnswer.objects.filter(overridden=True).exists()


# --- choices shuffled per shown card --------------------------------------------------------


def test_choices_are_shuffled_per_showing_and_stay_put_within_it(student_client, student):
    card = make_choice_card(
        kind=CardKind.MULTI_SELECT,
        correct=("Spine", "Pelvis"),
        wrong=("Skull", "Hands", "Feet", "Ribs"),
    )
    topic_open(user=student, topic=card.topic, now=START)
    authored = list(card.choices.order_by("position").values_list("pk", flat=True))
    orders = set()
    with at(START):
        for _ in range(8):
            question = student_client.get(REVIEW)
            order = choice_order(question)
            assert sorted(order) == sorted(authored)
            # The keys name the choices in the order shown.
            first = re.search(r'value="(\d+)" data-key="1"', question.content.decode()).group(1)
            assert int(first) == order[0]
            revealed = student_client.post(REVEAL, shown(question), HTTP_HX_REQUEST="true")
            shown_back = re.findall(r"<span><p>(\w+)</p></span>", revealed.content.decode())
            texts = dict(card.choices.values_list("pk", "text"))
            assert shown_back == [texts[pk] for pk in order]  # the same order on the back
            orders.add(tuple(order))
            CheckedAnswer.objects.all().delete()
    assert len(orders) > 1


def test_a_checked_answer_is_recorded_by_choice_id_whatever_the_order(student_client, student):
    card = choice_card_for(student)
    right = card.choices.get(is_correct=True)
    with at(START):
        form = shown(student_client.get(REVIEW))
        student_client.post(CHECK, {**form, "choice": [right.pk]})
    assert CheckedAnswer.objects.get().picked == [right.pk]


def test_true_false_keeps_its_order(student_client, student):
    card = make_choice_card(kind=CardKind.TRUE_FALSE, correct=("True",), wrong=("False",))
    topic_open(user=student, topic=card.topic, now=START)
    with at(START):
        for _ in range(4):
            order = choice_order(student_client.get(REVIEW))
            assert order == list(card.choices.order_by("position").values_list("pk", flat=True))


# --- limits and expiry at answer time -------------------------------------------------------


def test_a_new_card_beyond_the_limit_is_refused_at_answer_time(student_client, student):
    lesson = LessonFactory()
    CardFactory.create_batch(3, lesson=lesson)
    LearnerSettings.objects.create(user=student, new_cards_per_day=1)
    topic_open(user=student, topic=lesson.topic, now=START)
    first = MemoryState.objects.filter(user=student).order_by("card__position")[0]
    second = MemoryState.objects.filter(user=student).order_by("card__position")[1]
    with at(START):
        tab_one = shown(student_client.get(REVIEW))
        tab_two = shown(student_client.get(REVIEW, {"card": second.card_id}))
        assert tab_one["card"] == str(first.card_id) and tab_two["card"] == str(second.card_id)
        student_client.post(REVEAL, tab_one)
        student_client.post(ANSWER, {**tab_one, "rating": 3})
        student_client.post(REVEAL, tab_two)
        refused = student_client.post(ANSWER, {**tab_two, "rating": 3}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 409
    assert b"limit of 1 new card, so this answer was not recorded" in refused.content
    assert ReviewLog.objects.count() == 1
    assert MemoryState.objects.get(pk=second.pk).version == 0


def test_a_review_beyond_the_review_limit_is_refused_at_answer_time(student_client, student):
    lesson = LessonFactory()
    cards = CardFactory.create_batch(3, lesson=lesson)
    LearnerSettings.objects.create(user=student, max_reviews_per_day=2)
    for card in cards:
        MemoryState.objects.create(
            user=student,
            card=card,
            unlocked_at=START - timedelta(days=9),
            stage=MemoryStage.REVIEW,
            stability=5.0,
            difficulty=5.0,
            due=START - timedelta(hours=1),
            last_review=START - timedelta(days=5),
        )
    with at(START):
        tabs = [shown(student_client.get(REVIEW, {"card": card.pk})) for card in cards]
        statuses = [student_client.post(ANSWER, {**tab, "rating": 3}).status_code for tab in tabs]
    assert statuses == [302, 302, 409]
    assert ReviewLog.objects.count() == 2


def test_a_token_expires_when_the_learners_day_ends(student_client, student):
    LearnerSettings.objects.create(user=student, time_zone="Europe/Paris", day_start_hour=4)
    choice_card_for(student)
    evening = datetime(2026, 3, 3, 2, 30, tzinfo=UTC)  # 03:30 in Paris: still 2 March's day
    with at(evening):
        form = shown(student_client.get(REVIEW))
    with at(evening + timedelta(minutes=40)):  # 04:10 in Paris: a new learning day
        for url in (CHECK, REVEAL, ANSWER, reverse("review:review_bury")):
            response = student_client.post(url, {**form, "rating": 1}, HTTP_HX_REQUEST="true")
            assert response.status_code == 409, url
            assert b"shown on an earlier learning day" in response.content
    assert not ReviewLog.objects.exists() and not CheckedAnswer.objects.exists()
    assert MemoryState.objects.get().buried_until is None


# --- learn ahead and the end of the day -----------------------------------------------------


def _learning(student, card, *, due):
    MemoryState.objects.filter(user=student, card=card).update(
        stage=MemoryStage.LEARNING,
        step=1,
        stability=2.3,
        difficulty=5.0,
        due=due,
        last_review=START - timedelta(minutes=1),
    )


def test_learning_cards_within_learn_ahead_are_shown_when_nothing_else_is_left(
    student_client, student
):
    lesson = LessonFactory()
    soon, later = CardFactory.create_batch(2, lesson=lesson)
    topic_open(user=student, topic=lesson.topic, now=START)
    _learning(student, soon, due=START + timedelta(minutes=15))
    _learning(student, later, due=START + timedelta(minutes=45))
    with at(START):
        page = student_client.get(REVIEW)
    assert shown(page)["card"] == str(soon.pk)
    assert b"1 learning" in page.content and b"1 left" in page.content
    LearnerSettings.objects.create(user=student, learn_ahead_minutes=0)
    student.refresh_from_db()
    with at(START):
        waiting = student_client.get(REVIEW, HTTP_HX_REQUEST="true").content.decode()
    assert "Done for now" in waiting and "due in <strong>15m</strong>" in waiting
    # The end screen looks again by itself when the next card can be shown.
    assert 'hx-trigger="click, load delay:900s"' in waiting
    assert 'href="/review/" hx-get="/review/"' in waiting


def test_the_end_screen_refreshes_when_a_learning_card_enters_learn_ahead(student_client, student):
    lesson = LessonFactory()
    (card,) = CardFactory.create_batch(1, lesson=lesson)
    topic_open(user=student, topic=lesson.topic, now=START)
    _learning(student, card, due=START + timedelta(minutes=50))
    with at(START):
        end = student_client.get(REVIEW).content.decode()
    assert "Done for now" in end and 'load delay:1800s"' in end  # 50 − 20 minutes
    with at(START + timedelta(minutes=30)):
        assert shown(student_client.get(REVIEW))["card"] == str(card.pk)


def test_end_of_day_summary_reuses_the_progress_definitions(student_client, student):
    lesson = LessonFactory()
    cards = CardFactory.create_batch(2, lesson=lesson)
    topic_open(user=student, topic=lesson.topic, now=START - timedelta(days=1))
    log_review(user=student, card=cards[0], rating=3, at=START - timedelta(days=1))
    with at(START):
        for rating in (1, 3):
            form = shown(student_client.get(REVIEW))
            student_client.post(REVEAL, form)
            student_client.post(ANSWER, {**form, "rating": rating})
        MemoryState.objects.update(due=START + timedelta(days=3))
    with at(START + timedelta(minutes=1)):
        end = student_client.get(REVIEW).content.decode()
        progress = student_client.get(reverse("insights:progress")).context["page"]
    assert "Done for now" in end
    figures = dict(re.findall(r'data-summary="(\w+)">([^<]+)<', end))
    assert figures["answered"] == str(progress.reviews_today) == "2"
    assert figures["accuracy"].strip() == "50%"
    assert figures["streak"].strip() == f"{progress.streak} days" == "2 days"
    assert figures["time"] == "under a minute"


# --- "Study now" with today's count ---------------------------------------------------------


def _today_count(html: str) -> int:
    return int(re.search(r"Study now <span[^>]*>\((\d+) due\)", html).group(1))


def test_study_now_shows_the_review_screens_count_in_the_nav_and_on_home(student_client, student):
    lesson = LessonFactory()
    CardFactory.create_batch(5, lesson=lesson)
    LearnerSettings.objects.create(user=student, new_cards_per_day=3)
    topic_open(user=student, topic=lesson.topic, now=START)
    with at(START):
        home = student_client.get(HOME).content.decode()
        review = student_client.get(REVIEW).content.decode()
    left = int(re.search(r'data-left-today="(\d+)"', review).group(1))
    assert left == 3  # 5 new cards, 3 a day
    assert _today_count(home) == left
    assert home.count("Study now") == 2  # the navigation and the page's button
    assert _today_count(review) == left
    with at(START):
        form = shown(student_client.get(REVIEW))
        student_client.post(REVEAL, form)
        after = student_client.post(ANSWER, {**form, "rating": 4}, HTTP_HX_REQUEST="true")
    # The swapped screen carries the new count for the navigation (static/quizzes/js/review.js).
    assert 'data-study-now="2"' in after.content.decode()


@pytest.mark.parametrize("size", [5, 300])
def test_the_study_now_count_costs_one_query_on_any_page(
    student_client, student, size, django_assert_max_num_queries
):
    lesson = LessonFactory()
    CardFactory.create_batch(size, lesson=lesson)
    topic_open(user=student, topic=lesson.topic, now=START)
    LearnerSettings.objects.create(user=student, time_zone_set=True)
    url = reverse("review:review_suspended")
    with at(START), django_assert_max_num_queries(10) as with_count:
        student_client.get(url)
    queue = [q["sql"] for q in with_count.captured_queries if "next_id" in q["sql"]]
    assert len(queue) == 1  # the queue statement, counting only (no card picked)
