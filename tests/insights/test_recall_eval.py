"""Recall-model evaluation: replay, metrics on a hand-made log, the sample log, the commands."""

from __future__ import annotations

import csv
import math
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from quizzes.insights import recall_eval, statistics
from quizzes.review import scheduling
from quizzes.review.models import LearnerSettings, ReviewLog, ReviewSource, ReviewUndo
from tests.factories import CardFactory, UserFactory

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "anki-review-log-sample.csv"
needs_optimizer = pytest.mark.skipif(
    not recall_eval.optimizer_available(),
    reason="the optimizer extra (fsrs[optimizer], CPU torch) is not installed",
)


def write_log(path: Path, rows: list[tuple]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(recall_eval.FIELDS)
        writer.writerows(rows)
    return path


def test_hand_made_log_scores_only_later_day_reviews(tmp_path):
    path = write_log(
        tmp_path / "log.csv",
        [
            ("a", 3, "2024-05-01T09:00:00+00:00", 5000),
            ("a", 3, "2024-05-03T08:00:00+00:00", 4000),  # 2 days on (47 h): scored, recalled
            ("a", 1, "2024-05-03T10:05:00+00:00", 4000),  # same day: not scored
            ("b", 3, "2024-05-01T22:00:00+00:00", ""),
            ("b", 1, "2024-05-02T08:00:00+00:00", ""),  # next UTC day, 10 h on: 1 day, forgotten
        ],
    )
    reviews = recall_eval.read_review_log(path)
    predicted, recalled = recall_eval.predictions(reviews)
    # After one Good answer a new card's stability is w[2]; elapsed days are calendar days.
    s0 = scheduling.DEFAULT_PARAMETERS[2]
    expected = [statistics.forgetting_curve(2, s0), statistics.forgetting_curve(1, s0)]
    assert predicted == pytest.approx(expected)
    assert all(p < 1 for p in predicted)  # no next-day review is predicted as certain
    assert recalled == [1, 0]
    scores = recall_eval.score(predicted, recalled)
    p, q = predicted
    assert scores.reviews == 2
    assert scores.log_loss == pytest.approx((-math.log(p) - math.log(1 - q)) / 2)
    # Both predictions (0.909, 0.947) fall in the 0.90-0.95 bin, whose outcomes average 0.5.
    assert scores.rmse_bins == pytest.approx((p + q) / 2 - 0.5)
    assert scores.auc == 0.0  # the forgotten card was predicted higher than the recalled one


def test_elapsed_days_follow_the_learners_own_day_boundaries(tmp_path):
    path = write_log(
        tmp_path / "log.csv",
        [
            ("a", 3, "2024-05-01T20:00:00+00:00", ""),  # 22:00 in Paris, 1 May
            ("a", 3, "2024-05-01T23:30:00+00:00", ""),  # 01:30 on 2 May in Paris, before 4 a.m.
            ("a", 3, "2024-05-02T03:00:00+00:00", ""),  # 05:00 on 2 May in Paris: the next day
        ],
    )
    reviews = recall_eval.read_review_log(path)
    # UTC days: the second review is the same day, the third the next day.
    utc, _ = recall_eval.predictions(reviews)
    assert len(utc) == 1
    paris, _ = recall_eval.predictions(reviews, time_zone="Europe/Paris", day_start_hour=4)
    assert len(paris) == 1
    aligned = recall_eval.day_aligned(
        reviews[1].reviewed_at, time_zone="Europe/Paris", day_start_hour=4
    )
    assert aligned.isoformat() == "2024-05-01T00:00:00+00:00"


def test_split_scores_only_the_later_part(tmp_path):
    reviews = recall_eval.read_review_log(SAMPLE)
    split = recall_eval.split_time(reviews)
    assert sum(r.reviewed_at < split for r in reviews) == len(reviews) // 2
    whole = recall_eval.predictions(reviews)[0]
    later = recall_eval.predictions(reviews, scored_from=split)[0]
    assert 0 < len(later) < len(whole)


def test_sample_log_figures_with_default_parameters():
    reviews = recall_eval.read_review_log(SAMPLE)
    assert len(reviews) == 12580
    split = recall_eval.split_time(reviews)
    scores = recall_eval.evaluate(reviews, scored_from=split)
    # Measured: log loss 0.4371, RMSE(20 bins) 0.0336, AUC 0.6723 over 3380 reviews (README).
    assert scores.reviews == 3380
    assert scores.log_loss == pytest.approx(0.4371, abs=5e-4)
    assert scores.rmse_bins == pytest.approx(0.0336, abs=5e-4)
    assert scores.auc == pytest.approx(0.6723, abs=5e-4)
    predicted, _ = recall_eval.predictions(reviews)
    assert len(predicted) == 6032 and max(predicted) < 0.99


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("a", 5, "2024-05-01T09:00:00+00:00", "")], "rating must be 1-4"),
        ([("a", 3, "yesterday", "")], "line 2"),
        ([], "no reviews"),
    ],
)
def test_bad_logs_are_refused_with_a_line_number(tmp_path, rows, message):
    path = write_log(tmp_path / "bad.csv", rows)
    with pytest.raises(recall_eval.ReviewLogFormatError, match=message):
        recall_eval.read_review_log(path)


