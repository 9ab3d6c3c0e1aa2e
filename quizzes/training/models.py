"""Training modules: lessons plus a graded quiz, assigned to groups or learners, with attempts."""

from __future__ import annotations

import base64
import secrets

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from quizzes.content.models import Card, Lesson


class FeedbackPolicy(models.TextChoices):
    IMMEDIATE = "immediate", "After each question"
    AFTER_SUBMIT = "after_submit", "After submitting the attempt"
    AFTER_CLOSE = "after_close", "Only after the module closes"


class TrainingModule(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True, help_text="Markdown.")
    lessons = models.ManyToManyField(Lesson, through="ModuleLesson", related_name="modules")
    question_pool = models.ManyToManyField(
        Card, related_name="modules", blank=True, help_text="Choice and cloze cards."
    )
    questions_per_attempt = models.PositiveIntegerField(
        default=10, validators=[MinValueValidator(1)]
    )
    pass_mark = models.PositiveSmallIntegerField(
        default=80, validators=[MaxValueValidator(100)], help_text="Percent needed to pass."
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        default=0, help_text="0 means unlimited attempts."
    )
    time_limit_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Empty: no limit."
    )
    shuffle_questions = models.BooleanField(default=True)
    shuffle_choices = models.BooleanField(default=True)
    partial_credit = models.BooleanField(
        default=False, help_text="Multiple-select questions earn partial credit."
    )
    feedback_policy = models.CharField(
        max_length=16, choices=FeedbackPolicy.choices, default=FeedbackPolicy.AFTER_SUBMIT
    )
    available_from = models.DateTimeField(null=True, blank=True)
    available_until = models.DateTimeField(null=True, blank=True)
    is_published = models.BooleanField(default=False)
    questions_per_page = models.PositiveSmallIntegerField(
        default=0, help_text="0 shows every question on one page; 1 one question per page."
    )
    lessons_required = models.BooleanField(
        "lessons must be read first",
        default=True,
        help_text="The quiz can only be started once every lesson of the module has been read.",
    )
    version = models.CharField(
        max_length=20, default="1.0", help_text="Printed on certificates, e.g. 1.0 or 2026-03."
    )
    cpd_hours = models.DecimalField(
        "CPD hours",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Continuing professional development hours printed on certificates.",
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:module", kwargs={"slug": self.slug})


class ModuleLesson(models.Model):
    module = models.ForeignKey(
        TrainingModule, on_delete=models.CASCADE, related_name="module_lessons"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="module_lessons")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "lesson of a module"
        verbose_name_plural = "lessons of modules"
        ordering = ["module", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["module", "lesson"], name="modulelesson_once"),
        ]

    def __str__(self) -> str:
        return f"{self.module}: {self.lesson}"


class Assignment(models.Model):
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="assignments")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True
    )
    due_at = models.DateTimeField()
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at"]
        # Held by the Instructors group (quizzes/core/roles.py): the narrow way to add learners.
        permissions = [("upload_learners", "Can add learners to groups from a CSV file")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(group__isnull=False, user__isnull=True)
                    | Q(group__isnull=True, user__isnull=False)
                ),
                name="assignment_group_xor_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module} → {self.group or self.user}"


class Attempt(models.Model):
    module = models.ForeignKey(TrainingModule, on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True)
    # When the attempt's mistakes went into the learner's daily review: only once the learner may
    # see the feedback (quizzes.training.services.attempts.mistakes_release).
    mistakes_released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["module", "user", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["module", "user", "number"], name="attempt_number_unique"
            ),
            # One open attempt per learner and module: starting twice resumes instead.
            models.UniqueConstraint(
                fields=["module", "user"],
                condition=Q(submitted_at__isnull=True),
                name="attempt_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.module} · attempt {self.number}"


class AttemptQuestion(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="questions")
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="attempt_questions")
    position = models.PositiveSmallIntegerField()
    # Grading checks it against the card's kind now: an edited card is not graded as drawn.
    card_kind = models.CharField(
        max_length=16, blank=True, default="", help_text="The card's kind when it was drawn."
    )
    choice_order = models.JSONField(default=list, blank=True, help_text="Choice ids as shown.")
    response = models.JSONField(null=True, blank=True, help_text="Choice ids or typed text.")
    answered_at = models.DateTimeField(null=True, blank=True)
    fraction = models.DecimalField(
        max_digits=5, decimal_places=4, null=True, blank=True, help_text="Credit 0-1 once graded."
    )
    flagged = models.BooleanField(default=False, help_text="Flagged by the learner for review.")
    # With feedback after each question: when "Check answer" made the answer final.
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "quiz question in an attempt"
        verbose_name_plural = "quiz questions in attempts"
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="attemptquestion_position"
            ),
            models.UniqueConstraint(fields=["attempt", "card"], name="attemptquestion_card_once"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt} · Q{self.position}"


class Completion(models.Model):
    module = models.ForeignKey(TrainingModule, on_delete=models.PROTECT, related_name="completions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="completions"
    )
    attempt = models.OneToOneField(Attempt, on_delete=models.PROTECT, related_name="completion")
    completed_at = models.DateTimeField()
    score = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["-completed_at"]
        constraints = [
            models.UniqueConstraint(fields=["module", "user"], name="completion_once_per_module"),
        ]

    def __str__(self) -> str:
        return f"{self.user} completed {self.module}"


def new_certificate_code() -> str:
    """80 random bits (secrets) in base 32, grouped for reading aloud: XXXX-XXXX-XXXX-XXXX."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


class Certificate(models.Model):
    """What a completion certifies, fixed when it is issued: later edits to the learner's name or
    the module do not change a certificate already handed out."""

    completion = models.OneToOneField(
        Completion, on_delete=models.PROTECT, related_name="certificate"
    )
    code = models.CharField(max_length=19, unique=True, default=new_certificate_code)
    learner_name = models.CharField(max_length=300)
    module_title = models.CharField(max_length=200)
    module_version = models.CharField(max_length=20)
    score = models.DecimalField(max_digits=5, decimal_places=2)
    completed_at = models.DateTimeField()
    cpd_hours = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    issuer = models.CharField(max_length=200)
    issued_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revocation_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        permissions = [("revoke_certificate", "Can revoke a certificate")]

    def __str__(self) -> str:
        return f"{self.code} · {self.learner_name} · {self.module_title}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    def get_absolute_url(self) -> str:
        return reverse("training:verify", kwargs={"code": self.code})


class GroupInstructor(models.Model):
    """An instructor who receives the weekly digest of a learner group's overdue training."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="training_instructors")
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="instructed_groups"
    )

    class Meta:
        verbose_name = "instructor of a learner group"
        verbose_name_plural = "instructors of learner groups"
        ordering = ["group__name"]
        constraints = [
            models.UniqueConstraint(fields=["group", "instructor"], name="groupinstructor_once"),
        ]

    def __str__(self) -> str:
        return f"{self.instructor} · {self.group}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"
    DIGEST = "digest", "Weekly digest of overdue learners"


class Reminder(models.Model):
    """One reminder email, recorded when sent; the unique key makes every reminder go out once
    however often `send_reminders` runs (learner reminders: per module and due date; digests:
    per ISO week). Changing a due date makes a new reminder due."""

    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_reminders"
    )
    module = models.ForeignKey(
        TrainingModule, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    key = models.CharField(
        max_length=60, help_text="Module and due date, or the week of a digest (e.g. 2026-W10)."
    )
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "user", "key"], name="reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.user} ({self.key})"
