"""Recompute memory states from the review log (the states are a cache of the log)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Exists, OuterRef
from django.template.defaultfilters import pluralize

from quizzes.review.models import MemoryState, ReviewLog
from quizzes.review.services.rebuild import memory_rebuild


class Command(BaseCommand):
    help = (
        "Replay each learner's review log through the FSRS scheduler and store the resulting "
        "memory states. With --check, only report the states that differ (exit status 1 if any)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="Username of one learner (default: every learner).")
        parser.add_argument("--check", action="store_true", help="Compare only; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects.order_by("pk")
        if options["user"]:
            users = users.filter(username=options["user"])
            if not users.exists():
                raise CommandError(f"No learner with username {options['user']!r}.")
        else:
            users = users.filter(
                Exists(MemoryState.objects.filter(user=OuterRef("pk")))
                | Exists(ReviewLog.objects.filter(user=OuterRef("pk")))
            )
        write = not options["check"]
        learners = states = changed = created = 0
        for user in users.iterator():
            report = memory_rebuild(user=user, write=write)
            learners += 1
            states += report.states
            changed += report.changed
            created += report.created
            if report.changed or report.created:
                verb = "rebuilt" if write else "differ" + pluralize(report.changed, "s,")
                self.stdout.write(
                    f"{user.get_username()}: {report.changed} state{pluralize(report.changed)} "
                    f"{verb}, {report.created} missing state{pluralize(report.created)} "
                    f"{'found' if not write else 'created'}"
                )
        summary = (
            f"{learners} learner{pluralize(learners)}, {states} memory "
            f"state{pluralize(states)} checked, {changed} "
            f"{'differ' if not write else 'rebuilt'}, {created} "
            f"{'missing' if not write else 'created'}."
        )
        self.stdout.write(self.style.SUCCESS(summary) if not (changed or created) else summary)
        if not write and (changed or created):
            raise SystemExit(1)
