"""Score the scheduler's recall predictions on a review log: defaults, and parameters fitted on the
first half (by time) and scored on the second half."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import pluralize

from quizzes.insights import recall_eval


class Command(BaseCommand):
    help = (
        "Replay a review log (CSV: card_id, review_rating, review_time, review_duration) through "
        "the scheduler and print log loss, RMSE over 20 bins and AUC, with default parameters and "
        "with parameters fitted on the first half of the log and scored on the second half. "
        "Elapsed days are differences of UTC calendar dates, as Anki and srs-benchmark count them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="Review log CSV file.")
        parser.add_argument(
            "--defaults-only",
            action="store_true",
            help="Score the default parameters only (no fitting; torch not needed).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        fit = not options["defaults_only"]
        if fit and not recall_eval.optimizer_available():
            raise CommandError(
                "The FSRS optimizer is not installed: pip install '.[optimizer]' (CPU torch), "
                "or pass --defaults-only."
            )
        try:
            reviews = recall_eval.read_review_log(path)
        except FileNotFoundError as error:
            raise CommandError(f"No such file: {path}") from error
        except recall_eval.ReviewLogFormatError as error:
            raise CommandError(str(error)) from error
        cards = len({review.card_id for review in reviews})
        self.stdout.write(
            f"{len(reviews)} review{pluralize(len(reviews))} of {cards} card{pluralize(cards)} "
            f"from {path.name}"
        )
        try:
            result = recall_eval.evaluate_log(reviews, fit=fit)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            "Elapsed time in days between UTC calendar dates; reviews on a later date are scored."
        )
        self.stdout.write(f"Second half starts {result.split_at:%Y-%m-%d %H:%M} UTC")
        self.stdout.write(f"Default parameters, whole log:  {result.default_all.line()}")
        self.stdout.write(f"Default parameters, 2nd half:   {result.default_second_half.line()}")
        if result.fitted_second_half is not None:
            self.stdout.write(f"Fitted on 1st half, 2nd half:   {result.fitted_second_half.line()}")
            self.stdout.write(f"Fitting took {result.fit_seconds:.1f} s")
            parameters = ", ".join(f"{value:.4f}" for value in result.fitted_parameters)
            self.stdout.write(f"Fitted parameters: [{parameters}]")
