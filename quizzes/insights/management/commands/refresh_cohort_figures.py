"""Recalculate the instructor dashboard's cohort figures out of the request path (cron, every
5 minutes, at low priority: `nice`)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from quizzes.insights.selectors.cohort import refresh_cohort_figures
from quizzes.insights.selectors.remembered import COHORT_FIGURES_MAX_AGE, COHORT_FIGURES_SECONDS

# A tenth of the benchmark's cohort: each read takes a few tenths of a second there.
LEARNERS_AT_A_TIME = 100
# The refresher works one part of the time and rests this many: at most a quarter of a core.
REST_FACTOR = 3


class Command(BaseCommand):
    help = (
        "Recalculate the cohort-wide figures the instructor dashboard opens with (all learners "
        f"and each group). Run it every {COHORT_FIGURES_SECONDS // 60} minutes from cron; "
        f"without it the dashboard recalculates them itself when {COHORT_FIGURES_MAX_AGE // 60} "
        "minutes old. Safe to run repeatedly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--learners-at-a-time",
            type=int,
            default=LEARNERS_AT_A_TIME,
            help="Read this many learners' memory and answers per query (default "
            f"{LEARNERS_AT_A_TIME}), resting {REST_FACTOR} times as long as each read took "
            "before the next.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["learners_at_a_time"] < 1:
            raise CommandError("--learners-at-a-time must be at least 1.")
        began = time.monotonic()
        # Resting REST_FACTOR times as long as each read took keeps the refresher to a quarter of
        # one core of the database (and of this process) however large the cohort: learners'
        # answers never queue behind seconds of its work.
        cohorts = refresh_cohort_figures(
            now=timezone.now(),
            chunk=options["learners_at_a_time"],
            pause=lambda took: time.sleep(REST_FACTOR * took),
        )
        took = time.monotonic() - began
        self.stdout.write(f"Cohort figures of {cohorts} cohort(s) recalculated in {took:.1f} s.")
