"""Writes of the daily review: answer a card exactly once, undo, bury, suspend, rebuild from log.

Exactly-once: every shown card carries a signed one-time token (user, card, MemoryState.version,
random nonce). An answer inserts its ReviewLog with the token's hash in a unique column, so a repeat
of the same submission fails the insert (DuplicateAnswer), and it updates the MemoryState with a
compare-and-swap on `version`, so an answer to a card that changed meanwhile fails (StaleAnswer).
Both happen in one transaction: either the log row and the state change are written, or neither.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F

from quizzes import scheduling
from quizzes.models import (
    Card,
    LearnerSettings,
    MemoryState,
    ReviewLog,
    ReviewSource,
    ReviewUndo,
)
from quizzes.scheduling import Memory

TOKEN_SALT = "bonelearn.review.card"
VERDICT_SALT = "bonelearn.review.verdict"
ANSWER_TIMER_CAP_MS = 60_000


class ReviewRejected(Exception):
    """An answer, undo, bury or suspend that was not applied; the message is for the learner."""


class DuplicateAnswer(ReviewRejected):
    """This very submission was already applied (double click, network retry, resent form)."""


class StaleAnswer(ReviewRejected):
    """The card changed since it was shown (answered in another tab, undone, buried)."""


@dataclass(frozen=True)
class ReviewOutcome:
    state: MemoryState
    log: ReviewLog
    interval: timedelta
    became_leech: bool


@dataclass(frozen=True)
class CardToken:
    """What a verified one-time token says about the screen it was issued for."""

    user_id: int
    card_id: int
    version: int
    issued_at: datetime
    raw: str

    def duration_ms(self, now: datetime) -> int:
        """Time from showing the card to answering it, capped like Anki's answer timer."""
        elapsed = (now - self.issued_at).total_seconds() * 1000
        return int(min(max(elapsed, 0), ANSWER_TIMER_CAP_MS))


# --- Settings -------------------------------------------------------------------------------


def settings_for(user: Any) -> LearnerSettings:
    """The learner's settings, created with the defaults on first use."""
    learner_settings, _ = LearnerSettings.objects.get_or_create(user=user)
    return learner_settings


SETTINGS_FIELDS = (
    "desired_retention",
    "critical_retention",
    "new_cards_per_day",
    "max_reviews_per_day",
    "time_zone",
    "day_start_hour",
)


def settings_save(*, user: Any, values: dict[str, Any]) -> LearnerSettings:
    """Store the learner's chosen settings, creating their row on first save; safe when two first
    saves race (update_or_create retries the lookup after a failed insert)."""
    learner_settings, _ = LearnerSettings.objects.update_or_create(
        user=user, defaults={name: values[name] for name in SETTINGS_FIELDS if name in values}
    )
    return learner_settings


def settings_or_defaults(user: Any) -> LearnerSettings:
    """The learner's settings for reading: saved ones, or unsaved defaults (one query, no write)."""
    return LearnerSettings.objects.filter(user=user).first() or LearnerSettings(user=user)


def retention_for(card: Card, learner_settings: LearnerSettings) -> float:
    """Critical cards are scheduled for a higher chance of recall."""
    if card.critical:
        return learner_settings.critical_retention
    return learner_settings.desired_retention


def scheduler_for(card: Card, learner_settings: LearnerSettings):
    return scheduling.make_scheduler(
        desired_retention=retention_for(card, learner_settings),
        parameters=learner_settings.fsrs_parameters,
    )


# --- One-time tokens ------------------------------------------------------------------------


def token_issue(*, user: Any, state: MemoryState, now: datetime) -> str:
    """A signed token for showing this card at this version once (the nonce makes it unique)."""
    issued_ms = int(now.timestamp() * 1000)
    payload = [user.pk, state.card_id, state.version, issued_ms, secrets.token_urlsafe(12)]
    return signing.dumps(payload, salt=TOKEN_SALT, compress=False)


