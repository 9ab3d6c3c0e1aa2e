"""Each learner's memory of each card (an FSRS state) and the append-only review log behind it.

The concepts every page counts have one definition each, here: a card "in the queue" at a moment,
"due by" a moment, "introduced" (MemoryState), and a "standing" answer (ReviewLog). The hand-written
queue statement (queue_sql.py) says the same in SQL and is checked against these by a test.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from quizzes.content.answers import Verdict
from quizzes.content.models import Card, CardStatus, Lesson
from quizzes.review.days import LearningDay, zone_or_utc
from quizzes.review.scheduling import Memory, Scheduler, make_scheduler

# The fields of a memory state that fsrs computes, named once by the scheduling dataclass.
MEMORY_FIELDS = tuple(field.name for field in dataclasses.fields(Memory))
# Everything an answer changes on a MemoryState (the memory, its counters and the version).
ANSWER_FIELDS = (*MEMORY_FIELDS, "reps", "lapses", "is_leech", "suspended", "version")


class MemoryStage(models.IntegerChoices):
    # 1-3 mirror fsrs.State; NEW is ours: the learner has unlocked the card but never answered it.
    NEW = 0, "New"
    LEARNING = 1, "Learning"
    REVIEW = 2, "Review"
    RELEARNING = 3, "Relearning"


class ReviewSource(models.TextChoices):
    DAILY_REVIEW = "review", "Daily review"
    QUIZ = "quiz", "Training quiz"


class LearnerSettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_settings"
    )
    desired_retention = models.FloatField(
        default=0.90, validators=[MinValueValidator(0.70), MaxValueValidator(0.97)]
    )
    critical_retention = models.FloatField(
        default=0.95, validators=[MinValueValidator(0.70), MaxValueValidator(0.99)]
    )
    new_cards_per_day = models.PositiveIntegerField(
        default=20, validators=[MaxValueValidator(9999)]
    )
    max_reviews_per_day = models.PositiveIntegerField(
        default=200, validators=[MaxValueValidator(9999)]
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    # False until the learner chose a zone or their browser reported one (on their first visit).
    time_zone_set = models.BooleanField(default=False, db_default=False)
    day_start_hour = models.PositiveSmallIntegerField(
        default=4, validators=[MaxValueValidator(23)], help_text="Hour the learning day starts."
    )
    learn_ahead_minutes = models.PositiveSmallIntegerField(
        default=20,
        db_default=20,
        validators=[MaxValueValidator(720)],
        help_text="When nothing else is due, learning cards due within this many minutes are "
        "shown (Anki's learn-ahead limit).",
    )
    fsrs_parameters = models.JSONField(
        null=True, blank=True, help_text="Parameters fitted to this learner; empty means defaults."
    )

    class Meta:
        verbose_name_plural = "learner settings"

    def __str__(self) -> str:
        return f"Settings of {self.user}"

    @property
    def learn_ahead(self) -> timedelta:
        return timedelta(minutes=self.learn_ahead_minutes)

    @property
    def learning_day(self) -> LearningDay:
        """The learner's day boundaries (a zone the database no longer knows reads as UTC)."""
        return LearningDay(
            time_zone=zone_or_utc(self.time_zone), day_start_hour=self.day_start_hour
        )

    def retention_for(self, card: Card) -> float:
        """Critical cards are scheduled for a higher chance of recall."""
        return self.critical_retention if card.critical else self.desired_retention

    def scheduler_for(self, card: Card) -> Scheduler:
        return make_scheduler(
            desired_retention=self.retention_for(card), parameters=self.fsrs_parameters
        )


def introduced_q(prefix: str = "") -> Q:
    """A published card the learner has answered at least once (stage other than New)."""
    return Q(**{f"{prefix}card__status": CardStatus.PUBLISHED}) & ~Q(
        **{f"{prefix}stage": MemoryStage.NEW}
    )


def in_queue_q(now: datetime, prefix: str = "") -> Q:
    """A published card the learner may be shown at `now`: not suspended, not buried."""
    return Q(
        Q(**{f"{prefix}buried_until__isnull": True}) | Q(**{f"{prefix}buried_until__lte": now}),
        **{f"{prefix}card__status": CardStatus.PUBLISHED, f"{prefix}suspended": False},
    )


def due_by_q(moment: datetime, prefix: str = "") -> Q:
    """A card answered before whose next review falls at or before `moment`."""
    return ~Q(**{f"{prefix}stage": MemoryStage.NEW}) & Q(**{f"{prefix}due__lte": moment})


LEARNING_STAGES = (MemoryStage.LEARNING, MemoryStage.RELEARNING)


class MemoryStateQuerySet(models.QuerySet):
    def introduced(self) -> MemoryStateQuerySet:
        """Cards the learner has started, for mastery and "cards started" figures."""
        return self.filter(introduced_q())

    def in_queue(self, now: datetime) -> MemoryStateQuerySet:
        """Cards that may be shown at `now` (published, not suspended, not buried)."""
        return self.filter(in_queue_q(now))

    def due_by(self, moment: datetime) -> MemoryStateQuerySet:
        """Started cards due at or before `moment`; chain after in_queue for what can be shown."""
        return self.filter(due_by_q(moment))


