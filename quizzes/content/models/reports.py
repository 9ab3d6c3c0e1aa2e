"""Problems with cards: learners' reports and the flags BoneLearn raises itself."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from quizzes.content.models.cards import Card


class ReportReason(models.TextChoices):
    # What a learner can say is wrong with a card ...
    WRONG = "wrong", "Wrong"
    UNCLEAR = "unclear", "Unclear"
    TYPO = "typo", "Typo"
    OTHER = "other", "Other"
    # ... and what BoneLearn flags by itself.
    STATISTICS = "statistics", "Item statistics look wrong"
    SOURCE_CHANGED = "source_changed", "Source passage changed"


LEARNER_REASONS = (ReportReason.WRONG, ReportReason.UNCLEAR, ReportReason.TYPO, ReportReason.OTHER)
FLAG_REASONS = (ReportReason.STATISTICS, ReportReason.SOURCE_CHANGED)


class ReportPlace(models.TextChoices):
    REVIEW = "review", "Daily review"
    QUIZ = "quiz", "Training quiz"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class CardReportQuerySet(models.QuerySet):
    def open(self) -> CardReportQuerySet:
        return self.filter(status=ReportStatus.OPEN)

    def for_queue(self) -> CardReportQuerySet:
        """Reports with the card, its topic and the people named, for the instructors' queue."""
        return self.select_related("card__topic", "reporter", "resolved_by")

    def of_learner(self, user: object) -> CardReportQuerySet:
        """One learner's own reports with their cards, newest first, for "My reports"."""
        return self.filter(reporter=user).select_related("card__topic")

    def unread_replies(self) -> CardReportQuerySet:
        """Resolved reports whose reply the learner has not opened yet."""
        return self.filter(status=ReportStatus.RESOLVED, reply_seen_at__isnull=True).exclude(
            reply=""
        )


class CardReport(models.Model):
    """A learner's report of a problem with a card, or a flag BoneLearn raised (no reporter).

    Both wait in one queue until an instructor resolves them; a learner's report is answered with
    a reply the learner reads in "My reports".
    """

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="card_reports",
        help_text="Empty for a flag BoneLearn raised by itself.",
    )
    reason = models.CharField(max_length=16, choices=ReportReason.choices)
    note = models.TextField(
        blank=True, max_length=1000, help_text="The learner's words, or the flag's figures."
    )
    place = models.CharField(
        max_length=8, choices=ReportPlace.choices, blank=True, help_text="Where the learner was."
    )
    status = models.CharField(max_length=8, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reply = models.TextField(blank=True, max_length=2000, help_text="What the learner reads.")
    reply_seen_at = models.DateTimeField(null=True, blank=True)

    objects = CardReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "report"
        constraints = [
            # One open report per learner per card: a second click, tab or retry adds nothing.
            models.UniqueConstraint(
                fields=["card", "reporter"],
                condition=Q(status="open", reporter__isnull=False),
                name="report_one_open_per_learner_and_card",
            ),
            models.UniqueConstraint(
                fields=["card", "reason"],
                condition=Q(status="open", reporter__isnull=True),
                name="report_one_open_flag_per_card_and_reason",
            ),
            models.CheckConstraint(
                condition=Q(reporter__isnull=False, reason__in=LEARNER_REASONS)
                | Q(reporter__isnull=True, reason__in=FLAG_REASONS),
                name="report_reason_fits_reporter",
            ),
            models.CheckConstraint(
                condition=Q(status="open", resolved_at__isnull=True)
                | Q(status="resolved", resolved_at__isnull=False),
                name="report_resolved_has_a_date",
            ),
        ]
        indexes = [
            models.Index(fields=["reporter", "created_at"], name="report_reporter_created"),
            models.Index(fields=["status", "reason"], name="report_status_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.card}"

    @property
    def is_flag(self) -> bool:
        return self.reporter_id is None

    @property
    def is_open(self) -> bool:
        return self.status == ReportStatus.OPEN

    @property
    def has_unread_reply(self) -> bool:
        return bool(self.reply) and self.resolved_at is not None and self.reply_seen_at is None
