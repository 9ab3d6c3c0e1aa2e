"""Cards whose item statistics look wrong: the judgement (pure), the selector over real figures, the
flag_cards command and the Reports admin's button, which store the flags through content."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from quizzes.content.models import CardReport, ReportReason
from quizzes.insights.selectors.flags import item_warnings, statistics_flags
from tests.factories import (
    CardFactory,
    LessonFactory,
    UserFactory,
    log_review,
    make_choice_card,
    make_module,
    submit_attempt,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
QUIET = {
    "answers": 0,
    "facility": None,
    "discrimination": None,
    "reviews": 0,
    "lapse_rate": None,
    "topic_reviews": 0,
    "topic_lapse_rate": None,
}


@pytest.mark.parametrize(
    "figures, expected",
    [
        ({}, []),
        ({"answers": 20, "facility": 0.96}, ["facility 0.96 above 0.95"]),
        ({"answers": 19, "facility": 0.99}, []),  # too few answers to say
        ({"answers": 20, "facility": 0.19}, ["facility 0.19 below 0.2"]),
        ({"answers": 20, "facility": 0.6, "discrimination": 0.05}, ["discrimination 0.05"]),
        ({"answers": 20, "facility": 0.6, "discrimination": 0.1}, []),
        (
            {"reviews": 20, "lapse_rate": 0.4, "topic_reviews": 40, "topic_lapse_rate": 0.1},
            ["lapse rate 40% against 10%"],
        ),
        # twice the topic's but not 15 points more: a low-lapse topic is not an alarm
        ({"reviews": 20, "lapse_rate": 0.1, "topic_reviews": 40, "topic_lapse_rate": 0.04}, []),
        ({"reviews": 19, "lapse_rate": 0.9, "topic_reviews": 40, "topic_lapse_rate": 0.1}, []),
    ],
)
def test_item_warnings(figures, expected):
    warnings = item_warnings(**{**QUIET, **figures})
    assert len(warnings) == len(expected)
    for warning, start in zip(warnings, expected, strict=True):
        assert warning.startswith(start)


@pytest.fixture
def figures(db):
    """An MCQ everyone gets right in the quiz, and in one topic a card forgotten far more often
    than its neighbour."""
    easy = make_choice_card()
    module = make_module(cards=[easy], lessons=[easy.lesson])
    right = [choice.pk for choice in easy.choices.filter(is_correct=True)]
    for _ in range(21):
        submit_attempt(user=UserFactory(), module=module, answers=[(easy, 1, right)], at=NOW)
    lesson = LessonFactory()
    hard, fine = CardFactory(lesson=lesson), CardFactory(lesson=lesson)
    learner = UserFactory()
    for index in range(20):
        log_review(user=learner, card=hard, rating=1 if index % 2 else 3, at=NOW)
        log_review(user=learner, card=fine, rating=1 if index == 0 else 3, at=NOW)
    return easy, hard, fine


def test_statistics_flags_name_the_cards_and_their_figures(figures):
    easy, hard, fine = figures
    flags = {flag.card_id: flag.detail for flag in statistics_flags()}
    assert set(flags) == {easy.pk, hard.pk}
    assert flags[easy.pk].startswith("facility 1.00 above 0.95")
    assert "21 quiz answers" in flags[easy.pk]
    assert flags[hard.pk].startswith("lapse rate 50% against 5%")


def test_flag_cards_stores_one_open_flag_per_card_however_often_it_runs(figures):
    out = StringIO()
    call_command("flag_cards", stdout=out)
    assert "2 card(s) flagged for their item statistics (2 new)." in out.getvalue()
    call_command("flag_cards", stdout=out)
    assert "(0 new)" in out.getvalue()
    flags = CardReport.objects.filter(reason=ReportReason.STATISTICS)
    assert flags.count() == 2 and all(flag.reporter is None for flag in flags)


def test_flag_cards_dry_run_writes_nothing(figures):
    out = StringIO()
    call_command("flag_cards", "--dry-run", stdout=out)
    assert "2 card(s) would be flagged." in out.getvalue()
    assert not CardReport.objects.exists()


def test_instructors_check_the_statistics_from_the_reports_queue(figures, instructor_client):
    queue = reverse("admin:content_cardreport_changelist")
    check = reverse("admin:content_cardreport_check_statistics")
    assert b"Check item statistics now" in instructor_client.get(queue).content
    assert instructor_client.get(check).status_code == 405
    response = instructor_client.post(check, follow=True)
    assert response.status_code == 200
    assert CardReport.objects.filter(reason=ReportReason.STATISTICS).count() == 2
    assert b"facility 1.00 above 0.95" in response.content


def test_learners_cannot_run_the_check(figures, student_client):
    response = student_client.post(reverse("admin:content_cardreport_check_statistics"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not CardReport.objects.exists()
