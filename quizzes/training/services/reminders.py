"""Reminder emails: learners N days before a module is due and once it is overdue, and a weekly
digest of overdue learners to the instructors of their group.

Each reminder is sent once, however often this runs (cron, hourly): it is recorded in Reminder,
whose unique key (kind, recipient, module and due date, or the week of a digest) is written in
the same transaction as the email is handed to the mail server. A second run, even at the same
moment, finds the key taken and sends nothing; a failed send rolls the record back, so the next
run tries again. Statuses come from the instructors' completion report, so a learner is reminded
exactly when the report shows them as not passed or overdue.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from quizzes.core.roles import INSTRUCTORS_GROUP
from quizzes.training.models import GroupInstructor, Reminder, ReminderKind, TrainingModule
from quizzes.training.selectors.learner import OVERDUE, PASSED
from quizzes.training.selectors.report import ReportRow, completion_report

logger = logging.getLogger(__name__)


@dataclass
class RemindersSent:
    due_soon: int = 0
    overdue: int = 0
    digests: int = 0
    no_address: int = 0
    failed: int = 0


def _send_once(
    *,
    kind: str,
    user: Any,
    key: str,
    subject: str,
    body: str,
    now: datetime,
    module_id: int | None = None,
) -> str:
    """Record and send one reminder: "sent", "already" (recorded before) or "failed"."""
    try:
        with transaction.atomic():
            Reminder.objects.create(kind=kind, user=user, module_id=module_id, key=key, sent_at=now)
            send_mail(subject, body, None, [user.email])
    except IntegrityError:
        return "already"
    except OSError as error:  # SMTP and connection errors; the next run tries again
        logger.warning("reminder %s to %s not sent: %s", kind, user.get_username(), error)
        return "failed"
    return "sent"


def _learner_reminder(row: ReportRow, *, now: datetime, days_before: int) -> tuple[str, str] | None:
    """(kind, template) of the reminder this row calls for now, if any."""
    if row.status == PASSED or row.due_at is None:
        return None
    if row.status == OVERDUE:
        return ReminderKind.OVERDUE, "training/email/overdue.txt"
    if row.due_at - timedelta(days=days_before) <= now < row.due_at:
        return ReminderKind.DUE_SOON, "training/email/due_soon.txt"
    return None


def _tally(sent: RemindersSent, outcome: str, field: str) -> None:
    if outcome == "sent":
        setattr(sent, field, getattr(sent, field) + 1)
    elif outcome == "failed":
        sent.failed += 1


def _digest_recipients(groups: set[str]) -> dict[Any, set[str]]:
    """Each instructor and the groups whose digest they get: the group's own instructors, or
    every active instructor when a group has none (an overdue nurse is never nobody's news)."""
    user_model = get_user_model()
    named: dict[str, list[Any]] = defaultdict(list)
    for link in GroupInstructor.objects.filter(
        group__name__in=groups, instructor__is_active=True
    ).select_related("instructor", "group"):
        named[link.group.name].append(link.instructor)
    everyone = list(user_model.objects.filter(groups__name=INSTRUCTORS_GROUP, is_active=True))
    recipients: dict[Any, set[str]] = defaultdict(set)
    for group in groups:
        for instructor in named.get(group) or everyone:
            recipients[instructor].add(group)
    return recipients


def reminders_send(*, now: datetime, days_before: int, site_url: str) -> RemindersSent:
    """Send every reminder due at `now` that was not sent before (see the module docstring)."""
    sent = RemindersSent()
    published = set(TrainingModule.objects.filter(is_published=True).values_list("pk", flat=True))
    rows = [row for row in completion_report(now=now).rows if row.module_id in published]
    learners = {
        user.pk: user
        for user in get_user_model().objects.filter(
            pk__in={row.learner_id for row in rows}, is_active=True
        )
    }
    training_url = site_url + reverse("training:training")
    for row in rows:
        reminder = _learner_reminder(row, now=now, days_before=days_before)
        learner = learners.get(row.learner_id)
        if reminder is None or learner is None:
            continue
        if not learner.email:
            sent.no_address += 1
            continue
        kind, template = reminder
        context = {"row": row, "learner": learner, "training_url": training_url}
        subject = (
            f"Overdue: {row.module_title}"
            if kind == ReminderKind.OVERDUE
            else f"Due on {row.due_at:%d %b %Y}: {row.module_title}"
        )
        outcome = _send_once(
            kind=kind,
            user=learner,
            module_id=row.module_id,
            key=f"{row.module_id}:{row.due_at.isoformat()}",
            subject=subject,
            body=render_to_string(template, context),
            now=now,
        )
        _tally(sent, outcome, "overdue" if kind == ReminderKind.OVERDUE else "due_soon")
    _send_digests(sent, rows=rows, now=now, site_url=site_url)
    return sent


def _send_digests(
    sent: RemindersSent, *, rows: list[ReportRow], now: datetime, site_url: str
) -> None:
    """One email a week to each instructor listing the overdue learners of their groups."""
    overdue_by_group: dict[str, list[ReportRow]] = defaultdict(list)
    for row in rows:
        if row.status == OVERDUE:
            for group in row.groups:
                overdue_by_group[group].append(row)
    if not overdue_by_group:
        return
    year, week, _ = now.isocalendar()
    report_url = site_url + reverse("admin:training_completion_report")
    for instructor, groups in _digest_recipients(set(overdue_by_group)).items():
        if not instructor.email:
            sent.no_address += 1
            continue
        listed = {group: overdue_by_group[group] for group in sorted(groups)}
        count = sum(len(group_rows) for group_rows in listed.values())
        body = render_to_string(
            "training/email/digest.txt",
            {"instructor": instructor, "groups": listed, "report_url": report_url},
        )
        outcome = _send_once(
            kind=ReminderKind.DIGEST,
            user=instructor,
            key=f"{year}-W{week:02d}",
            subject=f"Overdue training: {count} learner{'s' if count != 1 else ''}",
            body=body,
            now=now,
        )
        _tally(sent, outcome, "digests")
