"""Pure statistics, each checked against values worked out by hand."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest

from quizzes.insights import statistics
from quizzes.review import scheduling
from tests.insights import oracles


def test_forgetting_curve_matches_fsrs_and_its_definition_of_stability():
    # FSRS defines stability as the days until recall falls to 90%.
    assert statistics.forgetting_curve(10, 10.0) == pytest.approx(0.9)
    assert statistics.forgetting_curve(0, 3.0) == 1.0
    scheduler = scheduling.make_scheduler(desired_retention=0.9)
    assert -scheduler.parameters[20] == statistics.DECAY
    memory = scheduling.Memory(
        stage=2,
        stability=4.2,
        difficulty=5.0,
        due=datetime(2025, 1, 5, tzinfo=UTC),
        last_review=datetime(2025, 1, 1, 8, tzinfo=UTC),
    )
    now = datetime(2025, 1, 8, 9, tzinfo=UTC)  # 7 whole days later
    assert statistics.forgetting_curve(7, 4.2) == pytest.approx(
        scheduling.retrievability(memory, now=now, scheduler=scheduler)
    )


def test_ratio_is_none_without_a_denominator():
    assert statistics.ratio(3, 4) == 0.75
    assert statistics.ratio(0, 0) is None


def test_streak_counts_back_from_today_or_yesterday():
    today = date(2025, 1, 10)
    days = [date(2025, 1, d) for d in (10, 9, 8, 6)]
    assert statistics.streak(days, today=today) == 3
    assert statistics.streak(days[1:], today=today) == 2  # none yet today: still alive
    assert statistics.streak([date(2025, 1, 8)], today=today) == 0  # yesterday missed
    assert statistics.streak([], today=today) == 0


def test_mean_and_sample_sd():
    assert oracles.mean_sd([2, 4, 4, 4, 5, 5, 7, 9]) == (5, pytest.approx(math.sqrt(32 / 7)))
    assert oracles.mean_sd([3]) == (3, None)
    assert oracles.mean_sd([]) == (None, None)
    assert statistics.sample_sd_from_moments(n=8, mean=5, mean_of_squares=29) == pytest.approx(
        math.sqrt(32 / 7)
    )
    assert statistics.sample_sd_from_moments(n=1, mean=5, mean_of_squares=25) is None


def test_facility_is_mean_credit():
    assert oracles.facility([1, 0, 1, 0.5]) == 0.625
    assert oracles.facility([]) is None


def test_discrimination_groups_by_percent_rank():
    # n = 10: ranks 0..9 / 9 → lower 0, 1, 2 (≤ .27); upper 7, 8, 9 (≥ .73).
    assert oracles.discrimination_groups(10) == (range(0, 3), range(7, 10))
    assert oracles.discrimination_groups(5) == (range(0, 2), range(3, 5))
    assert oracles.discrimination_groups(1) == (range(0), range(0))


def test_discrimination_upper_minus_lower_over_attempts_that_drew_the_item():
    attempts = [(90.0, 1), (70.0, 2), (70.0, 3), (40.0, 4), (10.0, 5)]
    # Ranked: 5, 4, 2, 3, 1 → lower {5, 4}, upper {3, 1}.
    assert oracles.discrimination(attempts, {1: 1, 2: 1, 3: 1, 4: 0, 5: 0}) == 1.0
    assert oracles.discrimination(attempts, {1: 1, 3: 0, 4: 1, 5: 0}) == 0.0
    # Attempt 5 did not draw the item: the lower group's mean is over attempt 4 alone.
    assert oracles.discrimination(attempts, {1: 1, 3: 1, 4: 0.5}) == 0.5
    assert oracles.discrimination(attempts, {1: 1, 2: 1}) is None  # nobody low drew it


def test_kr20_by_hand():
    scores = [[1, 1, 1], [1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 0]]
    # p = .6 .6 .4, Σpq = .72; totals 3 2 2 1 0, variance 1.04.
    assert oracles.cronbach_alpha(scores) == pytest.approx(1.5 * (1 - 0.72 / 1.04))
    assert oracles.cronbach_alpha(scores) == pytest.approx(0.4615385, abs=1e-7)


def test_alpha_edge_cases():
    assert oracles.cronbach_alpha([]) is None
    assert oracles.cronbach_alpha([[1], [0]]) is None  # one item
    assert oracles.cronbach_alpha([[1, 1], [1, 1]]) is None  # no spread
    # Perfectly consistent items: alpha is 1.
    assert oracles.cronbach_alpha([[1, 1], [0, 0], [1, 1]]) == pytest.approx(1.0)


def test_log_loss_by_hand():
    assert statistics.log_loss([0.8, 0.4], [1, 0]) == pytest.approx(
        -(math.log(0.8) + math.log(0.6)) / 2
    )
    # A confident miss is clipped, not infinite.
    assert statistics.log_loss([1.0], [0]) == pytest.approx(-math.log(1e-4))


def test_rmse_over_bins_by_hand():
    # Bin 0.9–0.95: predictions .9, .9 vs outcomes 1, 0 → (0.9 − 0.5)² · 2;
    # bin 0.5–0.55: .5 vs 1 → 0.25 · 1. N = 3.
    predictions, outcomes = [0.9, 0.9, 0.5], [1, 0, 1]
    expected = math.sqrt((2 * 0.4**2 + 0.25) / 3)
    assert statistics.rmse_bins(predictions, outcomes) == pytest.approx(expected)
    assert statistics.rmse_bins([1.0], [1]) == 0.0  # p = 1 lands in the last bin


def test_auc_by_hand_with_ties():
    assert statistics.auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    assert statistics.auc([0.5, 0.5], [0, 1]) == 0.5
    assert statistics.auc([0.2, 0.9], [1, 1]) is None
