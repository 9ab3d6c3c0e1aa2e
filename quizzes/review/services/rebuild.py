"""Rebuilding memory states from the append-only review log (`manage.py rebuild_memory`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from quizzes.review import scheduling
from quizzes.review.models import MEMORY_FIELDS, MemoryState, ReviewLog
from quizzes.review.scheduling import Memory

# What a replay computes: the memory and its counters (suspension and burying are choices).
REPLAYED_FIELDS = (*MEMORY_FIELDS, "reps", "lapses", "is_leech")


@dataclass
class RebuildReport:
    users: int = 0
    states: int = 0
    changed: int = 0
    created: int = 0


def replay(logs: list[ReviewLog]) -> dict[str, Any]:
    """The replayed fields after one card's answers (undone ones left out), in order."""
    memory = Memory()
    reps = lapses = 0
    for log in logs:
        scheduler = scheduling.make_scheduler(
            desired_retention=log.desired_retention, parameters=log.fsrs_parameters
        )
        if scheduling.is_lapse(memory.stage, log.rating):
            lapses += 1
        memory = scheduling.answer(
            memory, rating=log.rating, now=log.reviewed_at, scheduler=scheduler
        )
        reps += 1
    return {
        **{name: getattr(memory, name) for name in MEMORY_FIELDS},
        "reps": reps,
        "lapses": lapses,
        "is_leech": lapses >= scheduling.LEECH_LAPSES,
    }


def memory_rebuild(*, user: Any, write: bool = True) -> RebuildReport:
    """Recompute one learner's memory states from their review log; with write, store what differs.

    Suspension and burying are the learner's choices, not answers, so they are kept as stored
    (a card that becomes a leech in the replay is suspended, as it was when it happened).
    """
    report = RebuildReport(users=1)
    logs = (
        ReviewLog.objects.filter(user=user, undo__isnull=True)
        .order_by("reviewed_at", "id")
        .only("card_id", "rating", "reviewed_at", "desired_retention", "fsrs_parameters")
    )
    by_card: dict[int, list[ReviewLog]] = defaultdict(list)
    for log in logs.iterator(chunk_size=2000):
        by_card[log.card_id].append(log)
    with transaction.atomic():
        states = {s.card_id: s for s in MemoryState.objects.select_for_update().filter(user=user)}
        changed_states = []
        for card_id, state in states.items():
            report.states += 1
            fields = replay(by_card.get(card_id, []))
            if all(getattr(state, name) == value for name, value in fields.items()):
                continue
            for name, value in fields.items():
                setattr(state, name, value)
            if fields["is_leech"]:
                state.suspended = True
            state.version += 1
            changed_states.append(state)
        missing = [
            MemoryState(
                user=user, card_id=card_id, unlocked_at=cards[0].reviewed_at, **replay(cards)
            )
            for card_id, cards in by_card.items()
            if card_id not in states
        ]
        report.changed = len(changed_states)
        report.created = len(missing)
        if write:
            MemoryState.objects.bulk_update(
                changed_states, [*REPLAYED_FIELDS, "suspended", "version"], batch_size=500
            )
            MemoryState.objects.bulk_create(missing, batch_size=500)
    return report
