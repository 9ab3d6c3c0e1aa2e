"""How well does the scheduler predict recall? Replay a review log and score its predictions.

Each card's reviews are replayed in time order through quizzes.scheduling (the app's own scheduler,
fuzz off). Time is counted in learning days, as Anki and the open srs-benchmark count it: a review's
elapsed time is the difference of the calendar dates of it and the card's previous review, never a
number of 24-hour periods. Days are UTC calendar days for a CSV log (its times carry no learner's
time zone; srs-benchmark's 4 a.m. rollover in the learner's zone cannot be applied), and the
learner's own learning days (time zone, day start hour) for optimize_scheduler. The replay gives
the scheduler every review at the start (00:00 UTC) of its day's date, so that py-fsrs's
`(now − last review).days` *is* that date difference, both for the memory update and for the
predicted recall R = (1 + FACTOR · t / S) ^ DECAY (scheduling.retrievability).

Before every review that falls on a later day than the card's previous one, the predicted recall is
recorded against the outcome (rating > 1, i.e. not Again). Same-day reviews still update the memory
state (short-term stability); they are only not scored. Scores: log loss (predictions clipped to
[1e-4, 1 − 1e-4]), RMSE over 20 probability bins and AUC (quizzes.statistics), as srs-benchmark
reports them.

Fitting uses py-fsrs's optimizer (scheduling.fit_parameters), an optional extra (torch), on the
same day-aligned times; everything else runs without it.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from quizzes.insights import statistics
from quizzes.review import scheduling
from quizzes.review.days import LearningDay

RECALL_TARGET = 0.9  # only shapes learning steps; predicted recall depends on the memory alone
FIELDS = ("card_id", "review_rating", "review_time", "review_duration")


class ReviewLogFormatError(ValueError):
    """The file is not a review log in the expected CSV format."""


OptimizerMissing = scheduling.OptimizerMissing
# The CSV log's days: UTC calendar dates (see the module docstring).
LOG_TIME_ZONE = "UTC"
LOG_DAY_START_HOUR = 0


@dataclass(frozen=True)
class LoggedReview:
    card_id: str
    rating: int
    reviewed_at: datetime
    duration_ms: int | None = None


@dataclass(frozen=True)
class Scores:
    reviews: int
    log_loss: float
    rmse_bins: float
    auc: float | None

    def line(self) -> str:
        auc = "n/a" if self.auc is None else f"{self.auc:.4f}"
        return (
            f"log loss {self.log_loss:.4f}  RMSE(20 bins) {self.rmse_bins:.4f}  "
            f"AUC {auc}  ({self.reviews} reviews scored)"
        )


def read_review_log(path: Path) -> list[LoggedReview]:
    """Reviews from a CSV: card_id, review_rating, review_time (ISO 8601), review_duration (ms)."""
    reviews = []
    with Path(path).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = set(FIELDS[:3]) - set(reader.fieldnames or ())
        if missing:
            raise ReviewLogFormatError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            try:
                rating = int(row["review_rating"])
                reviewed_at = datetime.fromisoformat(row["review_time"])
                duration = row.get("review_duration") or None
                reviews.append(
                    LoggedReview(
                        card_id=row["card_id"],
                        rating=rating,
                        reviewed_at=scheduling.as_utc(reviewed_at),
                        duration_ms=int(duration) if duration else None,
                    )
                )
            except (TypeError, ValueError) as error:
                raise ReviewLogFormatError(f"{path}, line {line}: {error}") from error
            if rating not in (1, 2, 3, 4):
                raise ReviewLogFormatError(f"{path}, line {line}: rating must be 1-4")
    if not reviews:
        raise ReviewLogFormatError(f"{path}: no reviews")
    return reviews


def split_time(reviews: Sequence[LoggedReview], *, fraction: float = 0.5) -> datetime:
    """The moment that splits the log by time: reviews before it are the first `fraction`."""
    moments = sorted(review.reviewed_at for review in reviews)
    return moments[min(len(moments) - 1, int(len(moments) * fraction))]


def day_aligned(
    moment: datetime, *, time_zone: str = LOG_TIME_ZONE, day_start_hour: int = LOG_DAY_START_HOUR
) -> datetime:
    """00:00 UTC on the date of the learning day `moment` falls in: between two such instants,
    `.days` is the number of calendar days, whatever the clock times and daylight saving."""
    day = LearningDay(time_zone=time_zone, day_start_hour=day_start_hour).day_of(moment)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def predictions(
    reviews: Iterable[LoggedReview],
    *,
    parameters: Sequence[float] | None = None,
    scored_from: datetime | None = None,
    time_zone: str = LOG_TIME_ZONE,
    day_start_hour: int = LOG_DAY_START_HOUR,
) -> tuple[list[float], list[int]]:
    """Replay every card's history; return (predicted recall, recalled) for the scored reviews.

    With `scored_from`, the whole history still builds each memory state, but only reviews at or
    after that moment are scored (a train/test split by time).
    """
    scheduler = scheduling.make_scheduler(desired_retention=RECALL_TARGET, parameters=parameters)
    by_card: dict[str, list[LoggedReview]] = defaultdict(list)
    for review in reviews:
        by_card[review.card_id].append(review)
    predicted: list[float] = []
    recalled: list[int] = []
    for history in by_card.values():
        history.sort(key=lambda review: review.reviewed_at)
        memory = scheduling.Memory()
        for review in history:
            day = day_aligned(
                review.reviewed_at, time_zone=time_zone, day_start_hour=day_start_hour
            )
            if (
                memory.last_review is not None
                and day > memory.last_review
                and (scored_from is None or review.reviewed_at >= scored_from)
            ):
                predicted.append(scheduling.retrievability(memory, now=day, scheduler=scheduler))
                recalled.append(int(review.rating > 1))
            memory = scheduling.answer(memory, rating=review.rating, now=day, scheduler=scheduler)
    return predicted, recalled


def score(predicted: Sequence[float], recalled: Sequence[int]) -> Scores:
    if not predicted:
        raise ValueError("no review fell on a later day than the card's previous review")
    return Scores(
        reviews=len(predicted),
        log_loss=statistics.log_loss(predicted, recalled),
        rmse_bins=statistics.rmse_bins(predicted, recalled, bins=20),
        auc=statistics.auc(predicted, recalled),
    )


def evaluate(
    reviews: Sequence[LoggedReview],
    *,
    parameters: Sequence[float] | None = None,
    scored_from: datetime | None = None,
    time_zone: str = LOG_TIME_ZONE,
    day_start_hour: int = LOG_DAY_START_HOUR,
) -> Scores:
    """Scores of the scheduler with `parameters` (None: defaults) on the log (or its later part)."""
    return score(
        *predictions(
            reviews,
            parameters=parameters,
            scored_from=scored_from,
            time_zone=time_zone,
            day_start_hour=day_start_hour,
        )
    )


def optimizer_available() -> bool:
    return scheduling.optimizer_available()


def fit_parameters(
    reviews: Sequence[LoggedReview],
    *,
    time_zone: str = LOG_TIME_ZONE,
    day_start_hour: int = LOG_DAY_START_HOUR,
) -> list[float]:
    """FSRS parameters fitted to the reviews on the same day-aligned times the replay uses."""
    ordered = sorted(reviews, key=lambda review: review.reviewed_at)
    # The optimizer orders card histories by id: number the cards by their first review.
    ids: dict[str, int] = {}
    return scheduling.fit_parameters(
        (
            ids.setdefault(review.card_id, len(ids) + 1),
            review.rating,
            day_aligned(review.reviewed_at, time_zone=time_zone, day_start_hour=day_start_hour),
            review.duration_ms,
        )
        for review in ordered
    )


@dataclass(frozen=True)
class Evaluation:
    default_all: Scores
    default_second_half: Scores
    fitted_second_half: Scores | None
    fitted_parameters: list[float] | None
    fit_seconds: float | None
    split_at: datetime


def evaluate_log(reviews: Sequence[LoggedReview], *, fit: bool) -> Evaluation:
    """Defaults on the whole log and on its second half; optionally parameters fitted on the first
    half (by time) and scored on the second."""
    split_at = split_time(reviews)
    fitted = fitted_scores = seconds = None
    if fit:
        started = time.perf_counter()
        fitted = fit_parameters([review for review in reviews if review.reviewed_at < split_at])
        seconds = time.perf_counter() - started
        fitted_scores = evaluate(reviews, parameters=fitted, scored_from=split_at)
    return Evaluation(
        default_all=evaluate(reviews),
        default_second_half=evaluate(reviews, scored_from=split_at),
        fitted_second_half=fitted_scores,
        fitted_parameters=fitted,
        fit_seconds=seconds,
        split_at=split_at,
    )
