"""Fit FSRS parameters to each learner with enough reviews; keep them only where they predict the
learner's latest reviews at least as well as the defaults.

Only daily-review answers that stand count (as on the progress pages): a training quiz logs only its
wrong answers, so including them would teach the model that this learner forgets more than they do.
Days are the learner's own learning days (time zone and day start hour), as Anki counts them.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.template.defaultfilters import pluralize

from quizzes.insights import recall_eval
from quizzes.review.models import LearnerSettings, ReviewLog
from quizzes.review.services.settings import parameters_save

MIN_REVIEWS = 1000
HELD_OUT = 0.2  # the latest fifth of each learner's reviews judges the fit


class Command(BaseCommand):
    help = (
        "Fit FSRS parameters for each learner with at least --min-reviews reviews (default 1000) "
        "on their earlier 80% of reviews, and store them only when their log loss on the latest "
        "20% is no worse than the defaults'. Needs the optimizer extra: pip install '.[optimizer]'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--min-reviews", type=int, default=MIN_REVIEWS)
        parser.add_argument(
            "--dry-run", action="store_true", help="Report the comparison; store nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not recall_eval.optimizer_available():
            raise CommandError(
                "The FSRS optimizer is not installed: pip install '.[optimizer]' (CPU torch)."
            )
        if options["min_reviews"] < 1:
            raise CommandError("--min-reviews must be at least 1.")
        standing = ReviewLog.objects.standing()
        learners = (
            standing.values("user_id")
            .annotate(n=Count("id"))
            .filter(n__gte=options["min_reviews"])
            .order_by("user_id")
        )
        fitted_count = 0
        for learner in learners:
            user_id = learner["user_id"]
            reviews = [
                recall_eval.LoggedReview(
                    card_id=str(card_id), rating=rating, reviewed_at=at, duration_ms=duration
                )
                for card_id, rating, at, duration in standing.filter(user_id=user_id)
                .order_by("reviewed_at", "id")
                .values_list("card_id", "rating", "reviewed_at", "duration_ms")
            ]
            found = LearnerSettings.objects.filter(user_id=user_id).first()
            day = (found or LearnerSettings()).learning_day
            days = {"time_zone": day.time_zone, "day_start_hour": day.day_start_hour}
            split_at = recall_eval.split_time(reviews, fraction=1 - HELD_OUT)
            fitted = recall_eval.fit_parameters(
                [r for r in reviews if r.reviewed_at < split_at], **days
            )
            try:
                default = recall_eval.evaluate(reviews, scored_from=split_at, **days)
                candidate = recall_eval.evaluate(
                    reviews, parameters=fitted, scored_from=split_at, **days
                )
            except ValueError:
                self.stdout.write(f"learner {user_id}: no later-day reviews to judge by; skipped")
                continue
            keep = candidate.log_loss <= default.log_loss
            self.stdout.write(
                f"learner {user_id}: {len(reviews)} review{pluralize(len(reviews))}; latest 20%: "
                "log loss default "
                f"{default.log_loss:.4f}, fitted {candidate.log_loss:.4f} → "
                + ("fitted parameters kept" if keep else "defaults kept")
            )
            if options["dry_run"]:
                continue
            parameters_save(user_id=user_id, parameters=fitted if keep else None)
            fitted_count += keep
        self.stdout.write(
            f"{len(learners)} learner{pluralize(len(learners))} with at least "
            f"{options['min_reviews']} review{pluralize(options['min_reviews'])}; "
            f"fitted parameters in use for {fitted_count}."
        )
