"""Reports about cards: a learner's "Report a problem", the flags BoneLearn raises by itself (item
statistics that look wrong, a source passage that changed), and the instructor resolving them.

All of them wait in one queue (the Reports admin). A learner has at most one open report per card
(a database constraint decides races) and at most BONELEARN_REPORTS_PER_HOUR reports an hour: a
learner who meets a few faulty cards in a session can report each of them, while a script, or a
frustrated run of clicks, cannot flood the queue that instructors read one report at a time.
The reports themselves are the record the limit counts, so it holds across workers and restarts
without a cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from quizzes.content.models import (
    FLAG_REASONS,
    LEARNER_REASONS,
    Card,
    CardReport,
    CardStatus,
    Lesson,
    ReportPlace,
    ReportReason,
    ReportStatus,
)

RATE_WINDOW = timedelta(hours=1)


class ReportRefused(Exception):
    """A report or a resolution that cannot be made; the message is for the person who tried."""


class CardNotReportable(ReportRefused):
    """No such published card (views answer 404)."""


class AlreadyReported(ReportRefused):
    """The learner's report on this card is still open (views answer 409)."""


class TooManyReports(ReportRefused):
    """The learner reached the hourly limit (views answer 429)."""


# --- learners ----------------------------------------------------------------------------------


def reports_per_hour() -> int:
    return int(getattr(settings, "BONELEARN_REPORTS_PER_HOUR", 10))


@transaction.atomic
def card_report(
    *, learner: Any, card_id: int, reason: str, note: str, place: str, now: datetime
) -> CardReport:
    """Record a learner's report of a problem with a published card."""
    if reason not in LEARNER_REASONS or place not in ReportPlace.values:
        raise ReportRefused("Choose what is wrong with the card.")
    card = Card.objects.filter(pk=card_id, status=CardStatus.PUBLISHED).first()
    if card is None:
        raise CardNotReportable("There is no such card to report.")
    # One learner's reports are counted and written one at a time (two tabs cannot both pass).
    get_user_model().objects.select_for_update().filter(pk=learner.pk).first()
    limit = reports_per_hour()
    recent = CardReport.objects.filter(reporter=learner, created_at__gt=now - RATE_WINDOW)
    if recent.count() >= limit:
        raise TooManyReports(
            f"You have sent {limit} reports in the last hour; please try again later."
        )
    if CardReport.objects.open().filter(card=card, reporter=learner).exists():
        raise AlreadyReported(
            "You have already reported this card; you will find the reply under My reports."
        )
    try:
        with transaction.atomic():
            return CardReport.objects.create(
                card=card,
                reporter=learner,
                reason=reason,
                note=note.strip(),
                place=place,
                created_at=now,
            )
    except IntegrityError as error:  # the constraint caught a report made at the same moment
        raise AlreadyReported("You have already reported this card.") from error


def learner_replies_seen(*, learner: Any, now: datetime, report_id: int | None = None) -> int:
    """Mark the learner's unread replies (or one of them) as read, since they are on the page
    now; returns how many."""
    replies = CardReport.objects.filter(reporter=learner).unread_replies()
    if report_id is not None:
        replies = replies.filter(pk=report_id)
    return replies.update(reply_seen_at=now)


# --- instructors --------------------------------------------------------------------------------


@transaction.atomic
def report_resolve(*, report: CardReport, by: Any, reply: str, now: datetime) -> CardReport:
    """Resolve a report or flag. A learner's report needs a reply, which the learner then reads;
    confirming a "source changed" flag clears the card's notice."""
    report = CardReport.objects.select_for_update().get(pk=report.pk)
    if report.status == ReportStatus.RESOLVED:
        raise ReportRefused("This report is already resolved.")
    reply = reply.strip()
    if not report.is_flag and not reply:
        raise ReportRefused("Write a reply: the learner reads it under My reports.")
    report.status, report.resolved_at, report.resolved_by, report.reply = (
        ReportStatus.RESOLVED,
        now,
        by,
        reply,
    )
    report.save(update_fields=["status", "resolved_at", "resolved_by", "reply"])
    if report.reason == ReportReason.SOURCE_CHANGED:
        Card.objects.filter(pk=report.card_id).update(source_changed_at=None)
    return report


