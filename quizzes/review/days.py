"""The learning day: one definition (pure; its SQL twin is quizzes.review.sql.LearningDayNumber).

A learner's learning day starts at their `day_start_hour` on their own wall clock (04:00 by
default, as in Anki, so late-night study counts for the day before). The day a moment belongs to is
the calendar date of (local wall-clock time − day_start_hour hours); everything else (the start of
today, tomorrow's start, grouping by day in SQL) is derived from that, so daily limits, streaks,
the heatmap and the forecast agree, even in the hour a daylight-saving change moves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

EPOCH = date(1970, 1, 1)


def zone_or_utc(name: str) -> str:
    """The time zone name if the zone database knows it, else "UTC" (never a crash)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


@dataclass(frozen=True)
class LearningDay:
    """A learner's day boundaries: their time zone and the hour their day starts."""

    time_zone: str = "UTC"
    day_start_hour: int = 4

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def day_of(self, moment: datetime) -> date:
        """The learning day `moment` belongs to."""
        wall = moment.astimezone(self.zone).replace(tzinfo=None)
        return (wall - timedelta(hours=self.day_start_hour)).date()

    def start(self, day: date) -> datetime:
        """When learning day `day` starts, in UTC."""
        local = datetime.combine(day, time(self.day_start_hour), tzinfo=self.zone)
        return local.astimezone(UTC)

    def start_of(self, moment: datetime) -> datetime:
        """When the learning day of `moment` started, in UTC."""
        return self.start(self.day_of(moment))

    def next_start(self, moment: datetime) -> datetime:
        """When the learning day after the one of `moment` starts, in UTC."""
        return self.start(self.day_of(moment) + timedelta(days=1))

    def number(self, moment: datetime) -> int:
        """The learning day as days since 1970-01-01 (what LearningDayNumber gives in SQL)."""
        return (self.day_of(moment) - EPOCH).days


def streak(review_days: Iterable[date], *, today: date) -> int:
    """Consecutive learning days with at least one review, ending today — or yesterday, so a
    streak is not lost before the learner has had the chance to review today."""
    days = set(review_days)
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count