def token_read(token: str) -> CardToken:
    """The verified token's contents; raises signing.BadSignature for a forged or damaged token."""
    payload = signing.loads(token, salt=TOKEN_SALT)
    if not (isinstance(payload, list) and len(payload) == 5):
        raise signing.BadSignature("token payload has the wrong shape")
    user_id, card_id, version, issued_ms, _nonce = payload
    if not all(isinstance(value, int) for value in (user_id, card_id, version, issued_ms)):
        raise signing.BadSignature("token payload has the wrong types")
    issued_at = datetime.fromtimestamp(issued_ms / 1000, tz=UTC)
    return CardToken(
        user_id=user_id, card_id=card_id, version=version, issued_at=issued_at, raw=token
    )


def verdict_issue(*, token: CardToken, right: bool) -> str:
    """A signed statement that the answer checked for this shown card was right or wrong.

    Bound to the learner, the card, its version and the one-time token, so it cannot be reused
    for another card, another showing of the same card, or another learner.
    """
    payload = [token.user_id, token.card_id, token.version, _log_token(token.raw), bool(right)]
    return signing.dumps(payload, salt=VERDICT_SALT, compress=False)


def verdict_read(verdict: str, *, token: CardToken) -> bool:
    """Whether the checked answer was right; raises signing.BadSignature unless the verdict was
    issued for exactly this shown card."""
    payload = signing.loads(verdict, salt=VERDICT_SALT)
    expected = [token.user_id, token.card_id, token.version, _log_token(token.raw)]
    if not (isinstance(payload, list) and len(payload) == 5 and payload[:4] == expected):
        raise signing.BadSignature("verdict issued for another card or showing")
    if not isinstance(payload[4], bool):
        raise signing.BadSignature("verdict payload has the wrong types")
    return payload[4]


def _log_token(token: str) -> str:
    # The column holds 64 characters; long (signed) tokens are stored as their SHA-256.
    if len(token) <= 64:
        return token
    return hashlib.sha256(token.encode()).hexdigest()


# --- Answering ------------------------------------------------------------------------------


def _snapshot(state: MemoryState, memory: Memory | None = None) -> dict:
    """Everything undo and rebuild need to put a MemoryState back exactly as it was."""
    data = (memory or Memory.of(state)).to_dict()
    data.update(
        reps=state.reps,
        lapses=state.lapses,
        suspended=state.suspended,
        is_leech=state.is_leech,
        buried_until=state.buried_until.isoformat() if state.buried_until else None,
        version=state.version,
    )
    return data


def _advance(
    state: MemoryState,
    *,
    card: Card,
    rating: int,
    now: datetime,
    learner_settings: LearnerSettings,
    token: str,
    source: str,
    duration_ms: int | None = None,
) -> tuple[ReviewLog, timedelta, bool]:
    """Move `state` on by one answer (in memory) and build its unsaved log row.

    The one place an answer changes a memory state: lapses, leeches and the snapshots undo and
    rebuild rely on. Returns the log, the interval given and whether the card became a leech.
    """
    after = scheduling.answer(
        Memory.of(state), rating=rating, now=now, scheduler=scheduler_for(card, learner_settings)
    )
    state_before = _snapshot(state)
    lapsed = scheduling.is_lapse(state.stage, rating)
    state.lapses += 1 if lapsed else 0
    became_leech = lapsed and state.lapses >= scheduling.LEECH_LAPSES and not state.is_leech
    if became_leech:
        state.is_leech = True
        state.suspended = True
    state.stage = after.stage
    state.step = after.step
    state.stability = after.stability
    state.difficulty = after.difficulty
    state.due = after.due
    state.last_review = after.last_review
    state.reps += 1
    state.version += 1
    interval = after.due - scheduling.as_utc(now)
    log = ReviewLog(
        user_id=state.user_id,
        card=card,
        rating=rating,
        reviewed_at=now,
        duration_ms=duration_ms,
        source=source,
        state_before=state_before,
        state_after=_snapshot(state),
        interval_seconds=round(interval.total_seconds()),
        desired_retention=retention_for(card, learner_settings),
        fsrs_parameters=learner_settings.fsrs_parameters,
        token=token,
    )
    return log, interval, became_leech


def _state_for_quiz(*, user: Any, card: Card, now: datetime) -> MemoryState:
    MemoryState.objects.bulk_create(
        [MemoryState(user=user, card=card, unlocked_at=now)], ignore_conflicts=True
    )
    return MemoryState.objects.select_for_update().get(user=user, card=card)


