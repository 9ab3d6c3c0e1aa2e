"""The benchmark's dataset: learners × published cards, a memory state per pair and a year of
review history (1,000 learners × 300 cards: 300,000 states and 1,000,000 log rows).

Histories are answered by the app's scheduler (`history`), rows are produced one learner at a time
and inserted in batches (`writer`), so memory stays flat whatever the size. Run it on its own
(Django settings from the environment, e.g. DATABASE_URL): `python -m bench.dataset --help`.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bench.dataset.content import (
    BENCH_SLUG,
    INSTRUCTOR_PREFIX,
    LEARNER_PREFIX,
    BenchCard,
    bench_usernames,
    create_cards,
    create_people,
)
from bench.dataset.history import BASE_REVIEWS, HistoryPlanner, learner_histories, reviews_for
from bench.dataset.sessions import create_sessions
from bench.dataset.writer import BatchWriter

__all__ = [
    "BASE_REVIEWS",
    "INSTRUCTOR_PREFIX",
    "LEARNER_PREFIX",
    "DatasetReport",
    "bench_usernames",
    "create_sessions",
    "generate",
    "reviews_for",
]

LOG_FIELDS = (
    "user_id",
    "card_id",
    "rating",
    "reviewed_at",
    "duration_ms",
    "source",
    "stage_before",
    "state_before",
    "state_after",
    "interval_seconds",
    "desired_retention",
    "token",
)
STATE_FIELDS = (
    "user_id",
    "card_id",
    "stage",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "suspended",
    "is_leech",
    "version",
    "unlocked_at",
)


@dataclass
class DatasetReport:
    learners: int = 0
    cards: int = 0
    memory_states: int = 0
    review_logs: int = 0
    lesson_reads: int = 0
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    vendor: str = ""
    batches: int = 0
    distinct_histories: int = 0  # answered by fsrs once each, then reused shifted
    fsrs_answers: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def _peak_rss_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def column_time(vendor: str) -> Any:
    """How an aware UTC datetime goes into a datetime column, as Django's adapter writes it
    (`connection.ops.adapt_datetimefield_value`): naive UTC text on SQLite, where the adapter's
    time-zone conversion was a fifth of the generator's time, the value itself on PostgreSQL."""
    if vendor == "sqlite":
        return lambda moment: str(moment.replace(tzinfo=None))
    return lambda moment: moment


def _rows(
    planner: HistoryPlanner, *, learner_ids: Sequence[int], cards: Sequence[BenchCard], seed: int
) -> Iterator[tuple[bool, tuple]]:
    """(is a log row, row) for every answer and memory state, one learner at a time."""
    from django.db import connection

    from quizzes.review.models import LearnerSettings, ReviewSource

    as_column = column_time(connection.vendor)
    defaults = LearnerSettings()
    retention = (defaults.desired_retention, defaults.critical_retention)
    critical = [card.critical for card in cards]
    for learner_id in learner_ids:
        histories = learner_histories(
            planner, seed=seed * 1_000_003 + learner_id, critical=critical, retention=retention
        )
        for card, history in zip(cards, histories, strict=True):
            for index, answer in enumerate(history.answers):
                yield (
                    True,
                    (
                        learner_id,
                        card.id,
                        answer.rating,
                        as_column(answer.reviewed_at),
                        2000 + (learner_id * 7919 + card.id * 104729 + index) % 23000,
                        ReviewSource.DAILY_REVIEW.value,
                        answer.stage_before,
                        answer.state_before,
                        answer.state_after,
                        answer.interval_seconds,
                        retention[card.critical],
                        f"bench-{learner_id}-{card.id}-{index}",
                    ),
                )
            final = history.final
            yield (
                False,
                (
                    learner_id,
                    card.id,
                    final.stage,
                    final.step,
                    final.stability,
                    final.difficulty,
                    as_column(final.due),
                    as_column(final.last_review),
                    history.reps,
                    history.lapses,
                    False,
                    False,
                    history.reps,
                    as_column(history.answers[0].reviewed_at),
                ),
            )


def _lesson_reads(*, learner_ids: Sequence[int], at: datetime, batch_size: int) -> BatchWriter:
    from django.db import connection

    from quizzes.content.models import Lesson
    from quizzes.review.models import LessonRead

    reads = BatchWriter(LessonRead, ("user_id", "lesson_id", "read_at"), batch_size=batch_size)
    read_at = connection.ops.adapt_datetimefield_value(at)
    lessons = Lesson.objects.filter(topic__article__slug=BENCH_SLUG).values_list("id", flat=True)
    lesson_ids = list(lessons)
    for learner_id in learner_ids:
        for lesson_id in lesson_ids:
            reads.add((learner_id, lesson_id, read_at))
    reads.flush()
    return reads


def generate(
    *,
    learners: int = 1000,
    cards: int = 300,
    batch_size: int = 20_000,
    now: datetime | None = None,
    seed: int = 7,
    log: Any = None,
) -> DatasetReport:
    """Write the dataset into the configured database (which must hold no bench data yet)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from quizzes.review.models import MemoryState, ReviewLog

    planner = HistoryPlanner(now=now or timezone.now())
    report = DatasetReport(vendor=connection.vendor)
    started = mark = time.perf_counter()

    def step(name: str) -> None:
        nonlocal mark
        report.timings[name] = round(time.perf_counter() - mark, 2)
        mark = time.perf_counter()
        if log:
            log(f"  {name}: {report.timings[name]:.1f} s")

    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        # A database built to be thrown away: no syncing and a 64 MB page cache while loading
        # (the log's four indexes are what the inserts spend their time on).
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-65536")
    with transaction.atomic():
        bench_cards = create_cards(cards=cards)
        learner_ids = create_people(learners=learners, now=planner.now)
    reads = _lesson_reads(
        learner_ids=learner_ids, at=planner.now - timedelta(days=365), batch_size=batch_size
    )
    step("content, people and lesson reads")
    states = BatchWriter(MemoryState, STATE_FIELDS, batch_size=batch_size)
    logs = BatchWriter(ReviewLog, LOG_FIELDS, batch_size=batch_size)
    for is_log, row in _rows(planner, learner_ids=learner_ids, cards=bench_cards, seed=seed):
        (logs if is_log else states).add(row)
    logs.flush()
    states.flush()
    step("memory states and review logs")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    step("analyze")

    report.learners, report.cards = len(learner_ids), len(bench_cards)
    report.memory_states, report.review_logs = states.rows, logs.rows
    report.lesson_reads = reads.rows
    report.batches = states.batches + logs.batches + reads.batches
    report.distinct_histories = len(planner.outcomes)
    report.fsrs_answers = planner.outcomes.answered
    report.seconds = round(time.perf_counter() - started, 2)
    report.peak_rss_mb = round(_peak_rss_mb(), 1)
    return report
