"""The only module that talks to fsrs: memory state ↔ fsrs.Card, answering, intervals, recall.

py-fsrs accepts only timezone-aware datetimes in `datetime.timezone.utc`; `as_utc` is the one place
that converts. Fuzzing is off so that replaying the review log reproduces every state exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State

DEFAULT_PARAMETERS: tuple[float, ...] = tuple(Scheduler().parameters)
RATINGS = (Rating.Again, Rating.Hard, Rating.Good, Rating.Easy)
NEW_STAGE = 0  # memory stage of a card never answered; 1-3 are fsrs.State values
REVIEW_STAGE = int(State.Review)
LEARNING_STAGES = (int(State.Learning), int(State.Relearning))
AGAIN = int(Rating.Again)
# Anki's default: a card forgotten this many times after it was learned is a leech.
LEECH_LAPSES = 8


def as_utc(moment: datetime) -> datetime:
    """Any aware datetime → the same instant with tzinfo=datetime.timezone.utc, as fsrs requires."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: BoneLearn passes aware datetimes only")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Memory:
    """A card's memory state as BoneLearn stores it (a plain value; the model mirrors it)."""

    stage: int = NEW_STAGE
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None

    def to_dict(self) -> dict:
        """JSON-ready: datetimes as ISO 8601 text (the review log's snapshots).

        Field by field: `dataclasses.asdict` deep-copies, which took eight times as long (two
        snapshots per answer; a million rows in the benchmark's dataset)."""
        values = {name: getattr(self, name) for name in _MEMORY_NAMES}
        return {
            name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in values.items()
        }

    @classmethod
    def from_dict(cls, data: dict) -> Memory:
        values = {field.name: data[field.name] for field in fields(cls)}
        for name in ("due", "last_review"):
            if values[name]:
                values[name] = datetime.fromisoformat(values[name])
        return cls(**values)


_MEMORY_NAMES = tuple(field.name for field in fields(Memory))


@lru_cache(maxsize=64)
def _scheduler(desired_retention: float, parameters: tuple[float, ...]) -> Scheduler:
    return Scheduler(
        parameters=parameters, desired_retention=desired_retention, enable_fuzzing=False
    )


def make_scheduler(
    *, desired_retention: float, parameters: Sequence[float] | None = None
) -> Scheduler:
    """The fsrs scheduler for a retention target and (optionally fitted) parameters; cached."""
    return _scheduler(float(desired_retention), tuple(parameters or DEFAULT_PARAMETERS))


def to_fsrs_card(memory: Memory, *, now: datetime) -> FsrsCard:
    if memory.stage == NEW_STAGE:
        return FsrsCard(card_id=1, state=State.Learning, step=0, due=as_utc(now))
    return FsrsCard(
        card_id=1,
        state=State(memory.stage),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=as_utc(memory.due),
        last_review=as_utc(memory.last_review) if memory.last_review else None,
    )


def from_fsrs_card(card: FsrsCard) -> Memory:
    return Memory(
        stage=int(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


def answer(memory: Memory, *, rating: int, now: datetime, scheduler: Scheduler) -> Memory:
    """The memory state after answering with `rating` (1 Again … 4 Easy) at `now`."""
    if rating not in (1, 2, 3, 4):
        raise ValueError(f"rating must be 1-4, got {rating!r}")
    reviewed, _log = scheduler.review_card(
        to_fsrs_card(memory, now=now), Rating(rating), review_datetime=as_utc(now)
    )
    return from_fsrs_card(reviewed)


def next_intervals(memory: Memory, *, now: datetime, scheduler: Scheduler) -> dict[int, timedelta]:
    """For each rating, how long until the card would be due again if answered now."""
    return {
        int(rating): answer(memory, rating=int(rating), now=now, scheduler=scheduler).due
        - as_utc(now)
        for rating in RATINGS
    }


def retrievability(memory: Memory, *, now: datetime, scheduler: Scheduler) -> float:
    """Predicted probability of recall at `now` (0 for a card never answered)."""
    if memory.stage == NEW_STAGE or memory.last_review is None:
        return 0.0
    return scheduler.get_card_retrievability(to_fsrs_card(memory, now=now), as_utc(now))


def format_interval(interval: timedelta) -> str:
    """Anki-style short label: 45s, 10m, 3h, 4d, 2.1mo, 1.3y."""
    seconds = max(0, interval.total_seconds())
    if seconds < 60:
        return f"{round(seconds)}s"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo"
    return f"{days / 365:.1f}y"


def is_lapse(stage_before: int, rating: int) -> bool:
    """A lapse: a card already learned (in review) is forgotten."""
    return stage_before == REVIEW_STAGE and rating == AGAIN


class OptimizerMissing(RuntimeError):
    """The optional optimizer extra (py-fsrs's Optimizer with torch) is not installed."""


def optimizer_available() -> bool:
    """Whether py-fsrs's optimizer and its torch dependency can be imported."""
    try:
        import torch  # noqa: F401
        from fsrs.optimizer import Optimizer  # noqa: F401
    except ImportError:
        return False
    return True


def fit_parameters(reviews: Iterable[tuple[int, int, datetime, int | None]]) -> list[float]:
    """FSRS parameters fitted by py-fsrs's optimizer to (card id, rating, time, duration in ms).

    Optional and slow (torch); the optimizer counts elapsed days as whole 24-hour periods between
    the times it is given, so callers pass times already aligned to the day boundaries they mean.
    """
    if not optimizer_available():
        raise OptimizerMissing(
            "The FSRS optimizer is not installed: pip install '.[optimizer]' (CPU torch)."
        )
    from fsrs import ReviewLog as FsrsReviewLog
    from fsrs.optimizer import Optimizer

    logs = [
        FsrsReviewLog(
            card_id=card_id,
            rating=Rating(rating),
            review_datetime=as_utc(moment),
            review_duration=duration,
        )
        for card_id, rating, moment, duration in reviews
    ]
    return [float(value) for value in Optimizer(logs).compute_optimal_parameters()]