def test_missing_columns_are_named(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("id,grade\n1,3\n")
    with pytest.raises(recall_eval.ReviewLogFormatError, match="review_rating"):
        recall_eval.read_review_log(path)


def test_command_with_defaults_only_prints_the_figures():
    out = StringIO()
    call_command("evaluate_recall_model", str(SAMPLE), "--defaults-only", stdout=out)
    text = out.getvalue()
    assert "12580 reviews of 1205 cards" in text
    assert "Default parameters, 2nd half:   log loss 0.4371  RMSE(20 bins) 0.0336" in text


def test_command_explains_a_missing_optimizer_in_one_line(monkeypatch):
    monkeypatch.setattr(recall_eval, "optimizer_available", lambda: False)
    with pytest.raises(CommandError, match=r"^The FSRS optimizer is not installed: pip install"):
        call_command("evaluate_recall_model", str(SAMPLE), stdout=StringIO())
    with pytest.raises(CommandError, match="not installed"):
        call_command("optimize_scheduler", stdout=StringIO())


def test_command_refuses_a_missing_or_bad_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("evaluate_recall_model", str(tmp_path / "nope.csv"), "--defaults-only")
    bad = write_log(tmp_path / "bad.csv", [("a", 9, "2024-05-01T09:00:00+00:00", "")])
    with pytest.raises(CommandError, match="rating must be 1-4"):
        call_command("evaluate_recall_model", str(bad), "--defaults-only")


@needs_optimizer
def test_command_fits_on_the_first_half(tmp_path):
    # Part of the sample keeps the fit to seconds; still over the optimizer's 512-review minimum.
    with SAMPLE.open() as handle:
        rows = list(csv.reader(handle))[1:6000]
    path = write_log(tmp_path / "part.csv", rows)
    out = StringIO()
    call_command("evaluate_recall_model", str(path), stdout=out)
    text = out.getvalue()
    assert "Fitted on 1st half, 2nd half:   log loss" in text
    fitted = re.search(r"Fitted parameters: \[(.*)\]", text)[1].split(", ")
    defaults = [f"{value:.4f}" for value in scheduling.DEFAULT_PARAMETERS]
    assert len(fitted) == len(defaults) and fitted != defaults


def _learner_with_sample_reviews(limit: int):
    """A learner whose review log is the sample's first `limit` reviews, on cards of our own."""
    user = UserFactory(username="heavy-reviewer")
    reviews = recall_eval.read_review_log(SAMPLE)
    reviews.sort(key=lambda review: review.reviewed_at)
    reviews = reviews[:limit]
    cards = {card_id: CardFactory() for card_id in sorted({r.card_id for r in reviews})}
    ReviewLog.objects.bulk_create(
        ReviewLog(
            user=user,
            card=cards[r.card_id],
            rating=r.rating,
            reviewed_at=r.reviewed_at,
            duration_ms=r.duration_ms,
            stage_before=2,
            state_before={"stage": 2},
            state_after={"stage": 2},
            interval_seconds=86400,
            desired_retention=0.9,
            token=f"sample-{i}",
        )
        for i, r in enumerate(reviews)
    )
    return user


@needs_optimizer
@pytest.mark.django_db
def test_optimize_scheduler_stores_parameters_only_when_not_worse(settings):
    user = _learner_with_sample_reviews(4000)
    light = UserFactory(username="light-reviewer")
    out = StringIO()
    call_command("optimize_scheduler", "--min-reviews", "1000", stdout=out)
    text = out.getvalue()
    assert f"learner {user.pk}: 4000 reviews" in text
    assert f"learner {light.pk}" not in text
    stored = LearnerSettings.objects.get(user=user).fsrs_parameters
    line = next(line for line in text.splitlines() if line.startswith(f"learner {user.pk}"))
    found = re.search(r"default (\d\.\d+), fitted (\d\.\d+)", line)
    default_loss, fitted_loss = float(found[1]), float(found[2])
    if "fitted parameters kept" in line:
        assert len(stored) == len(scheduling.DEFAULT_PARAMETERS)
        assert stored != list(scheduling.DEFAULT_PARAMETERS)
        assert fitted_loss <= default_loss
    else:
        assert stored is None
    assert not LearnerSettings.objects.filter(user=light).exists()


@needs_optimizer
@pytest.mark.django_db
def test_optimize_scheduler_counts_only_standing_daily_reviews(settings):
    user = _learner_with_sample_reviews(30)
    # 30 reviews, of which a quiz's logged mistakes and an undone answer do not count.
    ReviewLog.objects.filter(user=user, token__in=["sample-0", "sample-1"]).update(
        source=ReviewSource.QUIZ
    )
    undone = ReviewLog.objects.get(user=user, token="sample-2")
    ReviewUndo.objects.create(review=undone, undone_at=undone.reviewed_at)
    out = StringIO()
    call_command("optimize_scheduler", "--min-reviews", "28", "--dry-run", stdout=out)
    assert "0 learners with at least 28 reviews" in out.getvalue()
    out = StringIO()
    call_command("optimize_scheduler", "--min-reviews", "27", "--dry-run", stdout=out)
    assert "1 learner with at least 27 reviews" in out.getvalue()
