"""SQL twins of the review app's pure definitions, for aggregate queries on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import F, FloatField, Func, IntegerField, Value
from django.db.models.functions import Floor

from quizzes.review.days import LearningDay

SECONDS_PER_DAY = 86400.0


class EpochSeconds(Func):
    """Seconds since 1970-01-01 UTC of a datetime column, the same on SQLite and PostgreSQL."""

    arity = 1
    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        template = "CAST(EXTRACT(EPOCH FROM %(expressions)s) AS double precision)"
        return super().as_sql(compiler, connection, template=template, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        # julianday is exact to about 10 µs at today's dates; rounding to the millisecond keeps
        # whole-day boundaries where Python puts them.
        template = "ROUND((julianday(%(expressions)s) - 2440587.5) * 86400.0, 3)"
        return super().as_sql(compiler, connection, template=template, **extra_context)


class _WallClockDayNumber(Func):
    """LearningDay.number of a datetime column in a named time zone (see LearningDayNumber)."""

    output_field = IntegerField()

    def __init__(self, expression, *, learning_day: LearningDay) -> None:
        super().__init__(
            expression, Value(learning_day.time_zone), Value(learning_day.day_start_hour)
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        (column, zone, hour) = (compiler.compile(e) for e in self.get_source_expressions())
        sql = (
            f"((({column[0]} AT TIME ZONE {zone[0]}) - make_interval(hours => {hour[0]}))::date"
            " - DATE '1970-01-01')"
        )
        return sql, (*column[1], *zone[1], *hour[1])

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite has no time-zone database: the Python definition itself, registered below.
        return super().as_sql(
            compiler, connection, function="bonelearn_learning_day", **extra_context
        )


def LearningDayNumber(column: str, *, learning_day: LearningDay):  # noqa: N802 (an expression)
    """LearningDay.number(column) in SQL, grouping rows by the learner's day.

    In UTC the day is plain arithmetic, which spares SQLite a Python call per row (the cohort's
    figures group a month of everybody's reviews by UTC day).
    """
    if learning_day.time_zone == "UTC":
        seconds = EpochSeconds(F(column)) - Value(learning_day.day_start_hour * 3600.0)
        return Floor(seconds / SECONDS_PER_DAY, output_field=IntegerField())
    return _WallClockDayNumber(F(column), learning_day=learning_day)


def _sqlite_learning_day(stored: str | None, time_zone: str, day_start_hour: int) -> int | None:
    if stored is None:
        return None
    moment = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return LearningDay(time_zone=time_zone, day_start_hour=day_start_hour).number(moment)


def _register_sqlite_function(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "bonelearn_learning_day", 3, _sqlite_learning_day, deterministic=True
        )


# Registered for every new SQLite connection (and the one already open, if any).
connection_created.connect(_register_sqlite_function, dispatch_uid="bonelearn-learning-day")
if connection.vendor == "sqlite" and connection.connection is not None:
    _register_sqlite_function(None, connection)
