"""The hourly training job (cron): close attempts whose time ran out, release quiz mistakes whose
feedback became visible, and send the reminder emails that are due. Safe to run at any interval,
twice at once included: each step does its work once."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from quizzes.training.services.attempts import attempts_close_expired
from quizzes.training.services.mistakes import mistakes_release
from quizzes.training.services.reminders import reminders_send


class Command(BaseCommand):
    help = (
        "Send training reminders (due soon, overdue, the instructors' weekly digest), each once; "
        "also grade attempts whose time ran out and release quiz mistakes to review once their "
        "feedback may be seen. Run it hourly from cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days-before",
            type=int,
            default=settings.BONELEARN_REMINDER_DAYS_BEFORE,
            help="Remind learners this many days before the due date "
            "(default: BONELEARN_REMINDER_DAYS_BEFORE).",
        )
        parser.add_argument(
            "--site-url",
            default=settings.BONELEARN_SITE_URL or "http://127.0.0.1:8000",
            help="The address links in emails point to (default: BONELEARN_SITE_URL).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        closed = attempts_close_expired(now=now)
        released = mistakes_release(now=now)
        sent = reminders_send(
            now=now, days_before=options["days_before"], site_url=options["site_url"].rstrip("/")
        )
        self.stdout.write(
            f"Attempts graded at their deadline: {closed}. Attempts whose mistakes went to "
            f"review: {released}. Reminders sent: {sent.due_soon} due soon, {sent.overdue} "
            f"overdue, {sent.digests} weekly digests; {sent.no_address} without an email "
            f"address, {sent.failed} failed (tried again next run)."
        )
