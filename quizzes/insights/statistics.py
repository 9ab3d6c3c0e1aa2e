"""Pure statistics behind the progress and instructor pages and the recall-model evaluation.

No database, no requests: every function takes plain numbers and is checked against hand-computed
values in tests/insights/test_statistics.py (test-only reference versions in
tests/insights/oracles.py). The selectors gather the numbers with aggregate queries.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from quizzes.review.days import streak  # noqa: F401 - defined with the learning day, used here too
from quizzes.review.scheduling import DEFAULT_PARAMETERS

# The forgetting curve of FSRS-6 as fsrs.Scheduler.get_card_retrievability computes it:
# R(t, S) = (1 + FACTOR * t / S) ** DECAY, t in whole days since the last review.
DECAY = -DEFAULT_PARAMETERS[20]
FACTOR = 0.9 ** (1 / DECAY) - 1

# Kelley's 27%: the upper and lower groups of an item-discrimination analysis.
DISCRIMINATION_GROUP = 0.27


def forgetting_curve(elapsed_days: int, stability: float) -> float:
    """Predicted recall after `elapsed_days` whole days for a memory of `stability` days."""
    return (1 + FACTOR * max(0, elapsed_days) / stability) ** DECAY


def ratio(part: int | float, whole: int | float) -> float | None:
    """part / whole, or None when there is nothing to divide (shown as a dash, never as 0%)."""
    return part / whole if whole else None


def variance_from_moments(*, mean: float, mean_of_squares: float) -> float:
    """Population variance from E[x] and E[x²] (what SQL aggregates give), never negative."""
    return max(0.0, mean_of_squares - mean * mean)


def sample_sd_from_moments(
    *, n: int, mean: float | None, mean_of_squares: float | None
) -> float | None:
    """Sample standard deviation (n − 1) from the count, E[x] and E[x²]; None below two values."""
    if n < 2 or mean is None or mean_of_squares is None:
        return None
    return math.sqrt(
        variance_from_moments(mean=mean, mean_of_squares=mean_of_squares) * n / (n - 1)
    )


def cronbach_alpha_from_variances(
    *, item_variances: Sequence[float], total_variance: float
) -> float | None:
    """Cronbach's alpha = k/(k−1) · (1 − Σ item variances / variance of totals).

    With items scored 0 or 1 this is KR-20 (Σ p·q over the total variance).
    """
    k = len(item_variances)
    if k < 2 or total_variance <= 0:
        return None
    return k / (k - 1) * (1 - sum(item_variances) / total_variance)


# Recall-model metrics, as the open srs-benchmark computes them.
PROBABILITY_FLOOR = 1e-4  # clip so a confident miss costs a finite loss


def log_loss(predictions: Sequence[float], outcomes: Sequence[int]) -> float:
    """Mean binary cross-entropy of predicted recall against recalled (1) / forgotten (0)."""
    total = 0.0
    for p, y in zip(predictions, outcomes, strict=True):
        p = min(max(p, PROBABILITY_FLOOR), 1 - PROBABILITY_FLOOR)
        total -= math.log(p) if y else math.log(1 - p)
    return total / len(predictions)


def rmse_bins(predictions: Sequence[float], outcomes: Sequence[int], *, bins: int = 20) -> float:
    """Calibration: sqrt(Σ n_b (mean prediction_b − mean outcome_b)² / N), equal-width bins."""
    counts = [0] * bins
    predicted = [0.0] * bins
    observed = [0.0] * bins
    for p, y in zip(predictions, outcomes, strict=True):
        b = min(int(p * bins), bins - 1)
        counts[b] += 1
        predicted[b] += p
        observed[b] += y
    total = sum(counts)
    squared = sum(n * (predicted[b] / n - observed[b] / n) ** 2 for b, n in enumerate(counts) if n)
    return math.sqrt(squared / total)


def auc(predictions: Sequence[float], outcomes: Sequence[int]) -> float | None:
    """Area under the ROC curve by ranks (Mann–Whitney U), ties sharing their mean rank."""
    pairs = sorted(zip(predictions, outcomes, strict=True), key=lambda pair: pair[0])
    positives = sum(y for _, y in pairs)
    negatives = len(pairs) - positives
    if positives == 0 or negatives == 0:
        return None
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        mean_rank = (i + j) / 2 + 1
        rank_sum += mean_rank * sum(y for _, y in pairs[i : j + 1])
        i = j + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)