def review_record(
    *,
    user: Any,
    card: Card,
    rating: int,
    now: datetime,
    token: str,
    duration_ms: int | None = None,
    source: str = ReviewSource.DAILY_REVIEW,
    expected_version: int | None = None,
    learner_settings: LearnerSettings | None = None,
    state: MemoryState | None = None,
) -> ReviewOutcome:
    """Apply one answer exactly once: append a ReviewLog row and move the card's memory state on.

    `expected_version` (from the shown card's token) makes the update a compare-and-swap; without it
    (quiz answers) the state is locked and created if missing. `learner_settings` and `state` are
    optional already-loaded rows, to save queries; a stale `state` is caught by the version check.
    """
    if rating not in (1, 2, 3, 4):
        raise ValueError(f"rating must be 1-4, got {rating!r}")
    if learner_settings is None:
        learner_settings = settings_for(user)
    try:
        with transaction.atomic():
            return _record(
                user=user,
                card=card,
                rating=rating,
                now=now,
                token=_log_token(token),
                duration_ms=duration_ms,
                source=source,
                expected_version=expected_version,
                learner_settings=learner_settings,
                state=state,
            )
    except IntegrityError as error:
        if ReviewLog.objects.filter(token=_log_token(token)).exists():
            raise DuplicateAnswer("That answer was already recorded.") from error
        raise


def _record(
    *,
    user: Any,
    card: Card,
    rating: int,
    now: datetime,
    token: str,
    duration_ms: int | None,
    source: str,
    expected_version: int | None,
    learner_settings: LearnerSettings,
    state: MemoryState | None,
) -> ReviewOutcome:
    if expected_version is None:
        state = _state_for_quiz(user=user, card=card, now=now)
    elif state is None or state.version != expected_version:
        state = MemoryState.objects.filter(user=user, card=card).first()
        if state is None:
            raise MemoryState.DoesNotExist("the learner has not unlocked this card")
    if expected_version is not None and state.version != expected_version:
        if ReviewLog.objects.filter(token=token).exists():
            raise DuplicateAnswer("That answer was already recorded.")
        raise StaleAnswer("This card was already answered in another window; here is the next one.")

    version = state.version
    log, interval, became_leech = _advance(
        state,
        card=card,
        rating=rating,
        now=now,
        learner_settings=learner_settings,
        token=token,
        source=source,
        duration_ms=duration_ms,
    )
    # The unique token makes a repeated submission fail here, before anything changes.
    log.save(force_insert=True)
    changed = MemoryState.objects.filter(pk=state.pk, version=version).update(
        stage=state.stage,
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due,
        last_review=state.last_review,
        reps=state.reps,
        lapses=state.lapses,
        is_leech=state.is_leech,
        suspended=state.suspended,
        version=state.version,
    )
    if changed != 1:
        # Rolls back the log row too: the card moved on in another window meanwhile.
        raise StaleAnswer("This card was already answered in another window; here is the next one.")
    return ReviewOutcome(state=state, log=log, interval=interval, became_leech=became_leech)


_STATE_FIELDS = [
    "stage",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "is_leech",
    "suspended",
    "version",
]


def quiz_mistakes_record(*, user: Any, cards_by_token: dict[str, Card], now: datetime) -> None:
    """Log each card as a quiz review rated Again and move its memory on, exactly as
    review_record does for one answer, in a fixed number of queries (tokens already logged are
    skipped, so a repeated submit records nothing twice)."""
    if not cards_by_token:
        return
    learner_settings = settings_or_defaults(user)
    logged = set(ReviewLog.objects.filter(token__in=cards_by_token).values_list("token", flat=True))
    todo = {token: card for token, card in cards_by_token.items() if token not in logged}
    if not todo:
        return
    # A quiz mistake on a card the learner never unlocked starts its memory here.
    MemoryState.objects.bulk_create(
        [MemoryState(user=user, card=card, unlocked_at=now) for card in todo.values()],
        ignore_conflicts=True,
    )
    states = {
        state.card_id: state
        for state in MemoryState.objects.select_for_update().filter(
            user=user, card__in=[card.pk for card in todo.values()]
        )
    }
    logs = [
        _advance(
            states[card.pk],
            card=card,
            rating=scheduling.AGAIN,
            now=now,
            learner_settings=learner_settings,
            token=token,
            source=ReviewSource.QUIZ,
        )[0]
        for token, card in todo.items()
    ]
    ReviewLog.objects.bulk_create(logs)
    MemoryState.objects.bulk_update(list(states.values()), _STATE_FIELDS)


