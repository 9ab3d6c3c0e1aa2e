"""Figures of a learner's standing answers, defined once for every page that shows them (the end of
the day's review here, the progress page and the instructor dashboard in quizzes.insights):

- first try: the earliest standing daily review of a card by a learner on a learning day; first-try
  accuracy is the share of first tries answered Hard, Good or Easy;
- review days: the learning days with at least one standing review, with how many (the streak and
  the heatmap count them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F, Min, QuerySet
from django.db.models.functions import Floor

from quizzes.review.days import EPOCH, LearningDay
from quizzes.review.models import ReviewLog
from quizzes.review.sql import EpochSeconds, LearningDayNumber


def standing_reviews(*, since: datetime, until: datetime) -> QuerySet[ReviewLog]:
    """Standing daily-review answers in [since, until)."""
    return ReviewLog.objects.standing().filter(reviewed_at__gte=since, reviewed_at__lt=until)


def first_try_counts(
    queryset: QuerySet[ReviewLog], *, keys: Sequence[str], learning_day: LearningDay
) -> dict[tuple, tuple[int, int]]:
    """Per value of `keys`: (first tries, of which recalled) among the given reviews.

    A first try is the earliest review of a card by a learner on a learning day. One grouped
    query: per (keys, learner, card, day) the smallest of time·10 + rating names the first review
    and carries its rating in the last digit; the groups are then only counted, in SQL around the
    grouped query (a cohort's month holds hundreds of thousands of first tries). With no `keys`,
    the one entry is under the empty tuple.
    """
    day = LearningDayNumber("reviewed_at", learning_day=learning_day)
    first = Min(Floor(EpochSeconds(F("reviewed_at")) * 1000.0) * 10.0 + F("rating"))
    groups = (
        queryset.annotate(day=day)
        .values(*keys, "user_id", "card_id", "day")
        .annotate(first=first)
        .values_list(*keys, "first")
        .order_by()
    )
    try:
        inner_sql, params = groups.query.sql_with_params()
    except EmptyResultSet:
        return {}  # a filter that can match nothing (an empty group)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(key) for key in keys)
    rating = f"({quote('first')} - 10 * FLOOR({quote('first')} / 10))"
    select = f"{columns}, " if keys else ""
    sql = (
        f"SELECT {select}COUNT(*), SUM(CASE WHEN {rating} > 1.5 THEN 1 ELSE 0 END) "
        f"FROM ({inner_sql}) first_tries" + (f" GROUP BY {columns}" if keys else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counts = {tuple(row[:-2]): (int(row[-2]), int(row[-1] or 0)) for row in cursor.fetchall()}
    return {key: value for key, value in counts.items() if value[0]}


def review_days(*, user: Any, learning_day: LearningDay, until: datetime) -> dict[date, int]:
    """Standing reviews per learning day over the learner's history before `until` (1 query, a row
    per day)."""
    day = LearningDayNumber("reviewed_at", learning_day=learning_day)
    rows = (
        ReviewLog.objects.standing()
        .filter(user=user, reviewed_at__lt=until)
        .annotate(day=day)
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {EPOCH + timedelta(days=row["day"]): row["n"] for row in rows}