class MemoryState(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memory_states"
    )
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="memory_states")
    stage = models.PositiveSmallIntegerField(choices=MemoryStage.choices, default=MemoryStage.NEW)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField(null=True, blank=True)
    last_review = models.DateTimeField(null=True, blank=True)
    reps = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    suspended = models.BooleanField(default=False)
    buried_until = models.DateTimeField(null=True, blank=True)
    is_leech = models.BooleanField(default=False)
    # Bumped on every change; a shown card's token names the version it was shown at.
    version = models.PositiveIntegerField(default=0)
    unlocked_at = models.DateTimeField()

    objects = MemoryStateQuerySet.as_manager()

    class Meta:
        verbose_name = "card in a learner's reviews"
        verbose_name_plural = "cards in learners' reviews"
        constraints = [
            models.UniqueConstraint(fields=["user", "card"], name="memory_one_state_per_card"),
        ]
        indexes = [
            models.Index(fields=["user", "stage", "due"], name="memory_user_stage_due"),
            models.Index(fields=["user", "due"], name="memory_user_due"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · card {self.card_id} · {self.get_stage_display()}"

    @property
    def memory(self) -> Memory:
        return Memory(**{name: getattr(self, name) for name in MEMORY_FIELDS})

    def apply(self, memory: Memory) -> None:
        """Take on the memory fields of `memory` (counters and version are the caller's)."""
        for name in MEMORY_FIELDS:
            setattr(self, name, getattr(memory, name))


def standing_q(prefix: str = "") -> Q:
    """A daily-review answer that was not undone: what accuracy, retention, streaks and daily
    limits count (quiz mistakes are logged too, but only the wrong ones, so they would bias every
    share downwards)."""
    return Q(**{f"{prefix}undo__isnull": True, f"{prefix}source": ReviewSource.DAILY_REVIEW})


class ReviewLogQuerySet(models.QuerySet):
    def standing(self) -> ReviewLogQuerySet:
        """Standing answers (standing_q)."""
        return self.filter(standing_q())

    def counted_against_limits(self, *, user: Any, day_start: datetime) -> dict[str, int]:
        """The learner's standing answers since their day started that count against the daily
        limits: to new cards (`new_done`) and to review cards (`reviews_done`); 1 query."""
        return (
            self.standing()
            .filter(user=user, reviewed_at__gte=day_start)
            .aggregate(
                new_done=models.Count("id", filter=Q(stage_before=MemoryStage.NEW)),
                reviews_done=models.Count("id", filter=Q(stage_before=MemoryStage.REVIEW)),
            )
        )


class ReviewLog(models.Model):
    """One answer. Rows are only ever added; an undo adds a ReviewUndo row instead of deleting."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_logs"
    )
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="review_logs")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    reviewed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(
        max_length=16, choices=ReviewSource.choices, default=ReviewSource.DAILY_REVIEW
    )
    # The stage the card was in before this answer, as a column: daily limits count answers to
    # new and to review cards on every review request (state_before holds the whole snapshot).
    stage_before = models.PositiveSmallIntegerField(choices=MemoryStage.choices)
    state_before = models.JSONField()
    state_after = models.JSONField()
    interval_seconds = models.BigIntegerField(help_text="Time from this review to the next due.")
    desired_retention = models.FloatField()
    fsrs_parameters = models.JSONField(null=True, blank=True)
    token = models.CharField(max_length=64, unique=True, help_text="One-time token of the answer.")
    # A database default too: rows written by raw SQL (the benchmark's dataset) need no value.
    overridden = models.BooleanField(
        default=False,
        db_default=False,
        help_text="The learner counted a typed answer marked wrong as right (\u201cI typed it "
        "right\u201d).",
    )

    objects = ReviewLogQuerySet.as_manager()

    class Meta:
        verbose_name = "review answer"
        ordering = ["reviewed_at", "id"]
        indexes = [
            models.Index(fields=["user", "reviewed_at"], name="reviewlog_user_time"),
            # The newest answer undo would take back: MAX(id) per learner.
            models.Index(fields=["user", "id"], name="reviewlog_user_id"),
            models.Index(fields=["card", "reviewed_at"], name="reviewlog_card_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=4), name="reviewlog_rating_1_to_4"
            ),
        ]

    def __str__(self) -> str:
        when = f"{self.reviewed_at:%Y-%m-%d %H:%M}"
        return f"{self.user} rated card {self.card_id} {self.rating} at {when}"


class CheckedAnswer(models.Model):
    """The first check of a shown card (or "Show answer" before any): its verdict is final for
    the card as it was shown (its memory state's version, which the one-time token names, so a
    second tab or a reload showing the same card gets the same verdict), and grading reads it
    here. A new version (after an answer, an undo) is a new showing with a check of its own."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checked_answers"
    )
    # A check nobody graded is not history worth keeping a card for (content's "in use").
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="checked_answers")
    verdict = models.CharField(max_length=8, choices=[(v.value, v.name.title()) for v in Verdict])
    picked = models.JSONField(default=list, blank=True, help_text="Choice ids picked.")
    typed = models.CharField(max_length=500, blank=True)
    revealed = models.BooleanField(default=False, help_text="Show answer, without answering.")
    overridden = models.BooleanField(default=False, help_text="“I typed it right”.")
    version = models.PositiveIntegerField(help_text="MemoryState.version the card was shown at.")
    checked_at = models.DateTimeField()

    class Meta:
        verbose_name = "checked answer"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "card", "version"], name="checkedanswer_once_per_showing"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} checked card {self.card_id}: {self.verdict}"


class ReviewUndo(models.Model):
    review = models.OneToOneField(
        ReviewLog, on_delete=models.PROTECT, primary_key=True, related_name="undo"
    )
    # Indexed for the cohort figures, which look for undos since their last refresh.
    undone_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Undo of review {self.review_id}"


class LessonRead(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lessons_read"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField()
    # Read only within a training module: the learner has not opened the topic, so its cards
    # stay locked (the module's quiz asks them), also when more are published later.
    within_module = models.BooleanField(default=False, db_default=False)

    class Meta:
        verbose_name = "lesson read by a learner"
        verbose_name_plural = "lessons read by learners"
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="lessonread_once_per_lesson"),
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.lesson}"
