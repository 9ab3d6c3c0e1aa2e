"""Answering a card: exactly once, under the rules of its checked answer and the daily limits,
replayable from the log.

Exactly-once: an answer inserts its ReviewLog with the shown card's one-time token in a unique
column, so a repeat of the same submission fails the insert (DuplicateAnswer), and it updates the
MemoryState with a compare-and-swap on `version`, so an answer to a card that changed meanwhile
fails (StaleAnswer). Both happen in one transaction: the log row and the state change are written
together or not at all.

Rules checked at answer time, whatever screen the answer comes from: the grade must be one the
showing's stored verdict allows (quizzes.review.services.checking); a new card beyond today's
new-card limit or a review beyond the review limit is refused (LimitReached: ten tabs opened at
once cannot record ten new cards under a limit of 3); the token must be of today's learning day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from quizzes.content import answers
from quizzes.content.models import Card, CardStatus
from quizzes.review import scheduling
from quizzes.review.errors import (
    CardWithdrawn,
    DuplicateAnswer,
    GradeRefused,
    LimitReached,
    NotTheLearners,
    StaleAnswer,
)
from quizzes.review.models import (
    ANSWER_FIELDS,
    LearnerSettings,
    MemoryStage,
    MemoryState,
    ReviewLog,
    ReviewSource,
)
from quizzes.review.selectors.settings import learner_settings as settings_of
from quizzes.review.services.checking import checked_answer, grade_refusal, refuse_expired
from quizzes.review.tokens import CardToken

NEW_LIMIT_MESSAGE = (
    "You have reached today's limit of {limit} new card{s}, so this answer was not recorded. "
    "More new cards come tomorrow; you can change the limit in Settings."
)
REVIEW_LIMIT_MESSAGE = (
    "You have reached today's limit of {limit} review{s}, so this answer was not recorded. The "
    "rest wait for tomorrow; you can change the limit in Settings."
)
STALE_MESSAGE = "This card was already answered in another window; here is the next one."
LEECH_MESSAGE = (
    "You have forgotten this card {lapses} times, so it is now suspended as a leech and your "
    "instructors have been told. Reread its lesson; they may rewrite the card. You can restore it "
    "from your suspended cards."
)

WITHDRAWN_MESSAGE = (
    "Your instructors have taken this card out of the reviews while it was on your screen, so "
    "your answer was not recorded. Here is the next card."
)


@dataclass(frozen=True)
class ReviewOutcome:
    state: MemoryState
    log: ReviewLog
    interval: timedelta
    became_leech: bool


def snapshot(state: MemoryState) -> dict:
    """Everything undo and rebuild need to put a MemoryState back exactly as it was."""
    data = state.memory.to_dict()
    data.update(
        reps=state.reps,
        lapses=state.lapses,
        suspended=state.suspended,
        is_leech=state.is_leech,
        buried_until=state.buried_until.isoformat() if state.buried_until else None,
        version=state.version,
    )
    return data


def advance(
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
        state.memory, rating=rating, now=now, scheduler=learner_settings.scheduler_for(card)
    )
    stage_before = state.stage
    state_before = snapshot(state)
    lapsed = scheduling.is_lapse(state.stage, rating)
    state.lapses += 1 if lapsed else 0
    became_leech = lapsed and state.lapses >= scheduling.LEECH_LAPSES and not state.is_leech
    if became_leech:
        state.is_leech = True
        state.suspended = True
    state.apply(after)
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
        stage_before=stage_before,
        state_before=state_before,
        state_after=snapshot(state),
        interval_seconds=round(interval.total_seconds()),
        desired_retention=learner_settings.retention_for(card),
        fsrs_parameters=learner_settings.fsrs_parameters,
        token=token,
    )
    return log, interval, became_leech


def review_record(
    *,
    user: Any,
    card: Card,
    rating: int,
    now: datetime,
    shown: CardToken,
    duration_ms: int | None = None,
    learner_settings: LearnerSettings | None = None,
    state: MemoryState | None = None,
) -> ReviewOutcome:
    """Record one daily-review answer to the shown card exactly once and move its memory on.

    `shown` (the verified one-time token) names the version the card was shown at, which makes
    the update a compare-and-swap, and the showing whose stored check limits a choice or cloze
    card's grades. `learner_settings` and `state` are optional already-loaded rows, to save
    queries; a stale `state` is caught by the version check. Raises DuplicateAnswer, StaleAnswer
    (ShownOnAnotherDay for yesterday's token), GradeRefused, LimitReached, CardWithdrawn or
    NotTheLearners.
    """
    if card.status != CardStatus.PUBLISHED:
        # Learners answer published cards only, whichever way the answer arrives.
        raise CardWithdrawn(WITHDRAWN_MESSAGE)
    learner_settings = learner_settings or settings_of(user)
    refuse_expired(shown, learning_day=learner_settings.learning_day, now=now)
    checked = checked_answer(shown=shown) if answers.needs_check(card.kind) else None
    refusal = grade_refusal(card=card, checked=checked, rating=rating)
    if refusal:
        raise GradeRefused(refusal)
    stored = shown.stored
    try:
        with transaction.atomic():
            return _record(
                user=user,
                card=card,
                rating=rating,
                now=now,
                token=stored,
                duration_ms=shown.duration_ms(now) if duration_ms is None else duration_ms,
                expected_version=shown.version,
                learner_settings=learner_settings,
                state=state,
                overridden=bool(checked and checked.overridden),
            )
    except IntegrityError as error:
        if ReviewLog.objects.filter(token=stored).exists():
            raise DuplicateAnswer("That answer was already recorded.") from error
        raise


def _refuse_beyond_limits(
    *, user: Any, stage: int, learner_settings: LearnerSettings, now: datetime
) -> None:
    """Refuse an answer to a new card beyond today's new-card limit, or to a review card beyond
    the review limit, counting the learner's standing answers of their learning day (the queue
    counts the same). The learner's row is locked first, so on PostgreSQL answers from several
    tabs count each other in turn (SQLite's BEGIN IMMEDIATE already serialises writers)."""
    if stage == MemoryStage.NEW:
        limit, counted, message = learner_settings.new_cards_per_day, "new_done", NEW_LIMIT_MESSAGE
    elif stage == MemoryStage.REVIEW:
        limit, counted = learner_settings.max_reviews_per_day, "reviews_done"
        message = REVIEW_LIMIT_MESSAGE
    else:
        return  # learning cards are never held back: they are mid-way through being learned
    # NO KEY UPDATE: log rows' foreign keys take KEY SHARE locks on the learner's row (a quiz
    # submit logging mistakes holds those while it waits for memory rows); a plain FOR UPDATE
    # would deadlock with it.
    if connection.features.has_select_for_update:
        learner = get_user_model().objects.select_for_update(no_key=True).filter(pk=user.pk)
        list(learner.values_list("pk"))
    done = ReviewLog.objects.counted_against_limits(
        user=user, day_start=learner_settings.learning_day.start_of(now)
    )
    if done[counted] >= limit:
        raise LimitReached(message.format(limit=limit, s=pluralize(limit)))


def _record(
    *,
    user: Any,
    card: Card,
    rating: int,
    now: datetime,
    token: str,
    duration_ms: int | None,
    expected_version: int,
    learner_settings: LearnerSettings,
    state: MemoryState | None,
    overridden: bool,
) -> ReviewOutcome:
    if state is None or state.version != expected_version:
        state = MemoryState.objects.filter(user=user, card=card).first()
        if state is None:
            raise NotTheLearners("The learner has not unlocked this card.")
    if state.version != expected_version:
        if ReviewLog.objects.filter(token=token).exists():
            raise DuplicateAnswer("That answer was already recorded.")
        raise StaleAnswer(STALE_MESSAGE)
    _refuse_beyond_limits(user=user, stage=state.stage, learner_settings=learner_settings, now=now)
    version = state.version
    log, interval, became_leech = advance(
        state,
        card=card,
        rating=rating,
        now=now,
        learner_settings=learner_settings,
        token=token,
        source=ReviewSource.DAILY_REVIEW,
        duration_ms=duration_ms,
    )
    log.overridden = overridden
    # The unique token makes a repeated submission fail here, before anything changes.
    log.save(force_insert=True)
    changed = MemoryState.objects.filter(pk=state.pk, version=version).update(
        **{name: getattr(state, name) for name in ANSWER_FIELDS}
    )
    if changed != 1:
        # Rolls back the log row too: the card moved on in another window meanwhile.
        raise StaleAnswer(STALE_MESSAGE)
    return ReviewOutcome(state=state, log=log, interval=interval, became_leech=became_leech)


def quiz_mistakes_record(
    *, user: Any, cards_by_token: dict[str, Card], clock: Callable[[], datetime] = timezone.now
) -> datetime | None:
    """Log each card as a quiz review rated Again and move its memory on, exactly as an answer
    does, in a fixed number of queries (tokens already logged are skipped, so a repeated submit
    records nothing twice). Runs inside the caller's transaction; returns the time recorded.

    The time is read from `clock` only once the memory rows are locked: a daily answer to the same
    card committed while this waited for the lock is then earlier in the log too, so replaying the
    log (rebuild_memory) applies the answers in the order they really changed the state.
    """
    if not cards_by_token:
        return None
    learner_settings = settings_of(user)
    logged = set(ReviewLog.objects.filter(token__in=cards_by_token).values_list("token", flat=True))
    todo = {token: card for token, card in cards_by_token.items() if token not in logged}
    if not todo:
        return None
    card_ids = [card.pk for card in todo.values()]
    # A quiz mistake on a card the learner never unlocked starts its memory here.
    MemoryState.objects.bulk_create(
        [MemoryState(user=user, card=card, unlocked_at=clock()) for card in todo.values()],
        ignore_conflicts=True,
    )
    states = {
        state.card_id: state
        for state in MemoryState.objects.select_for_update().filter(user=user, card__in=card_ids)
    }
    now = clock()
    logs = [
        advance(
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
    MemoryState.objects.bulk_update(list(states.values()), list(ANSWER_FIELDS))
    return now
