"""A cohort's figures are sums over its learners: the one pass the refresher makes over everyone
gives every group the figures a query over that group alone gives, and the dashboard shows them."""

from __future__ import annotations

import io
import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quizzes.insights.selectors import cohort
from quizzes.insights.selectors.cohort import cohort_sums, learner_figures
from quizzes.insights.selectors.figures import in_cohort_q, mastery_by
from quizzes.insights.selectors.remembered import forget_cohort_figures
from quizzes.review.models import MemoryStage, MemoryState, ReviewLog, ReviewUndo
from tests.factories import CardFactory, MemoryStateFactory, TopicFactory, UserFactory, log_review

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 1, 10, 15, 0, tzinfo=UTC)
# The last 30 UTC days, today included.
WINDOW_START = datetime(2024, 12, 12, tzinfo=UTC)


@pytest.fixture
def cohorts():
    """Twelve learners (one inactive, one staff) in two overlapping groups and none, with random
    memories and a month of answers over three topics."""
    rng = random.Random(16)
    wards = [Group.objects.create(name="Ward 5"), Group.objects.create(name="Ward 7")]
    Group.objects.create(name="Nobody yet")
    topics = TopicFactory.create_batch(3)
    cards = [CardFactory(lesson__topic=topic) for topic in topics for _ in "ab"]
    people = [UserFactory() for _ in range(10)]
    people += [UserFactory(is_active=False), UserFactory(is_staff=True)]
    for n, person in enumerate(people):
        person.groups.set([wards[0]] * (n % 3 == 0) + [wards[1]] * (n % 2 == 0))
        for card in rng.sample(cards, 4):
            last = NOW - timedelta(days=rng.uniform(0, 40))
            introduced = rng.random() < 0.8
            MemoryStateFactory(
                user=person,
                card=card,
                stage=MemoryStage.REVIEW if introduced else MemoryStage.NEW,
                stability=rng.uniform(0.5, 60),
                difficulty=5.0,
                last_review=last if introduced else None,
                unlocked_at=last,
            )
            for _ in range(rng.randint(0, 4)):
                at = NOW - timedelta(days=rng.uniform(0, 35))
                log_review(user=person, card=card, rating=rng.randint(1, 4), at=at)
    return wards


def _alone(group: Group | None, now: datetime = NOW, since: datetime = WINDOW_START) -> tuple:
    """A cohort's figures read straight from a query over that cohort alone."""
    states = MemoryState.objects.filter(in_cohort_q("user__", group))
    answers = ReviewLog.objects.standing().filter(
        in_cohort_q("user__", group),
        reviewed_at__gte=since,
        reviewed_at__lt=now,
    )
    mastery = {
        key: (row["started"], pytest.approx(float(row["recalled"])))
        for key, row in mastery_by(["card__topic_id"], states, now=now).items()
        if row["started"]
    }
    accuracy = cohort._accuracy_by(["card__topic_id"], answers)
    return mastery, accuracy, cohort.learners(group=group).count()


def _summed(sums: tuple) -> tuple:
    mastery, accuracy, size = sums
    started = {key: (row["started"], row["recalled"]) for key, row in mastery.items()}
    return {key: value for key, value in started.items() if value[0]}, accuracy, size


def test_every_cohort_is_the_sum_of_its_learners(cohorts):
    everyone = learner_figures(now=NOW)
    assert _summed(cohort_sums(everyone)) == _alone(None)
    for group in Group.objects.all():
        members = set(group.user_set.values_list("pk", flat=True))
        assert _summed(cohort_sums(everyone, members=members)) == _alone(group), group.name
        # And as a page asks for one group alone.
        assert _summed(cohort_sums(learner_figures(now=NOW, group=group))) == _alone(group)


def _first_try_reads(queries: list[dict]) -> list[str]:
    return [query["sql"] for query in queries if '"first" - 10 * FLOOR' in query["sql"]]


def _kept(group: Group | None) -> tuple:
    (sums, _calculated_at) = cohort.cohort_figures(now=NOW, group=group)
    return _summed(sums)


