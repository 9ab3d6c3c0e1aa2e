"""Put cards whose item statistics look wrong in the Reports queue (run it daily, e.g. by cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from quizzes.insights.flagging import flag_statistics
from quizzes.insights.selectors.flags import statistics_flags


class Command(BaseCommand):
    help = (
        "Flag published cards whose item statistics look wrong after enough answers "
        "(discrimination < 0.1, facility > 0.95 or < 0.2, lapse rate far above the topic's); "
        "they wait in the admin's Reports queue. Safe to run repeatedly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List, flag nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["dry_run"]:
            flags = statistics_flags()
            for flag in flags:
                self.stdout.write(f"card {flag.card_id}: {flag.detail}")
            self.stdout.write(f"{len(flags)} card(s) would be flagged.")
            return
        total, new = flag_statistics(now=timezone.now())
        self.stdout.write(f"{total} card(s) flagged for their item statistics ({new} new).")
