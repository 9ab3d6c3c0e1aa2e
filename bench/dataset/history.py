"""Synthetic review histories, answered by the app's own scheduler (quizzes.review.scheduling).

A card's history is a few ratings, each given some time after the card came due. FSRS reads only
the time between answers, never the calendar, so a history computed once from a fixed origin holds
for any start shifted by the same amount: `Outcomes` answers each distinct (retention, ratings,
lateness) history once with the real scheduler and hands out shifted copies. At full size (300,000
cards) a few thousand distinct histories cover every card, so fsrs runs a few thousand times
instead of a million, and the million log rows cost only a shift, `Memory.to_dict()` and
`json.dumps` each.

Pure: no Django, so the generator runs (and is tested) without a database.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from quizzes.review import scheduling
from quizzes.review.scheduling import Memory

# Any fixed instant: histories are computed from it and shifted to their real start.
ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)
# Roughly what learners press: mostly Good, some Again and Hard, a few Easy.
RATING_WEIGHTS = (10, 15, 65, 10)
# How late after coming due a card is answered: on time, later that day, the next day, days later.
LATENESS_SECONDS = (0, 3600, 20 * 3600, 3 * 86400)
LATENESS_WEIGHTS = (40, 25, 25, 10)
# Reviews per card: three for most, four for every third card (1,000 per learner at 300 cards).
BASE_REVIEWS = 3
# Share of each learner's cards that are due when the benchmark starts.
DUE_SHARE = 0.10
HISTORY_DAYS = 365
# A card not yet due was last answered at least this long ago (not in the learner's current hour).
QUIET_BEFORE_NOW = timedelta(hours=1)
NOT_DUE_WITHIN = timedelta(days=59)
DUE_SINCE_AT_MOST = timedelta(days=2)


def reviews_for(index: int) -> int:
    """How many answers the card at this position in the article has had."""
    return BASE_REVIEWS + (1 if index % 3 == 0 else 0)


def snapshot(memory: Memory, *, reps: int, lapses: int) -> dict:
    """The review service's snapshot (recording.snapshot) of a state that is neither suspended nor
    buried and that every answer moved on by one version: `Memory.to_dict()` plus the counters."""
    data = memory.to_dict()
    data.update(
        reps=reps,
        lapses=lapses,
        suspended=False,
        is_leech=lapses >= scheduling.LEECH_LAPSES,
        buried_until=None,
        version=reps,
    )
    return data


NEW_SNAPSHOT_JSON = json.dumps(snapshot(Memory(), reps=0, lapses=0))


@dataclass(frozen=True)
class Step:
    """One answer of a history computed from ORIGIN."""

    rating: int
    at: timedelta  # since the first answer
    stage_before: int
    after: Memory  # dated from ORIGIN
    lapses: int  # after this answer


@dataclass(frozen=True)
class Answer:
    """One answer of a real card, ready for a ReviewLog row (times aware, snapshots as JSON)."""

    rating: int
    reviewed_at: datetime
    stage_before: int
    state_before: str
    state_after: str
    interval_seconds: int


@dataclass(frozen=True)
class CardHistory:
    answers: list[Answer]
    final: Memory
    lapses: int

    @property
    def reps(self) -> int:
        return len(self.answers)


class Outcomes:
    """Histories answered by the real scheduler, once per (retention, ratings, lateness)."""

    def __init__(self) -> None:
        self._known: dict[tuple, tuple[Step, ...]] = {}
        self.answered = 0  # fsrs answers computed
        self.reused = 0  # histories handed out again

    def __len__(self) -> int:
        return len(self._known)

    def steps(
        self, *, retention: float, ratings: Sequence[int], lateness: Sequence[int]
    ) -> tuple[Step, ...]:
        key = (retention, tuple(ratings), tuple(lateness))
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = self._answer(retention, ratings, lateness)
        else:
            self.reused += 1
        return found

    def _answer(
        self, retention: float, ratings: Sequence[int], lateness: Sequence[int]
    ) -> tuple[Step, ...]:
        scheduler = scheduling.make_scheduler(desired_retention=retention)
        memory, lapses, at, steps = Memory(), 0, ORIGIN, []
        for index, rating in enumerate(ratings):
            if index:
                at = memory.due + timedelta(seconds=lateness[index - 1])
            lapses += scheduling.is_lapse(memory.stage, rating)
            after = scheduling.answer(memory, rating=rating, now=at, scheduler=scheduler)
            steps.append(Step(rating, at - ORIGIN, memory.stage, after, lapses))
            memory = after
        self.answered += len(ratings)
        return tuple(steps)


def _shifted(memory: Memory, by: timedelta) -> Memory:
    return Memory(
        memory.stage,
        memory.step,
        memory.stability,
        memory.difficulty,
        memory.due + by,
        memory.last_review + by,
    )


def dated(steps: Sequence[Step], *, first_answer: datetime) -> CardHistory:
    """The history moved so that its first answer falls at `first_answer`."""
    by = first_answer - ORIGIN
    answers, before_json = [], NEW_SNAPSHOT_JSON
    for reps, step in enumerate(steps, start=1):
        after = _shifted(step.after, by)
        reviewed_at = first_answer + step.at
        after_json = json.dumps(snapshot(after, reps=reps, lapses=step.lapses))
        answers.append(
            Answer(
                rating=step.rating,
                reviewed_at=reviewed_at,
                stage_before=step.stage_before,
                state_before=before_json,
                state_after=after_json,
                interval_seconds=round((after.due - reviewed_at).total_seconds()),
            )
        )
        before_json = after_json
    return CardHistory(answers=answers, final=after, lapses=steps[-1].lapses)


class HistoryPlanner:
    """Draws each card's ratings, lateness and final due date for one dataset."""

    def __init__(self, *, now: datetime, outcomes: Outcomes | None = None) -> None:
        self.now = now.replace(microsecond=0)
        self.outcomes = outcomes or Outcomes()
        self.earliest = self.now - timedelta(days=HISTORY_DAYS)

    def card(
        self, rng: random.Random, *, reviews: int, due_now: bool, retention: float
    ) -> CardHistory:
        """One card's history: due now (overdue by up to two days) or due within 59 days, all of
        it within the past year. A drawn history that cannot fit is drawn again."""
        while True:
            steps = self.outcomes.steps(
                retention=retention,
                ratings=rng.choices((1, 2, 3, 4), weights=RATING_WEIGHTS, k=reviews),
                lateness=rng.choices(LATENESS_SECONDS, weights=LATENESS_WEIGHTS, k=reviews - 1),
            )
            first = self._first_answer(rng, steps, due_now=due_now)
            if first is not None:
                return dated(steps, first_answer=first)

    def _first_answer(
        self, rng: random.Random, steps: Sequence[Step], *, due_now: bool
    ) -> datetime | None:
        last = steps[-1]
        due_after_first = last.after.due - ORIGIN  # from the first answer to the final due
        last_interval = due_after_first - last.at
        if due_now:
            overdue = 1 + int(rng.random() * DUE_SINCE_AT_MOST.total_seconds())
            due = self.now - timedelta(seconds=overdue)
        else:
            # The last answer must lie in the past: the card is due less than its interval ahead.
            room = min(NOT_DUE_WITHIN, last_interval - QUIET_BEFORE_NOW)
            if room <= timedelta(0):
                return None
            due = self.now + timedelta(seconds=1 + int(rng.random() * room.total_seconds()))
        first = due - due_after_first
        return first if first >= self.earliest else None


def learner_histories(
    planner: HistoryPlanner, *, seed: int, critical: Sequence[bool], retention: tuple[float, float]
) -> Iterator[CardHistory]:
    """Every card's history for one learner, in card order; `critical[i]` picks the second
    retention (critical cards are scheduled for a higher recall) as LearnerSettings does."""
    rng = random.Random(seed)
    due_every = max(1, round(1 / DUE_SHARE))
    due_offset = rng.randrange(due_every)
    for index, is_critical in enumerate(critical):
        yield planner.card(
            rng,
            reviews=reviews_for(index),
            due_now=(index + due_offset) % due_every == 0,
            retention=retention[1] if is_critical else retention[0],
        )