def test_the_refresher_stores_each_groups_own_figures(cohorts, django_assert_max_num_queries):
    forget_cohort_figures()
    groups = list(Group.objects.all())
    with django_assert_max_num_queries(30 * (1 + len(groups))) as ran:
        assert cohort.refresh_cohort_figures(now=NOW) == 1 + len(groups)
    # One pass over everyone's memory and over their answers, whatever the number of groups:
    # the days of the month that are over, and today's (then each cohort's card table and its
    # cache writes).
    sql = [query["sql"] for query in ran.captured_queries]
    assert len(_first_try_reads(ran.captured_queries)) == 2
    assert sum("POWER(" in statement for statement in sql) == 1
    for group in [None, *groups]:
        assert _kept(group) == _alone(group)


def test_a_later_refresh_reads_only_the_running_days_answers(
    cohorts, django_assert_max_num_queries
):
    learner = cohorts[0].user_set.filter(is_active=True, is_staff=False).first()
    cohort.refresh_cohort_figures(now=NOW)
    later = NOW + timedelta(minutes=5)
    log_review(user=learner, card=CardFactory(), rating=1, at=NOW + timedelta(minutes=1))
    with django_assert_max_num_queries(30 * (1 + Group.objects.count())) as ran:
        cohort.refresh_cohort_figures(now=later)
    (today,) = _first_try_reads(ran.captured_queries)
    assert "2025-01-10 00:00:00" in today and "2024-12-12" not in today
    for group in [None, *cohorts]:
        assert _kept(group) == _alone(group, now=later)


def test_an_undo_of_an_earlier_days_answer_is_counted_at_the_next_refresh(cohorts):
    learner = cohorts[0].user_set.filter(is_active=True, is_staff=False).first()
    card = CardFactory()  # a topic of its own: its first tries are this test's alone
    missed = log_review(user=learner, card=card, rating=1, at=NOW - timedelta(days=3))
    cohort.refresh_cohort_figures(now=NOW)
    topic = (card.topic_id,)
    assert _kept(None)[1][topic] == (1, 0)
    # The learner takes that answer back (their latest, a few minutes later) and answers again.
    ReviewUndo.objects.create(review=missed, undone_at=NOW + timedelta(minutes=2))
    log_review(user=learner, card=card, rating=3, at=NOW + timedelta(minutes=3))
    later = NOW + timedelta(minutes=5)
    cohort.refresh_cohort_figures(now=later)
    assert _kept(None)[1][topic] == (1, 1)
    for group in [None, *cohorts]:
        assert _kept(group) == _alone(group, now=later)


def test_a_card_moved_to_another_topic_is_counted_under_it_at_the_next_refresh(cohorts):
    cohort.refresh_cohort_figures(now=NOW)
    card = ReviewLog.objects.filter(reviewed_at__lt=NOW - timedelta(days=1)).first().card
    before = _kept(None)[1]
    card.topic = TopicFactory()
    card.save(update_fields=["topic"])
    later = NOW + timedelta(minutes=5)
    cohort.refresh_cohort_figures(now=later)
    assert _kept(None)[1] != before
    assert (card.topic_id,) in _kept(None)[1]
    for group in [None, *cohorts]:
        assert _kept(group) == _alone(group, now=later)


