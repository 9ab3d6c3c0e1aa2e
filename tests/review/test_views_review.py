from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core import signing
from django.urls import reverse

from quizzes.content.models import CardKind, CardStatus
from quizzes.review.models import LearnerSettings, MemoryStage, MemoryState, ReviewLog
from quizzes.review.services.reading import topic_open
from tests.factories import (
    CardFactory,
    LessonFactory,
    MemoryStateFactory,
    TopicFactory,
    make_choice_card,
)
from tests.factories import shown as token_of

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
REVIEW = reverse("review:review")
REVEAL = reverse("review:review_reveal")
CHECK = reverse("review:review_check")
ANSWER = reverse("review:review_answer")
UNDO = reverse("review:review_undo")
BURY = reverse("review:review_bury")
SUSPEND = reverse("review:review_suspend")
SUSPENDED = reverse("review:review_suspended")
RESTORE = reverse("review:review_restore")


def at(moment: datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def shown(response) -> dict:
    """The card id and one-time token of the card on the page."""
    html = response.content.decode()
    return {
        "card": re.search(r'name="card" value="(\d+)"', html).group(1),
        "token": re.search(r'name="token" value="([^"]+)"', html).group(1),
    }


def graded(response) -> dict:
    """The card and token of a checked answer's grade form (the verdict stays on the server)."""
    assert 'name="verdict"' not in response.content.decode()
    return shown(response)


def unlocked_cards(user, count: int, **card_fields) -> list:
    lesson = LessonFactory()
    cards = [CardFactory(lesson=lesson, position=i, **card_fields) for i in range(count)]
    topic_open(user=user, topic=lesson.topic, now=START - timedelta(hours=1))
    return cards


# --- access ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", [REVIEW, SUSPENDED])
def test_anonymous_get_goes_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("url", [REVEAL, CHECK, ANSWER, UNDO, BURY, SUSPEND, RESTORE])
def test_anonymous_post_goes_to_login_and_writes_nothing(client, url):
    response = client.post(url, {"card": 1, "token": "x", "rating": 3, "review": 1})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert ReviewLog.objects.count() == 0


def test_answer_urls_refuse_get(student_client):
    assert student_client.get(ANSWER).status_code == 405


# --- the screen -----------------------------------------------------------------------------


def test_full_page_and_htmx_fragment(student_client, student):
    unlocked_cards(student, 1, front="What do osteolytic lesions do?")
    with at(START):
        page = student_client.get(REVIEW)
        fragment = student_client.get(REVIEW, HTTP_HX_REQUEST="true")
    assert page.status_code == 200 and fragment.status_code == 200
    assert b"<html" in page.content and b"What do osteolytic lesions do?" in page.content
    assert b"<html" not in fragment.content
    assert fragment.content.decode().lstrip().startswith('<section id="review-screen"')
    assert b"Show answer" in fragment.content and b'data-key="Space"' in fragment.content


def test_empty_queue_shows_end_screen(student_client):
    response = student_client.get(REVIEW)
    assert response.status_code == 200
    assert b"Done for now" in response.content
    assert b"Open a topic" in response.content


def test_basic_card_reveal_then_grade_with_intervals(student_client, student):
    unlocked_cards(student, 2, back="They **destroy** bone", explanation="Osteoclasts win.")
    with at(START):
        question = student_client.get(REVIEW)
        revealed = student_client.post(REVEAL, shown(question), HTTP_HX_REQUEST="true")
    html = revealed.content.decode()
    assert revealed.status_code == 200
    assert "<strong>destroy</strong>" in html and "Osteoclasts win." in html
    assert "Read the source passage" in html
    for name, key in (("Again", "1"), ("Hard", "2"), ("Good", "3"), ("Easy", "4")):
        assert f'data-key="{key}"' in html and name in html
    # A new card: Again 1m, Hard 6m, Good 10m, Easy some days.
    intervals = re.findall(r'<span class="interval">([^<]+)</span>', html)
    assert intervals[:3] == ["1m", "6m", "10m"] and intervals[3].endswith("d")
    with at(START + timedelta(seconds=8)):
        graded = student_client.post(
            ANSWER, {**shown(revealed), "rating": 3}, HTTP_HX_REQUEST="true"
        )
    assert graded.status_code == 200
    log = ReviewLog.objects.get()
    assert (
        log.rating == 3
        and log.duration_ms == 8000
        and log.reviewed_at == START + timedelta(seconds=8)
    )
    assert shown(graded)["card"] != str(log.card_id)  # the next card swapped in
    assert b"Undo last answer" in graded.content


def test_plain_form_answer_redirects_to_the_next_card(student_client, student):
    unlocked_cards(student, 2)
    with at(START):
        question = student_client.get(REVIEW)
        response = student_client.post(ANSWER, {**shown(question), "rating": 4})
    assert response.status_code == 302 and response["Location"] == REVIEW
    assert ReviewLog.objects.count() == 1


def test_choice_card_right_answer_suggests_good(student_client, student):
    card = make_choice_card(kind=CardKind.MCQ, correct=("Osteolytic",), wrong=("Sclerotic",))
    topic_open(user=student, topic=card.topic, now=START)
    right = card.choices.get(is_correct=True)
    with at(START):
        question = student_client.get(REVIEW)
        assert b'type="radio"' in question.content and b'data-key="1"' in question.content
        feedback = student_client.post(
            CHECK, {**shown(question), "choice": [right.pk]}, HTTP_HX_REQUEST="true"
        )
    html = feedback.content.decode()
    assert feedback.status_code == 200 and "verdict-right" in html and "choice-correct" in html
    assert re.search(
        r'class="button grade-good primary" data-key="3" data-grade data-suggested', html
    )
    assert ReviewLog.objects.count() == 0  # checking records no answer


def test_multi_select_wrong_answer_offers_only_again(student_client, student):
    card = make_choice_card(
        kind=CardKind.MULTI_SELECT, correct=("Breast", "Prostate"), wrong=("Skin",)
    )
    topic_open(user=student, topic=card.topic, now=START)
    picks = list(card.choices.filter(text__in=["Breast", "Skin"]).values_list("pk", flat=True))
    with at(START):
        question = student_client.get(REVIEW)
        assert b'type="checkbox"' in question.content
        feedback = student_client.post(CHECK, {**shown(question), "choice": picks})
    html = feedback.content.decode()
    assert "verdict-wrong" in html and "choice-correct" in html
    assert 'value="1"' in html and 'name="rating" value="2"' not in html


def test_multi_select_partly_right_allows_hard_or_again_only(student_client, student):
    card = make_choice_card(
        kind=CardKind.MULTI_SELECT, correct=("Breast", "Prostate"), wrong=("Skin",)
    )
    topic_open(user=student, topic=card.topic, now=START)
    breast = card.choices.get(text="Breast")
    with at(START):
        question = student_client.get(REVIEW)
        feedback = student_client.post(CHECK, {**shown(question), "choice": [breast.pk]})
        html = feedback.content.decode()
        assert "verdict-partly" in html and "Partly right" in html
        ratings = re.findall(r'name="rating" value="(\d)"', html)
        assert ratings == ["1", "2"]
        assert re.search(r'value="2" class="button grade-hard primary"[^>]*data-suggested', html)
        good = student_client.post(ANSWER, {**graded(feedback), "rating": 3})
        assert good.status_code == 400 and b"Again or Hard" in good.content
        hard = student_client.post(ANSWER, {**graded(feedback), "rating": 2})
    assert hard.status_code == 302 and ReviewLog.objects.get().rating == 2


def test_cloze_card_typed_answer_is_checked_leniently(student_client, student):
    lesson = LessonFactory()
    CardFactory(
        lesson=lesson,
        kind=CardKind.CLOZE,
        front="About {{c1::70%::percent}} of metastases affect the spine.",
        accepted_answers="seventy percent",
    )
    topic_open(user=student, topic=lesson.topic, now=START)
    with at(START):
        question = student_client.get(REVIEW)
        assert b"[percent]" in question.content and b"70%" not in question.content
        feedback = student_client.post(CHECK, {**shown(question), "typed": "  Seventy   PERCENT "})
    assert b"verdict-right" in feedback.content
    assert b'<mark class="cloze-answer">70%</mark>' in feedback.content


def test_invalid_choice_id_is_400(student_client, student):
    card = make_choice_card()
    topic_open(user=student, topic=card.topic, now=START)
    with at(START):
        question = student_client.get(REVIEW)
        response = student_client.post(CHECK, {**shown(question), "choice": [999999]})
    assert response.status_code == 400


# --- faults ---------------------------------------------------------------------------------


def test_other_learners_card_and_token_are_404_and_write_nothing(client, student, other_student):
    unlocked_cards(other_student, 1)
    client.force_login(other_student)
    with at(START):
        theirs = shown(client.get(REVIEW))
    client.force_login(student)
    before = MemoryState.objects.get(user=other_student).version
    response = client.post(ANSWER, {**theirs, "rating": 3})
    assert response.status_code == 404
    # Their card id with a token of the student's own is also not found.
    assert client.post(REVEAL, theirs).status_code == 404
    assert ReviewLog.objects.count() == 0
    assert MemoryState.objects.get(user=other_student).version == before


@pytest.mark.parametrize("rating", ["0", "5", "x", ""])
def test_bad_rating_is_400_and_writes_nothing(student_client, student, rating):
    unlocked_cards(student, 1)
    with at(START):
        question = student_client.get(REVIEW)
        response = student_client.post(ANSWER, {**shown(question), "rating": rating})
    assert response.status_code == 400
    assert ReviewLog.objects.count() == 0
    assert MemoryState.objects.get().version == 0


def test_forged_token_is_400(student_client, student):
    (card,) = unlocked_cards(student, 1)
    forged = signing.dumps([student.pk, card.pk, 0, 0, "nonce"], salt="another-salt")
    tampered = shown(student_client.get(REVIEW))["token"][:-2] + "xx"
    for token in (forged, tampered, "garbage"):
        response = student_client.post(ANSWER, {"card": card.pk, "token": token, "rating": 3})
        assert response.status_code == 400
        assert b"altered or damaged" in response.content
    assert ReviewLog.objects.count() == 0


def test_token_for_another_card_is_404(student_client, student):
    first, second = unlocked_cards(student, 2)
    token = shown(student_client.get(REVIEW))["token"]
    response = student_client.post(ANSWER, {"card": second.pk, "token": token, "rating": 3})
    assert response.status_code == 404
    assert ReviewLog.objects.count() == 0


def test_duplicate_submission_gets_current_screen_and_one_log(student_client, student):
    unlocked_cards(student, 3)
    with at(START):
        form = {**shown(student_client.get(REVIEW)), "rating": 3}
        first = student_client.post(ANSWER, form, HTTP_HX_REQUEST="true")
        again = student_client.post(ANSWER, form, HTTP_HX_REQUEST="true")
        plain = student_client.post(ANSWER, form)
    assert first.status_code == 200 and again.status_code == 200 and plain.status_code == 200
    assert ReviewLog.objects.count() == 1
    assert shown(again)["card"] == shown(first)["card"]
    assert b"<html" in plain.content


def test_stale_answer_from_another_tab_is_409_with_message(student_client, student):
    unlocked_cards(student, 2)
    with at(START):
        tab_one = shown(student_client.get(REVIEW))
        tab_two = shown(student_client.get(REVIEW))
        assert tab_one["card"] == tab_two["card"] and tab_one["token"] != tab_two["token"]
        student_client.post(ANSWER, {**tab_one, "rating": 3})
        stale = student_client.post(ANSWER, {**tab_two, "rating": 1}, HTTP_HX_REQUEST="true")
        stale_reveal = student_client.post(REVEAL, tab_two)
    assert stale.status_code == 409 and stale_reveal.status_code == 409
    assert b"already answered or changed in another window" in stale.content
    assert ReviewLog.objects.count() == 1


# --- undo, bury, suspend, leech -------------------------------------------------------------


def test_undo_restores_the_card_and_shows_it_again(student_client, student):
    unlocked_cards(student, 2)
    before = {s.pk: (s.stage, s.due, s.reps, s.version) for s in MemoryState.objects.all()}
    with at(START):
        question = shown(student_client.get(REVIEW))
        student_client.post(ANSWER, {**question, "rating": 3})
        log = ReviewLog.objects.get()
        undone = student_client.post(UNDO, {"review": log.pk}, HTTP_HX_REQUEST="true")
        double = student_client.post(UNDO, {"review": log.pk}, HTTP_HX_REQUEST="true")
    assert undone.status_code == 200 and b"Answer undone: \xe2\x80\x9cQuestion" in undone.content
    assert shown(undone)["card"] == question["card"]
    assert double.status_code == 200
    state = MemoryState.objects.get(card_id=question["card"])
    assert (state.stage, state.due, state.reps) == before[state.pk][:3]
    assert ReviewLog.objects.filter(undo__isnull=True).count() == 0


def test_undo_of_someone_elses_answer_is_404(student_client, other_student):
    (card,) = unlocked_cards(other_student, 1)
    state = MemoryState.objects.get(user=other_student)
    from quizzes.review.services.recording import review_record

    log = review_record(
        user=other_student, card=card, rating=3, now=START, shown=token_of(state, now=START)
    ).log
    assert student_client.post(UNDO, {"review": log.pk}).status_code == 404
    assert student_client.post(UNDO, {"review": "x"}).status_code == 400
    assert not log.__class__.objects.filter(undo__isnull=False).exists()


def test_bury_and_suspend_take_the_card_out(student_client, student):
    first, second, third = unlocked_cards(student, 3)
    with at(START):
        response = student_client.post(BURY, shown(student_client.get(REVIEW)))
        assert response.status_code == 302
        student_client.post(SUSPEND, shown(student_client.get(REVIEW)), HTTP_HX_REQUEST="true")
        remaining = shown(student_client.get(REVIEW))
    assert remaining["card"] == str(third.pk)
    assert MemoryState.objects.get(card=first).buried_until > START
    assert MemoryState.objects.get(card=second).suspended
    with at(START + timedelta(days=1)):
        assert shown(student_client.get(REVIEW))["card"] == str(first.pk)


def test_leech_message_after_eighth_lapse(student_client, student):
    (card,) = unlocked_cards(student, 1)
    MemoryState.objects.filter(card=card).update(
        stage=MemoryStage.REVIEW,
        step=None,
        stability=2.0,
        difficulty=8.0,
        due=START - timedelta(days=1),
        last_review=START - timedelta(days=3),
        lapses=7,
        reps=20,
    )
    with at(START):
        response = student_client.post(
            ANSWER, {**shown(student_client.get(REVIEW)), "rating": 1}, HTTP_HX_REQUEST="true"
        )
    assert b"suspended as a leech" in response.content
    state = MemoryState.objects.get(card=card)
    assert state.is_leech and state.suspended and state.lapses == 8


# --- query counts ---------------------------------------------------------------------------


def _deck(user, size: int) -> None:
    topic = TopicFactory()
    lesson = LessonFactory(topic=topic)
    cards = CardFactory.create_batch(size, lesson=lesson, topic=topic)
    stages = [MemoryStage.NEW, MemoryStage.LEARNING, MemoryStage.REVIEW]
    MemoryState.objects.bulk_create(
        MemoryState(
            user=user,
            card=card,
            unlocked_at=START - timedelta(days=30),
            stage=stages[i % 3],
            step=0 if stages[i % 3] == MemoryStage.LEARNING else None,
            stability=None if stages[i % 3] == MemoryStage.NEW else 1.0 + i,
            difficulty=None if stages[i % 3] == MemoryStage.NEW else 5.0,
            due=None if stages[i % 3] == MemoryStage.NEW else START - timedelta(hours=i),
            last_review=None if stages[i % 3] == MemoryStage.NEW else START - timedelta(days=3),
        )
        for i, card in enumerate(cards)
    )
    ReviewLog.objects.bulk_create(
        ReviewLog(
            user=user,
            card=cards[i],
            rating=3,
            reviewed_at=START - timedelta(minutes=i + 1),
            stage_before=0,
            state_before={"stage": 0},
            state_after={"stage": 1},
            interval_seconds=600,
            desired_retention=0.9,
            token=f"seed-{user.pk}-{i}",
        )
        for i in range(min(size, 5))
    )
    LearnerSettings.objects.create(user=user, max_reviews_per_day=5000, new_cards_per_day=5000)


@pytest.mark.parametrize("size", [10, 1000])
def test_query_counts_do_not_grow_with_the_deck(
    student_client, student, size, django_assert_max_num_queries
):
    _deck(student, size)
    choice_card = make_choice_card()
    MemoryStateFactory(
        user=student,
        card=choice_card,
        stage=MemoryStage.LEARNING,
        step=0,
        stability=1.0,
        difficulty=5.0,
        due=START - timedelta(days=90),
        last_review=START - timedelta(days=90),
        unlocked_at=START,
    )
    with at(START), django_assert_max_num_queries(8):
        page = student_client.get(REVIEW)
    assert shown(page)["card"] == str(choice_card.pk)  # most overdue learning card first
    with at(START), django_assert_max_num_queries(8):
        student_client.get(REVIEW, HTTP_HX_REQUEST="true")
    right = choice_card.choices.get(is_correct=True)
    with at(START), django_assert_max_num_queries(9):
        feedback = student_client.post(
            CHECK, {**shown(page), "choice": [right.pk]}, HTTP_HX_REQUEST="true"
        )
    assert b"Right" in feedback.content
    MemoryState.objects.filter(card=choice_card).update(suspended=True)
    with at(START):
        form = shown(student_client.get(REVIEW))
    with at(START), django_assert_max_num_queries(12):
        response = student_client.post(ANSWER, {**form, "rating": 3}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    with at(START):
        form = shown(student_client.get(REVIEW))
    with at(START), django_assert_max_num_queries(12):
        response = student_client.post(ANSWER, {**form, "rating": 2})
    assert response.status_code == 302


# --- the journey ----------------------------------------------------------------------------


def test_keyboard_journey_across_days(student_client, student, settings):
    """Open a lesson, learn its cards, see intervals grow, undo, come back to the due cards."""
    settings.SESSION_COOKIE_AGE = 10 * 365 * 86400  # the test's clock runs for months
    student_client.force_login(student)
    lesson = LessonFactory()
    cards = [CardFactory(lesson=lesson, position=i) for i in range(3)]
    with at(START):
        assert b"0 new" in student_client.get(REVIEW).content  # nothing before the lesson
        student_client.get(lesson.topic.get_absolute_url())
        home = student_client.get(reverse("review:home")).content.decode()
        assert "3 new" in home
    now = START
    seen = []
    # Day 1: each new card Good, Good (learning steps) → review.
    for _ in range(6):
        with at(now):
            question = student_client.get(REVIEW)
            if b"Done for now" in question.content:
                now += timedelta(minutes=11)
                continue
            form = shown(question)
            revealed = student_client.post(REVEAL, form, HTTP_HX_REQUEST="true")
            student_client.post(ANSWER, {**shown(revealed), "rating": 3}, HTTP_HX_REQUEST="true")
            seen.append(int(form["card"]))
        now += timedelta(minutes=11)
    assert set(seen) == {card.pk for card in cards}
    intervals: dict[int, list[int]] = {}
    for _day in range(9):
        with at(now):
            question = student_client.get(REVIEW)
        if b"Done for now" in question.content:
            due = MemoryState.objects.filter(user=student).order_by("due").first().due
            now = due + timedelta(minutes=1)
            continue
        form = shown(question)
        with at(now):
            student_client.post(ANSWER, {**form, "rating": 3})
        log = ReviewLog.objects.order_by("-id").first()
        intervals.setdefault(log.card_id, []).append(log.interval_seconds)
        # The next day the learner gets exactly the cards FSRS made due, no more.
        now = MemoryState.objects.get(card_id=form["card"]).due + timedelta(minutes=1)
        due_ids = set(
            MemoryState.objects.filter(user=student, due__lte=now).values_list("card_id", flat=True)
        )
        with at(now):
            screen = student_client.get(REVIEW)
        assert int(shown(screen)["card"]) in due_ids
        assert f"{len(due_ids)} to review".encode() in screen.content
    assert sum(len(seconds) for seconds in intervals.values()) >= 6
    for seconds in intervals.values():
        assert seconds == sorted(seconds) and len(set(seconds)) == len(seconds)
    # Undo the last answer: state and log as before it.
    last = ReviewLog.objects.filter(undo__isnull=True).order_by("-id").first()
    with at(now):
        student_client.post(UNDO, {"review": last.pk})
    state = MemoryState.objects.get(card=last.card)
    assert state.due.isoformat() == last.state_before["due"]


# --- grades follow the checked answer (signed verdict) --------------------------------------


def _choice_card_on_screen(student, client, **fields):
    card = make_choice_card(kind=CardKind.MCQ, correct=("Osteolytic",), wrong=("Sclerotic",))
    topic_open(user=student, topic=card.topic, now=START)
    return card, client.get(REVIEW)


@pytest.mark.parametrize("rating", ["1", "3", "4"])
def test_unchecked_choice_card_cannot_be_graded(student_client, student, rating):
    with at(START):
        _card, question = _choice_card_on_screen(student, student_client)
        response = student_client.post(
            ANSWER, {**shown(question), "rating": rating}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 400
    assert b"Check your answer before grading this card." in response.content
    assert ReviewLog.objects.count() == 0
    assert MemoryState.objects.get().version == 0


def test_unchecked_cloze_card_cannot_be_graded(student_client, student):
    (card,) = unlocked_cards(student, 1, kind=CardKind.CLOZE, front="A {{c1::lytic}} lesion.")
    with at(START):
        response = student_client.post(ANSWER, {**shown(student_client.get(REVIEW)), "rating": 4})
    assert response.status_code == 400 and ReviewLog.objects.count() == 0


def test_wrong_answer_can_only_be_graded_again(student_client, student):
    with at(START):
        card, question = _choice_card_on_screen(student, student_client)
        wrong = card.choices.get(is_correct=False)
        feedback = student_client.post(CHECK, {**shown(question), "choice": [wrong.pk]})
        form = graded(feedback)
        refused = [
            student_client.post(ANSWER, {**form, "rating": rating}, HTTP_HX_REQUEST="true")
            for rating in (2, 3, 4)
        ]
        assert ReviewLog.objects.count() == 0
        accepted = student_client.post(ANSWER, {**form, "rating": 1}, HTTP_HX_REQUEST="true")
    assert {response.status_code for response in refused} == {400}
    assert b"graded Again" in refused[0].content
    assert accepted.status_code == 200
    assert ReviewLog.objects.get().rating == 1


def test_right_answer_is_graded_hard_good_or_easy_not_again(student_client, student):
    with at(START):
        card, question = _choice_card_on_screen(student, student_client)
        right = card.choices.get(is_correct=True)
        feedback = student_client.post(CHECK, {**shown(question), "choice": [right.pk]})
        html = feedback.content.decode()
        assert 'name="rating" value="1"' not in html
        assert all(f'name="rating" value="{rating}"' in html for rating in (2, 3, 4))
        form = graded(feedback)
        again = student_client.post(ANSWER, {**form, "rating": 1})
        assert again.status_code == 400 and b"Hard, Good or Easy" in again.content
        assert ReviewLog.objects.count() == 0
        easy = student_client.post(ANSWER, {**form, "rating": 4})
    assert easy.status_code == 302
    assert ReviewLog.objects.get().rating == 4


def test_revealing_a_choice_card_without_answering_counts_as_wrong(student_client, student):
    with at(START):
        _card, question = _choice_card_on_screen(student, student_client)
        revealed = student_client.post(REVEAL, shown(question))
        html = revealed.content.decode()
        assert "choice-correct" in html and 'name="rating" value="3"' not in html
        form = graded(revealed)
        assert student_client.post(ANSWER, {**form, "rating": 3}).status_code == 400
        assert student_client.post(ANSWER, {**form, "rating": 1}).status_code == 302
    assert ReviewLog.objects.get().rating == 1


# --- bad query parameters -------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"card": "99999999999999999999999"},
        {"card": "9223372036854775808"},
        {"card": "abc"},
        {"card": "0"},
        {"card": "-3"},
        {"topic": "not a slug!"},
        {"topic": "a" * 121},
    ],
)
def test_bad_query_parameters_are_400(student_client, student, query):
    unlocked_cards(student, 1)
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = student_client.get(REVIEW, query, **headers)
        assert response.status_code == 400
        assert b"not valid" in response.content
    assert ReviewLog.objects.count() == 0


def test_unknown_topic_is_404(student_client, student):
    unlocked_cards(student, 1)
    assert student_client.get(REVIEW, {"topic": "no-such-topic"}).status_code == 404


def test_largest_card_number_is_a_normal_page(student_client, student):
    unlocked_cards(student, 1)
    response = student_client.get(REVIEW, {"card": str(2**63 - 1)})
    assert response.status_code == 200 and b'name="token"' in response.content


# --- one topic's review session -------------------------------------------------------------


def _two_topics(student):
    mine = unlocked_cards(student, 2, front="Mine?")
    theirs = unlocked_cards(student, 2, front="Elsewhere?")
    return mine[0].topic, mine, theirs


def test_topic_session_shows_only_that_topic_and_a_way_back(student_client, student):
    topic, mine, _theirs = _two_topics(student)
    with at(START):
        page = student_client.get(REVIEW, {"topic": topic.slug})
        fragment = student_client.get(REVIEW, {"topic": topic.slug}, HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert page.status_code == 200 and shown(page)["card"] == str(mine[0].pk)
    assert f"Reviewing one topic: <strong>{topic.title}</strong>" in html
    assert f'<a href="{REVIEW}">Back to the full review queue</a>' in html
    assert "2 new" in html and "Elsewhere?" not in html
    # Every form on the screen carries the topic on (reveal, bury, suspend).
    assert html.count(f'name="topic" value="{topic.slug}"') == 3
    assert b"<html" not in fragment.content and b"Reviewing one topic" in fragment.content


def test_topic_survives_reveal_answer_undo_and_bury(student_client, student):
    topic, mine, _theirs = _two_topics(student)
    hidden = f'name="topic" value="{topic.slug}"'
    with at(START):
        question = shown(student_client.get(REVIEW, {"topic": topic.slug}))
        revealed = student_client.post(
            REVEAL, {**question, "topic": topic.slug}, HTTP_HX_REQUEST="true"
        )
        assert hidden in revealed.content.decode()
        plain = student_client.post(ANSWER, {**shown(revealed), "topic": topic.slug, "rating": 4})
        assert plain.status_code == 302
        assert plain["Location"] == f"{REVIEW}?topic={topic.slug}"
        swapped = student_client.post(
            ANSWER,
            {**shown(student_client.get(plain["Location"])), "topic": topic.slug, "rating": 4},
            HTTP_HX_REQUEST="true",
        )
        assert b"Reviewing one topic" in swapped.content and hidden in swapped.content.decode()
        assert f"Done with {topic.title} for now" in swapped.content.decode()
        last = ReviewLog.objects.order_by("-id").first()
        undone = student_client.post(UNDO, {"review": last.pk, "topic": topic.slug})
        assert undone["Location"] == f"{REVIEW}?card={last.card_id}&topic={topic.slug}"
        again = student_client.get(undone["Location"])
        assert shown(again)["card"] == str(last.card_id)
        buried = student_client.post(
            BURY, {**shown(again), "topic": topic.slug}, HTTP_HX_REQUEST="true"
        )
    assert f"Done with {topic.title} for now" in buried.content.decode()
    assert b"Review all topics" in buried.content
    assert {log.card.topic_id for log in ReviewLog.objects.all()} == {topic.pk}


def test_bad_topic_in_a_post_is_400_and_writes_nothing(student_client, student):
    unlocked_cards(student, 1)
    with at(START):
        form = shown(student_client.get(REVIEW))
        response = student_client.post(ANSWER, {**form, "topic": "no slug!", "rating": 3})
        unknown = student_client.post(ANSWER, {**form, "topic": "no-such-topic", "rating": 3})
    assert response.status_code == 400 and unknown.status_code == 404
    assert ReviewLog.objects.count() == 0


@pytest.mark.parametrize("size", [10, 1000])
def test_topic_session_query_counts_do_not_grow(
    student_client, student, size, django_assert_max_num_queries
):
    _deck(student, size)
    _deck_elsewhere = unlocked_cards(student, 3)
    topic = MemoryState.objects.filter(user=student).first().card.topic
    assert topic != _deck_elsewhere[0].topic
    query = {"topic": topic.slug}
    with at(START), django_assert_max_num_queries(8):
        page = student_client.get(REVIEW, query)
    assert b"Reviewing one topic" in page.content
    with at(START), django_assert_max_num_queries(8):
        student_client.get(REVIEW, query, HTTP_HX_REQUEST="true")
    form = {**shown(page), "topic": topic.slug}
    with at(START), django_assert_max_num_queries(12):
        response = student_client.post(ANSWER, {**form, "rating": 3}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"Reviewing one topic" in response.content
    with at(START):
        form = {**shown(student_client.get(REVIEW, query)), "topic": topic.slug}
    with at(START), django_assert_max_num_queries(12):
        response = student_client.post(ANSWER, {**form, "rating": 2})
    assert response.status_code == 302


@pytest.mark.parametrize("size", [10, 1000])
def test_checked_choice_answer_query_counts_do_not_grow(
    student_client, student, size, django_assert_max_num_queries
):
    _deck(student, size)
    card = make_choice_card()
    MemoryStateFactory(
        user=student,
        card=card,
        stage=MemoryStage.LEARNING,
        step=0,
        stability=1.0,
        difficulty=5.0,
        due=START - timedelta(days=90),
        last_review=START - timedelta(days=90),
        unlocked_at=START,
    )
    right = card.choices.get(is_correct=True)
    with at(START):
        question = student_client.get(REVIEW)
    with at(START), django_assert_max_num_queries(12):
        feedback = student_client.post(
            CHECK, {**shown(question), "choice": [right.pk]}, HTTP_HX_REQUEST="true"
        )
    with at(START), django_assert_max_num_queries(12):
        response = student_client.post(
            ANSWER, {**graded(feedback), "rating": 3}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    assert ReviewLog.objects.filter(card=card).get().rating == 3


# --- cards withdrawn while on screen --------------------------------------------------------


@pytest.mark.parametrize("status", [CardStatus.DRAFT, CardStatus.ARCHIVED])
def test_answer_to_a_card_withdrawn_meanwhile_is_409_and_writes_nothing(
    student_client, student, status
):
    first, second = unlocked_cards(student, 2)
    with at(START):
        form = shown(student_client.get(REVIEW))
        first.status = status
        first.save()
        responses = {
            url: student_client.post(url, {**form, "rating": 3}, HTTP_HX_REQUEST="true")
            for url in (ANSWER, REVEAL, CHECK, BURY, SUSPEND)
        }
        plain = student_client.post(ANSWER, {**form, "rating": 3})
    for url, response in responses.items():
        assert response.status_code == 409, url
        assert b"taken this card out of the reviews" in response.content
        assert shown(response)["card"] == str(second.pk)
    assert plain.status_code == 409 and b"<html" in plain.content
    assert ReviewLog.objects.count() == 0
    state = MemoryState.objects.get(card=first)
    assert (state.version, state.suspended, state.buried_until) == (0, False, None)


# --- suspended cards and restoring them -----------------------------------------------------


def test_suspended_cards_page_lists_only_the_learners_own(student_client, student, other_student):
    mine = unlocked_cards(student, 2, front="My suspended card?")
    theirs = unlocked_cards(other_student, 1, front="Their card?")
    MemoryState.objects.filter(card__in=[*mine, *theirs]).update(suspended=True)
    MemoryState.objects.filter(card=mine[1]).update(is_leech=True, lapses=8)
    page = student_client.get(SUSPENDED)
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html
    assert html.count("My suspended card?") == 2 and "Their card?" not in html
    assert "Leech" in html and html.count("Restore</button>") == 2
    fragment = student_client.get(SUSPENDED, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and fragment.lstrip().startswith('<section id="suspended-cards"')


def test_restore_puts_the_card_back_in_the_queue(student_client, student):
    (card,) = unlocked_cards(student, 1)
    with at(START):
        student_client.post(SUSPEND, shown(student_client.get(REVIEW)))
        assert b"Done for now" in student_client.get(REVIEW).content
        response = student_client.post(RESTORE, {"card": card.pk})
        assert response.status_code == 302 and response["Location"] == SUSPENDED
        assert b"Card restored" in student_client.get(SUSPENDED).content
        assert shown(student_client.get(REVIEW))["card"] == str(card.pk)
    assert not MemoryState.objects.get().suspended


def test_restore_with_htmx_returns_the_list_fragment(student_client, student):
    first, second = unlocked_cards(student, 2, front="Suspended?")
    MemoryState.objects.update(suspended=True)
    response = student_client.post(RESTORE, {"card": first.pk}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Card restored" in html and html.count("Restore</button>") == 1
    assert list(MemoryState.objects.filter(suspended=True).values_list("card", flat=True)) == [
        second.pk
    ]


def test_restoring_another_learners_card_is_404(student_client, other_student):
    (card,) = unlocked_cards(other_student, 1)
    MemoryState.objects.update(suspended=True)
    assert student_client.post(RESTORE, {"card": card.pk}).status_code == 404
    assert MemoryState.objects.get().suspended and MemoryState.objects.get().version == 0


@pytest.mark.parametrize("card", ["", "x", "0", "99999999999999999999999"])
def test_restore_with_bad_input_is_400(student_client, student, card):
    unlocked_cards(student, 1)
    MemoryState.objects.update(suspended=True)
    response = student_client.post(RESTORE, {"card": card}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert MemoryState.objects.get().suspended


@pytest.mark.parametrize("size", [10, 1000])
def test_suspended_page_query_counts_do_not_grow(
    student_client, student, size, django_assert_max_num_queries
):
    _deck(student, size)
    ids = list(MemoryState.objects.filter(user=student).values_list("card_id", flat=True)[:5])
    MemoryState.objects.filter(user=student, card_id__in=ids).update(suspended=True)
    with django_assert_max_num_queries(5):
        assert student_client.get(SUSPENDED).status_code == 200
    with django_assert_max_num_queries(8):
        response = student_client.post(RESTORE, {"card": ids[0]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200


# --- the admin preview uses the review screen's partials ------------------------------------


def test_admin_preview_renders_the_review_card_with_inert_forms(instructor_client):
    card = make_choice_card(
        kind=CardKind.MCQ,
        correct=("Osteolytic",),
        wrong=("Sclerotic", "Mixed"),
        explanation="Osteoclasts *win*.",
    )
    for url in (
        reverse("admin:content_card_preview", args=[card.pk]),
        reverse("admin:content_card_change", args=[card.pk]),
    ):
        html = instructor_client.get(url).content.decode()
        preview = html[html.index('<div class="card-preview"') :]
        preview = preview[: preview.index("</section>\n</div>")]
        # The same markup as the review screen: a question, then the feedback.
        assert preview.count('<article class="flashcard"') == 2
        assert '<fieldset class="choices">' in preview and 'type="radio"' in preview
        assert 'class="choice-correct"' in preview and "Right answer" in preview
        assert "<em>win</em>" in preview and 'class="grade-buttons"' in preview
        # Inert: no form goes anywhere, every control is disabled, no token or shortcut keys.
        assert "action=" not in preview and "hx-post" not in preview
        assert 'name="token"' not in preview and "data-key" not in preview
        controls = re.findall(r"<(?:input|button)\b[^>]*>", preview)
        assert controls and all(" disabled" in control for control in controls)


def test_admin_preview_of_a_cloze_card_hides_then_fills_the_gap(instructor_client):
    card = CardFactory(kind=CardKind.CLOZE, front="Mostly {{c1::osteolytic::type}} lesions.")
    html = instructor_client.get(reverse("admin:content_card_preview", args=[card.pk]))
    html = html.content.decode()
    assert '<span class="cloze-gap">[type]</span>' in html
    assert '<mark class="cloze-answer">osteolytic</mark>' in html
    assert 'id="preview-question-typed-answer"' in html
