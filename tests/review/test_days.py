"""The learning day: one definition in Python (quizzes.review.days), its SQL twin agreeing with it
on both databases, including the hours a daylight-saving change moves."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from quizzes.review.days import LearningDay, zone_or_utc
from quizzes.review.models import ReviewLog
from quizzes.review.sql import LearningDayNumber
from tests.factories import CardFactory, UserFactory, log_review


def test_the_day_starts_at_the_learners_hour_in_their_zone():
    moment = datetime(2025, 1, 10, 3, 30, tzinfo=UTC)
    assert LearningDay("UTC", 4).day_of(moment) == date(2025, 1, 9)
    assert LearningDay("UTC", 0).day_of(moment) == date(2025, 1, 10)
    # 22:30 on the 9th in New York; 12:30 on the 10th in Tokyo.
    assert LearningDay("America/New_York", 4).day_of(moment) == date(2025, 1, 9)
    assert LearningDay("Asia/Tokyo", 4).day_of(moment) == date(2025, 1, 10)


def test_start_of_today_and_tomorrow():
    # 02:30 in New York on 3 March is still the learning day of 2 March (day starts at 04:00).
    late = datetime(2026, 3, 3, 7, 30, tzinfo=UTC)
    day = LearningDay("America/New_York", 4)
    assert day.start_of(late) == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert day.next_start(late) == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def test_next_day_across_a_daylight_saving_change():
    # Clocks go forward in London on 29 March 2026: that learning day starts at 04:00 BST.
    now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert LearningDay("Europe/London", 4).next_start(now) == datetime(
        2026, 3, 29, 3, 0, tzinfo=UTC
    )


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Pacific/Auckland"])
def test_every_moment_falls_in_the_day_whose_start_precedes_it(zone):
    """start_of and day_of agree hour by hour through a spring and an autumn change."""
    for hour_offset in range(0, 24 * 250, 1):
        moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=hour_offset, minutes=30)
        day = LearningDay(zone, 4)
        start = day.start_of(moment)
        assert start <= moment < day.next_start(moment)
        assert day.day_of(start) == day.day_of(moment)


def test_an_unknown_zone_reads_as_utc():
    assert zone_or_utc("Mars/Olympus") == "UTC"
    assert zone_or_utc("Europe/Paris") == "Europe/Paris"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "hour"), [("UTC", 4), ("UTC", 0), ("Europe/London", 4), ("America/New_York", 2)]
)
def test_sql_day_number_agrees_with_python_through_daylight_saving(zone, hour):
    learner, card = UserFactory(), CardFactory()
    day = LearningDay(zone, hour)
    # Every 20 minutes around London's and New York's spring and autumn changes of 2026.
    starts = [
        datetime(2026, 3, 7, 22, tzinfo=UTC),
        datetime(2026, 3, 28, 22, tzinfo=UTC),
        datetime(2026, 10, 24, 22, tzinfo=UTC),
        datetime(2026, 10, 31, 22, tzinfo=UTC),
    ]
    moments = [start + timedelta(minutes=20 * step) for start in starts for step in range(36)]
    for moment in moments:
        log_review(user=learner, card=card, rating=3, at=moment)
    rows = ReviewLog.objects.annotate(
        day=LearningDayNumber("reviewed_at", learning_day=day)
    ).values_list("reviewed_at", "day")
    assert dict(rows) == {moment: day.number(moment) for moment in moments}
