"""The figures the learner's and the instructors' pages share, each defined once as an aggregate.

- cards started: a published card the learner has answered at least once
  (quizzes.review.models.introduced_q);
- mastery: mean predicted recall *now* (FSRS retrievability, default parameters) over the cards
  started;
- first-try accuracy: for each card, only the first standing daily review of each learning day
  counts; the share of those answered Hard, Good or Easy;
- the cohort: active learners who are not staff, optionally one group's members.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Avg, Count, F, FloatField, Min, Q, QuerySet, Value
from django.db.models.functions import Floor, Greatest, Power

from quizzes.insights import statistics
from quizzes.review.days import LearningDay
from quizzes.review.models import ReviewLog, introduced_q
from quizzes.review.sql import SECONDS_PER_DAY, EpochSeconds, LearningDayNumber

WINDOW_DAYS = 30  # accuracy and retention look back this many learning days


def learners(*, group: Group | None = None) -> QuerySet:
    """The cohort: active non-staff users, optionally one group's members, by username."""
    users = get_user_model().objects.filter(is_active=True, is_staff=False)
    if group is not None:
        users = users.filter(groups=group)
    return users.order_by("username")


def in_cohort_q(prefix: str, group: Group | None) -> Q:
    """learners(), as a condition on a related user (`prefix` leads to the user)."""
    query = Q(**{f"{prefix}is_active": True, f"{prefix}is_staff": False})
    if group is not None:
        query &= Q(**{f"{prefix}groups": group})
    return query


def retrievability_sql(now: datetime, *, prefix: str = "") -> Power:
    """Predicted recall of a memory state at `now`, as scheduling.retrievability computes it:
    (1 + FACTOR · t / S) ^ DECAY with t the whole days since the last review."""
    elapsed = Greatest(
        Floor((Value(now.timestamp()) - EpochSeconds(F(f"{prefix}last_review"))) / SECONDS_PER_DAY),
        Value(0.0),
    )
    return Power(
        Value(1.0) + Value(statistics.FACTOR) * elapsed / F(f"{prefix}stability"),
        Value(statistics.DECAY),
        output_field=FloatField(),
    )


def mastery_by(
    keys: Sequence[str], states: QuerySet, *, now: datetime, **more: Any
) -> dict[tuple, dict]:
    """Per value of `keys` over the given memory states: cards started and mastery, with any
    `more` aggregates of the same rows (1 query)."""
    started = introduced_q()
    rows = states.values(*keys).annotate(
        introduced=Count("id", filter=started),
        mastery=Avg(retrievability_sql(now), filter=started & Q(stability__gt=0)),
        **more,
    )
    return {tuple(row[key] for key in keys): row for row in rows}


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
    grouped query (a cohort's month holds hundreds of thousands of first tries).
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
    sql = (
        f"SELECT {columns}, COUNT(*), SUM(CASE WHEN {rating} > 1.5 THEN 1 ELSE 0 END) "
        f"FROM ({inner_sql}) first_tries GROUP BY {columns}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {tuple(row[:-2]): (int(row[-2]), int(row[-1] or 0)) for row in cursor.fetchall()}
