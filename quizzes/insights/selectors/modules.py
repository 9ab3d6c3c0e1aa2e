"""Per training module, for the cohort: attempts, scores, pass rate and internal consistency.

Attempts, mean, SD and pass rate count every submitted attempt (how the module is going); internal
consistency uses each learner's first submitted attempt. Cronbach's alpha is over question *slots*
(positions), as Moodle does for random questions; with 0/1 credit it equals KR-20. Its limit: a
slot holds different cards in different attempts, so alpha measures the consistency of the quiz as
drawn, not of a fixed set of items; it needs at least two slots and some spread in totals.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, PercentRank

from quizzes.insights import statistics
from quizzes.insights.selectors.figures import in_cohort_q
from quizzes.training.models import Attempt, AttemptQuestion, TrainingModule


def first_attempts(*, group: Group | None = None) -> QuerySet[Attempt]:
    """Each cohort learner's first submitted attempt at each module (what item analysis counts)."""
    earlier = Attempt.objects.filter(
        user=OuterRef("user"),
        module=OuterRef("module"),
        submitted_at__isnull=False,
        number__lt=OuterRef("number"),
    )
    return Attempt.objects.filter(
        in_cohort_q("user__", group), ~Exists(earlier), submitted_at__isnull=False
    )


def ranked_attempts(*, group: Group | None = None) -> QuerySet[Attempt]:
    """First attempts with their percent rank by score within their module."""
    return (
        first_attempts(group=group)
        .filter(score__isnull=False)
        .annotate(
            module_attempts=Window(Count("id"), partition_by=[F("module_id")]),
            percent_rank=Window(
                PercentRank(),
                partition_by=[F("module_id")],
                order_by=[F("score").asc(), F("id").asc()],
            ),
        )
    )


@dataclass
class ModuleRow:
    module: TrainingModule
    attempts: int = 0
    learners: int = 0
    mean_score: float | None = None
    sd_score: float | None = None
    pass_rate: float | None = None
    first_attempts: int = 0
    alpha: float | None = None


def _slot_variances(firsts: QuerySet[Attempt]) -> dict[int, list[float]]:
    """Per module: the variance of credit in each question slot over first attempts (1 query)."""
    credit = Coalesce(F("fraction"), Value(0), output_field=FloatField())
    slots: dict[int, list[float]] = {}
    for row in (
        AttemptQuestion.objects.filter(attempt__in=firsts.values("id"))
        .values("attempt__module_id", "position")
        .annotate(mean=Avg(credit), mean_of_squares=Avg(credit * credit))
        .order_by()
    ):
        slots.setdefault(row["attempt__module_id"], []).append(
            statistics.variance_from_moments(
                mean=row["mean"], mean_of_squares=row["mean_of_squares"]
            )
        )
    return slots


def _total_moments(firsts: QuerySet[Attempt]) -> dict[int, dict]:
    """Per module: count, mean and mean square of first attempts' total credit (1 query)."""
    credit = Coalesce(F("fraction"), Value(0), output_field=FloatField())
    total = Subquery(
        AttemptQuestion.objects.filter(attempt=OuterRef("pk"))
        .values("attempt")
        .annotate(total=Sum(credit))
        .values("total"),
        output_field=FloatField(),
    )
    return {
        row["module_id"]: row
        for row in firsts.annotate(total=Coalesce(total, Value(0.0)))
        .values("module_id")
        .annotate(n=Count("id"), mean=Avg("total"), mean_of_squares=Avg(F("total") * F("total")))
        .order_by()
    }


def module_table(*, group: Group | None = None) -> list[ModuleRow]:
    """Every module with the cohort's submitted attempts: count, mean and SD of score, pass rate,
    and Cronbach's alpha (KR-20) over first attempts (3 queries)."""
    submitted = Q(attempts__submitted_at__isnull=False) & in_cohort_q("attempts__user__", group)
    modules = TrainingModule.objects.annotate(
        n_attempts=Count("attempts", filter=submitted),
        n_learners=Count("attempts__user", filter=submitted, distinct=True),
        mean=Avg("attempts__score", filter=submitted, output_field=FloatField()),
        # E[x²] rather than STDDEV_SAMP: SQLite's version fails on a single attempt.
        mean_of_squares=Avg(
            F("attempts__score") * F("attempts__score"), filter=submitted, output_field=FloatField()
        ),
        pass_rate=Avg(
            Case(When(attempts__passed=True, then=Value(1.0)), default=Value(0.0)),
            filter=submitted,
            output_field=FloatField(),
        ),
    )
    firsts = first_attempts(group=group)
    slots, totals = _slot_variances(firsts), _total_moments(firsts)
    rows = []
    for module in modules:
        figures = totals.get(module.pk)
        alpha = None
        if figures and figures["n"] >= 2:
            alpha = statistics.cronbach_alpha_from_variances(
                item_variances=slots.get(module.pk, []),
                total_variance=statistics.variance_from_moments(
                    mean=figures["mean"], mean_of_squares=figures["mean_of_squares"]
                ),
            )
        rows.append(
            ModuleRow(
                module=module,
                attempts=module.n_attempts,
                learners=module.n_learners,
                mean_score=module.mean,
                sd_score=statistics.sample_sd_from_moments(
                    n=module.n_attempts, mean=module.mean, mean_of_squares=module.mean_of_squares
                ),
                pass_rate=module.pass_rate,
                first_attempts=figures["n"] if figures else 0,
                alpha=alpha,
            )
        )
    return rows
