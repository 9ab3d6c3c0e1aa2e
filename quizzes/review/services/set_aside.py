"""Taking an answer back (undo) and setting a card aside (bury until tomorrow, suspend, restore)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from quizzes.review.errors import DuplicateAnswer, NotTheLearners, StaleAnswer
from quizzes.review.models import (
    LearnerSettings,
    MemoryState,
    ReviewLog,
    ReviewSource,
    ReviewUndo,
)
from quizzes.review.scheduling import Memory
from quizzes.review.services.checking import refuse_expired
from quizzes.review.tokens import CardToken

CHANGED_MESSAGE = "This card changed in another window; here is the current one."


def last_undoable_review(*, user: Any) -> ReviewLog | None:
    """The learner's most recent standing daily-review answer (what undo takes back)."""
    return ReviewLog.objects.standing().filter(user=user).order_by("-id").first()


@transaction.atomic
def review_undo(*, user: Any, review_id: int, now: datetime) -> MemoryState:
    """Undo the learner's last daily-review answer: a ReviewUndo row is added, the state put back.

    Raises NotTheLearners for an answer that is not theirs, DuplicateAnswer if that answer is
    already undone, StaleAnswer if it is no longer the last one or its card changed since.
    """
    review = ReviewLog.objects.filter(user=user, pk=review_id).first()
    if review is None or review.source != ReviewSource.DAILY_REVIEW:
        raise NotTheLearners("No such answer of this learner.")
    if ReviewUndo.objects.filter(review=review).exists():
        raise DuplicateAnswer("That answer was already undone.")
    latest = last_undoable_review(user=user)
    if latest is None or latest.pk != review.pk:
        raise StaleAnswer("Only your most recent answer can be undone.")
    before = review.state_before
    version_after = review.state_after["version"]
    changed = MemoryState.objects.filter(
        user=user, card_id=review.card_id, version=version_after
    ).update(
        **asdict(Memory.from_dict(before)),
        reps=before["reps"],
        lapses=before["lapses"],
        suspended=before["suspended"],
        is_leech=before["is_leech"],
        buried_until=(
            datetime.fromisoformat(before["buried_until"]) if before["buried_until"] else None
        ),
        # Never back to an old number: tokens shown for the answered state must stay stale.
        version=version_after + 1,
    )
    if changed != 1:
        if ReviewUndo.objects.filter(review=review).exists():
            raise DuplicateAnswer("That answer was already undone.")
        raise StaleAnswer(
            "That card changed after the answer, so the answer can no longer be undone."
        )
    try:
        with transaction.atomic():
            ReviewUndo.objects.create(review=review, undone_at=now)
    except IntegrityError as error:
        raise DuplicateAnswer("That answer was already undone.") from error
    return MemoryState.objects.select_related("card").get(user=user, card_id=review.card_id)


def _bump(
    *, user: Any, token: CardToken, learner_settings: LearnerSettings, now: datetime, **changes: Any
) -> None:
    refuse_expired(token, learning_day=learner_settings.learning_day, now=now)
    changed = MemoryState.objects.filter(
        user=user, card_id=token.card_id, version=token.version
    ).update(version=F("version") + 1, **changes)
    if changed != 1:
        raise StaleAnswer(CHANGED_MESSAGE)


@transaction.atomic
def card_bury(
    *, user: Any, token: CardToken, learner_settings: LearnerSettings, now: datetime
) -> None:
    """Hide the shown card until the learner's next day starts."""
    _bump(
        user=user,
        token=token,
        learner_settings=learner_settings,
        now=now,
        buried_until=learner_settings.learning_day.next_start(now),
    )


@transaction.atomic
def card_suspend(
    *, user: Any, token: CardToken, learner_settings: LearnerSettings, now: datetime
) -> None:
    """Take the shown card out of the learner's reviews until they (or an instructor) restore it."""
    _bump(user=user, token=token, learner_settings=learner_settings, now=now, suspended=True)


@transaction.atomic
def card_unsuspend(*, user: Any, card_id: int) -> MemoryState:
    """Put one of the learner's suspended cards back into their reviews, where it stopped.

    A leech keeps its flag (instructors still see it) and its lapse count, which goes on
    counting; it is not suspended again automatically. Raises NotTheLearners for a card that is
    not the learner's; restoring a card that is not suspended changes nothing.
    """
    MemoryState.objects.filter(user=user, card_id=card_id, suspended=True).update(
        suspended=False, version=F("version") + 1
    )
    state = MemoryState.objects.select_related("card").filter(user=user, card_id=card_id).first()
    if state is None:
        raise NotTheLearners("No such card in your reviews.")
    return state