@transaction.atomic
def cards_confirm_source(*, cards: Iterable[Card], by: Any, now: datetime) -> int:
    """An instructor checked the cards against their edited source: resolve their open "source
    changed" flags and clear the notice. Returns how many flags were resolved."""
    ids = [card.pk for card in cards]
    flags = list(
        CardReport.objects.open()
        .filter(card_id__in=ids, reason=ReportReason.SOURCE_CHANGED)
        .select_for_update()
    )
    for flag in flags:
        report_resolve(report=flag, by=by, reply="", now=now)
    return len(flags)


# --- flags BoneLearn raises --------------------------------------------------------------------


@dataclass(frozen=True)
class CardFlag:
    """One card that needs a second look, and why in figures or words."""

    card_id: int
    detail: str


@dataclass
class FlagResult:
    raised: list[int] = field(default_factory=list)
    refreshed: list[int] = field(default_factory=list)


@transaction.atomic
def cards_flag(*, flags: Iterable[CardFlag], reason: str, now: datetime) -> FlagResult:
    """Put the cards in the reports queue for `reason`; a card already flagged for it keeps its
    one open flag, with the detail brought up to date."""
    if reason not in FLAG_REASONS:
        raise ValueError(f"{reason!r} is not something BoneLearn flags.")
    wanted = {flag.card_id: flag.detail[:1000] for flag in flags}
    result = FlagResult()
    if not wanted:
        return result
    existing = {
        report.card_id: report
        for report in CardReport.objects.open()
        .filter(reporter__isnull=True, reason=reason, card_id__in=wanted)
        .select_for_update()
    }
    changed = []
    for card_id, report in existing.items():
        result.refreshed.append(card_id)
        if report.note != wanted[card_id]:
            report.note = wanted[card_id]
            changed.append(report)
    CardReport.objects.bulk_update(changed, ["note"])
    new = [card_id for card_id in wanted if card_id not in existing]
    CardReport.objects.bulk_create(
        CardReport(card_id=card_id, reason=reason, note=wanted[card_id], created_at=now)
        for card_id in new
    )
    result.raised = new
    return result


def _lesson_text(lesson: Lesson) -> str:
    return " ".join(f"{lesson.source_passage}\n{lesson.body}".split())


@transaction.atomic
def cards_flag_source_changed(*, lessons: Iterable[Lesson], now: datetime) -> FlagResult:
    """Every card that cites one of these (just edited) lessons shows "source changed" until an
    instructor confirms it. Called by the lesson admin and by the importer's lesson update."""
    lessons = {lesson.pk: lesson for lesson in lessons}
    if not lessons:
        return FlagResult()
    cards = list(
        Card.objects.filter(lesson_id__in=lessons)
        .exclude(status=CardStatus.ARCHIVED)
        .only("pk", "lesson_id", "source_excerpt")
    )
    flags = []
    for card in cards:
        lesson = lessons[card.lesson_id]
        excerpt = " ".join(card.source_excerpt.split())
        still_there = bool(excerpt) and excerpt in _lesson_text(lesson)
        flags.append(
            CardFlag(
                card_id=card.pk,
                detail=f"Lesson “{lesson.title}” changed on {now:%d %b %Y %H:%M} UTC. "
                + (
                    "The words the card cites are still in it: check their context."
                    if still_there
                    else "The words the card cites are no longer in it: check the card."
                ),
            )
        )
    Card.objects.filter(pk__in=[card.pk for card in cards]).update(source_changed_at=now)
    return cards_flag(flags=flags, reason=ReportReason.SOURCE_CHANGED, now=now)
