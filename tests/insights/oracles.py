"""Reference versions of the item-analysis figures, computed the slow and obvious way in Python
(the standard library's statistics module), for tests to check the app's SQL aggregates against.
"""

from __future__ import annotations

import statistics as stats
from collections.abc import Mapping, Sequence

from quizzes.insights.statistics import DISCRIMINATION_GROUP, cronbach_alpha_from_variances


def mean_sd(values: Sequence[float]) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation (n − 1, as Moodle reports it); None where undefined."""
    if not values:
        return None, None
    return stats.mean(values), stats.stdev(values) if len(values) > 1 else None


def facility(fractions: Sequence[float]) -> float | None:
    """Facility index: the mean credit on an item (0 = nobody right, 1 = everybody right)."""
    return stats.mean(fractions) if fractions else None


def discrimination_groups(n: int) -> tuple[range, range]:
    """Positions (0 = lowest total) of the lower and upper groups among n ranked attempts.

    Ranked by (total score, attempt id); position i has percent rank i / (n − 1), as SQL's
    PERCENT_RANK gives it. Lower: percent rank ≤ 0.27; upper: ≥ 0.73. One attempt is no group.
    """
    if n < 2:
        return range(0), range(0)
    lower = [i for i in range(n) if i / (n - 1) <= DISCRIMINATION_GROUP]
    upper = [i for i in range(n) if i / (n - 1) >= 1 - DISCRIMINATION_GROUP]
    return range(lower[0], lower[-1] + 1), range(upper[0], upper[-1] + 1)


def discrimination(
    attempts: Sequence[tuple[float, int]], credits: Mapping[int, float]
) -> float | None:
    """Mean credit in the upper 27% of attempts minus that in the lower 27%; `attempts` are
    (total score, attempt id), `credits` the credit of the attempts that drew the item."""
    ranked = sorted(attempts)
    lower, upper = discrimination_groups(len(ranked))
    low = [credits[ranked[i][1]] for i in lower if ranked[i][1] in credits]
    high = [credits[ranked[i][1]] for i in upper if ranked[i][1] in credits]
    if not low or not high:
        return None
    return stats.mean(high) - stats.mean(low)


def cronbach_alpha(scores: Sequence[Sequence[float]]) -> float | None:
    """Alpha of a complete matrix: a row per attempt, a column per item (population variances)."""
    if not scores:
        return None
    columns = list(zip(*scores, strict=True))
    return cronbach_alpha_from_variances(
        item_variances=[stats.pvariance(column) for column in columns],
        total_variance=stats.pvariance([sum(row) for row in scores]),
    )
