"""The load generators read real review screens, and every answer they saw accepted is found in
the log the way the review service stores its token."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.urls import reverse

from bench.screens import checked, shown_card
from bench.verify import missing_answers, token_report
from quizzes.content.models import CardKind
from quizzes.review.models import ReviewLog
from quizzes.review.services.reading import topic_open
from tests.factories import CardFactory, make_choice_card

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
REVIEW = reverse("review:review")


def at(moment: datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def choice_card_on_screen(student, student_client):
    card = make_choice_card(kind=CardKind.MCQ, correct=("Osteolytic",), wrong=("Sclerotic",))
    topic_open(user=student, topic=card.topic, now=START)
    with at(START):
        return card, shown_card(student_client.get(REVIEW).content.decode())


def test_a_choice_card_is_read_checked_and_answered_as_the_load_generator_does(
    student_client, choice_card_on_screen
):
    card, shown = choice_card_on_screen
    assert shown.card == str(card.pk) and shown.needs_check
    assert sorted(shown.choices) == sorted(str(choice.pk) for choice in card.choices.all())
    right = str(card.choices.get(is_correct=True).pk)
    with at(START):
        response = student_client.post(
            reverse("review:review_check"), shown.check_data(right), HTTP_HX_REQUEST="true"
        )
        assert checked(response.content.decode()) == [2, 3, 4]
        answer = {"card": shown.card, "token": shown.token, "rating": "3"}
        response = student_client.post(
            reverse("review:review_answer"), answer, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    following = shown_card(response.content.decode())  # learn-ahead may show it again
    assert following is None or following.token != shown.token
    assert token_report([shown.token], learners=["student_a"]) == {
        "answers": 1,
        "distinct": 1,
        "missing": 0,
        "log_rows": 1,
    }


def test_a_basic_card_needs_no_check(student, student_client):
    card = CardFactory()
    topic_open(user=student, topic=card.topic, now=START)
    with at(START):
        shown = shown_card(student_client.get(REVIEW).content.decode())
    assert shown is not None and not shown.needs_check and shown.choices == []
    assert shown.check_data()["typed"]


def test_an_answer_never_recorded_is_reported_missing(student_client, choice_card_on_screen):
    _, shown = choice_card_on_screen
    # A token the server issued but whose answer never arrived, next to an unknown short token.
    assert sorted(missing_answers([shown.token, "never-issued"])) == sorted(
        [shown.token, "never-issued"]
    )
    assert ReviewLog.objects.count() == 0
    report = token_report([shown.token, shown.token, "never-issued"])
    assert report == {"answers": 3, "distinct": 2, "missing": 2}


def test_long_tokens_are_looked_up_hashed_and_many_in_chunks(student_client, student):
    cards = [CardFactory() for _ in range(3)]
    for card in cards:
        topic_open(user=student, topic=card.topic, now=START)
    tokens = []
    with at(START):
        html = student_client.get(REVIEW).content.decode()
        for _ in cards:
            shown = shown_card(html)
            answer = {"card": shown.card, "token": shown.token, "rating": "3"}
            html = student_client.post(
                reverse("review:review_answer"), answer, HTTP_HX_REQUEST="true"
            ).content.decode()
            tokens.append(shown.token)
    assert all(len(token) > 64 for token in tokens)
    with mock.patch("bench.verify.CHUNK", 2):
        assert missing_answers(tokens) == []