# --- Undo, bury, suspend --------------------------------------------------------------------


def last_undoable_review(*, user: Any) -> ReviewLog | None:
    """The learner's most recent daily-review answer that has not been undone."""
    return (
        ReviewLog.objects.filter(user=user, source=ReviewSource.DAILY_REVIEW, undo__isnull=True)
        .order_by("-id")
        .first()
    )


@transaction.atomic
def review_undo(*, user: Any, review_id: int, now: datetime) -> MemoryState:
    """Undo the learner's last daily-review answer: a ReviewUndo row is added, the state put back.

    Raises DuplicateAnswer if that answer is already undone, StaleAnswer if it is no longer the
    last one or its card changed since.
    """
    review = ReviewLog.objects.filter(
        user=user, pk=review_id, source=ReviewSource.DAILY_REVIEW
    ).first()
    if review is None:
        raise MemoryState.DoesNotExist("no such answer of this learner")
    if ReviewUndo.objects.filter(review=review).exists():
        raise DuplicateAnswer("That answer was already undone.")
    latest = last_undoable_review(user=user)
    if latest is None or latest.pk != review.pk:
        raise StaleAnswer("Only your most recent answer can be undone.")
    before = review.state_before
    memory = Memory.from_dict(before)
    version_after = review.state_after["version"]
    changed = MemoryState.objects.filter(
        user=user, card_id=review.card_id, version=version_after
    ).update(
        stage=memory.stage,
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due,
        last_review=memory.last_review,
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


def _bump(*, user: Any, token: CardToken, **changes: Any) -> None:
    changed = MemoryState.objects.filter(
        user=user, card_id=token.card_id, version=token.version
    ).update(version=F("version") + 1, **changes)
    if changed != 1:
        raise StaleAnswer("This card changed in another window; here is the current one.")


@transaction.atomic
def card_bury(
    *, user: Any, token: CardToken, learner_settings: LearnerSettings, now: datetime
) -> None:
    """Hide the shown card until the learner's next day starts."""
    until = scheduling.next_learning_day_start(
        now, time_zone=learner_settings.time_zone, day_start_hour=learner_settings.day_start_hour
    )
    _bump(user=user, token=token, buried_until=until)


@transaction.atomic
def card_suspend(*, user: Any, token: CardToken) -> None:
    """Take the shown card out of the learner's reviews until they (or an instructor) restore it."""
    _bump(user=user, token=token, suspended=True)


@transaction.atomic
def card_unsuspend(*, user: Any, card_id: int) -> MemoryState:
    """Put one of the learner's suspended cards back into their reviews, where it stopped.

    A leech keeps its flag (instructors still see it) and its lapse count, which goes on
    counting; it is not suspended again automatically. Raises MemoryState.DoesNotExist for a
    card that is not the learner's; restoring a card that is not suspended changes nothing.
    """
    MemoryState.objects.filter(user=user, card_id=card_id, suspended=True).update(
        suspended=False, version=F("version") + 1
    )
    return MemoryState.objects.select_related("card").get(user=user, card_id=card_id)


# --- Rebuild from the log -------------------------------------------------------------------


@dataclass
class RebuildReport:
    users: int = 0
    states: int = 0
    changed: int = 0
    created: int = 0


MEMORY_FIELDS = (
    "stage",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "is_leech",
)


def replay(logs: list[ReviewLog]) -> dict[str, Any]:
    """The memory fields after replaying one card's answers (undone ones left out), in order."""
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
        "stage": memory.stage,
        "step": memory.step,
        "stability": memory.stability,
        "difficulty": memory.difficulty,
        "due": memory.due,
        "last_review": memory.last_review,
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
                changed_states, [*MEMORY_FIELDS, "suspended", "version"], batch_size=500
            )
            MemoryState.objects.bulk_create(missing, batch_size=500)
    return report
