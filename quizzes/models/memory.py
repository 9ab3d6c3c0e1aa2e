"""Each learner's memory of each card (an FSRS state) and the append-only review log behind it."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from .content import Card, Lesson


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
    day_start_hour = models.PositiveSmallIntegerField(
        default=4, validators=[MaxValueValidator(23)], help_text="Hour the learning day starts."
    )
    fsrs_parameters = models.JSONField(
        null=True, blank=True, help_text="Parameters fitted to this learner; empty means defaults."
    )

    class Meta:
        verbose_name_plural = "learner settings"

    def __str__(self) -> str:
        return f"Settings of {self.user}"


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

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "card"], name="memory_one_state_per_card"),
        ]
        indexes = [
            models.Index(fields=["user", "stage", "due"], name="memory_user_stage_due"),
            models.Index(fields=["user", "due"], name="memory_user_due"),
        ]
        # Held by the Instructors group (quizzes/roles.py): staff see the whole cohort's figures.
        permissions = [("view_cohort_statistics", "Can view the cohort's learning statistics")]

    def __str__(self) -> str:
        return f"{self.user} · card {self.card_id} · {self.get_stage_display()}"


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
    state_before = models.JSONField()
    state_after = models.JSONField()
    interval_seconds = models.BigIntegerField(help_text="Time from this review to the next due.")
    desired_retention = models.FloatField()
    fsrs_parameters = models.JSONField(null=True, blank=True)
    token = models.CharField(max_length=64, unique=True, help_text="One-time token of the answer.")

    class Meta:
        ordering = ["reviewed_at", "id"]
        indexes = [
            models.Index(fields=["user", "reviewed_at"], name="reviewlog_user_time"),
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


class ReviewUndo(models.Model):
    review = models.OneToOneField(
        ReviewLog, on_delete=models.PROTECT, primary_key=True, related_name="undo"
    )
    undone_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Undo of review {self.review_id}"


class LessonRead(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lessons_read"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="lessonread_once_per_lesson"),
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.lesson}"