def _days_read(sql: str) -> float:
    """How many days of answers a first-try read spans (its reviewed_at bounds)."""
    moments = sorted(re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", sql))
    first, last = (datetime.fromisoformat(moments[i]) for i in (0, -1))
    return (last - first).total_seconds() / 86400


def test_the_kept_count_moves_on_a_day_at_a_time(cohorts):
    learner = cohorts[1].user_set.filter(is_active=True, is_staff=False).first()
    card = CardFactory()
    # A first try on the window's first day, which leaves it at midnight.
    log_review(user=learner, card=CardFactory(), rating=2, at=WINDOW_START + timedelta(hours=1))
    before_midnight = datetime(2025, 1, 10, 23, 55, tzinfo=UTC)
    cohort.refresh_cohort_figures(now=before_midnight)  # the month: Dec 12 to Jan 9 kept
    # An answer recorded at 23:59 whose request committed after that refresh had read the log.
    log_review(user=learner, card=card, rating=4, at=before_midnight + timedelta(minutes=4))
    # 00:05: the window now starts on Dec 13; Jan 10 is still read as it stands, and the kept
    # count serves on with Dec 12 taken off.
    just_after = datetime(2025, 1, 11, 0, 5, tzinfo=UTC)
    with CaptureQueriesContext(connection) as ran:
        cohort.refresh_cohort_figures(now=just_after)
    reads = _first_try_reads(ran.captured_queries)
    assert len(reads) == 2 and all(_days_read(sql) <= 1.01 for sql in reads)
    since = datetime(2024, 12, 13, tzinfo=UTC)
    assert _kept(None)[1][(card.topic_id,)] == (1, 1)
    for group in [None, *cohorts]:
        assert _kept(group) == _alone(group, now=just_after, since=since)
    # 00:15: Jan 10 has settled: added to the kept days, Dec 12 taken off, today read.
    later = datetime(2025, 1, 11, 0, 15, tzinfo=UTC)
    with CaptureQueriesContext(connection) as ran:
        cohort.refresh_cohort_figures(now=later)
    reads = _first_try_reads(ran.captured_queries)
    assert len(reads) == 3 and all(_days_read(sql) <= 1.01 for sql in reads)
    for group in [None, *cohorts]:
        assert _kept(group) == _alone(group, now=later, since=since)
    with CaptureQueriesContext(connection) as ran:
        cohort.refresh_cohort_figures(now=later + timedelta(minutes=5))
    assert len(_first_try_reads(ran.captured_queries)) == 1  # today's only


def test_undos_are_caught_when_the_kept_count_moves_on_a_day(cohorts):
    first, second = cohorts[0].user_set.filter(is_active=True, is_staff=False)[:2]
    leaving = log_review(user=first, card=CardFactory(), rating=3, at=WINDOW_START)
    staying = log_review(user=second, card=CardFactory(), rating=1, at=NOW - timedelta(days=5))
    cohort.refresh_cohort_figures(now=NOW)
    # Both taken back after that refresh, the first on the day that is about to leave the window.
    next_day = datetime(2025, 1, 11, 0, 15, tzinfo=UTC)
    for review in (leaving, staying):
        ReviewUndo.objects.create(review=review, undone_at=next_day - timedelta(minutes=3))
    cohort.refresh_cohort_figures(now=next_day)
    since = datetime(2024, 12, 13, tzinfo=UTC)
    for group in [None, *cohorts]:
        assert _kept(group) == _alone(group, now=next_day, since=since)
    assert (staying.card.topic_id,) not in _kept(None)[1]


def test_reading_a_few_learners_at_a_time_gives_the_same_figures(cohorts):
    rests = []
    chunked = learner_figures(now=NOW, chunk=3, pause=rests.append, count_settled=True)
    # Three at a time, a rest after each read: the days that are over of all 12 users, then the
    # later answers and memory of the 10 active learners (not staff).
    assert len(rests) == 4 + 4 and all(seconds >= 0 for seconds in rests)
    forget_cohort_figures()
    whole = learner_figures(now=NOW, count_settled=True)  # everything again, all at once
    forget_cohort_figures()
    month = learner_figures(now=NOW)  # none kept: the month read as a page reads it
    for other in (whole, month):
        assert chunked.mastery.keys() == other.mastery.keys()
        for key, row in other.mastery.items():
            assert chunked.mastery[key]["started"] == row["started"]
            assert chunked.mastery[key]["recalled"] == pytest.approx(row["recalled"])
        assert chunked.accuracy == other.accuracy


def test_a_page_leaves_counting_everyones_month_to_the_refresher(cohorts):
    forget_cohort_figures()
    group = cohorts[0]
    with CaptureQueriesContext(connection) as page:
        figures = learner_figures(now=NOW, group=group)
    assert _summed(cohort_sums(figures)) == _alone(group)
    # One read of the group's month, nothing counted for everyone nor kept.
    (month,) = _first_try_reads(page.captured_queries)
    assert "2024-12-12 00:00:00" in month
    with CaptureQueriesContext(connection) as again:
        learner_figures(now=NOW, group=group)
    assert len(_first_try_reads(again.captured_queries)) == 1


def test_the_command_refreshes_in_chunks_and_refuses_a_bad_size(cohorts):
    out = io.StringIO()
    call_command("refresh_cohort_figures", "--learners-at-a-time", "4", stdout=out)
    assert f"Cohort figures of {1 + Group.objects.count()} cohort(s) recalculated" in out.getvalue()
    for bad in ("0", "-3"):
        with pytest.raises(CommandError, match="at least 1"):
            call_command("refresh_cohort_figures", "--learners-at-a-time", bad)
    with pytest.raises(CommandError):
        call_command("refresh_cohort_figures", "--learners-at-a-time", "many")
