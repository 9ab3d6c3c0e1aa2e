"""A cohort's figures are sums over its learners: the one pass the refresher makes over everyone
gives every group the figures a query over that group alone gives, and the dashboard shows them."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from quizzes.insights.selectors import cohort
from quizzes.insights.selectors.cohort import cohort_sums, learner_figures
from quizzes.insights.selectors.figures import in_cohort_q, mastery_by
from quizzes.insights.selectors.remembered import forget_cohort_figures
from quizzes.review.models import MemoryStage, MemoryState, ReviewLog
from tests.factories import CardFactory, MemoryStateFactory, TopicFactory, UserFactory, log_review

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 1, 10, 15, 0, tzinfo=UTC)


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


def _alone(group: Group | None) -> tuple:
    """A cohort's figures read straight from a query over that cohort alone."""
    states = MemoryState.objects.filter(in_cohort_q("user__", group))
    answers = ReviewLog.objects.standing().filter(
        in_cohort_q("user__", group),
        reviewed_at__gte=NOW - timedelta(days=30),
        reviewed_at__lt=NOW,
    )
    mastery = {
        key: (row["started"], pytest.approx(float(row["recalled"])))
        for key, row in mastery_by(["card__topic_id"], states, now=NOW).items()
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


def test_the_refresher_stores_each_groups_own_figures(cohorts, django_assert_max_num_queries):
    forget_cohort_figures()
    groups = list(Group.objects.all())
    with django_assert_max_num_queries(25 * (1 + len(groups))) as ran:
        assert cohort.refresh_cohort_figures(now=NOW) == 1 + len(groups)
    # One pass over everyone's answers of the month and one over their memory, whatever the
    # number of groups (then each cohort's card table and its cache writes).
    sql = [query["sql"] for query in ran.captured_queries]
    assert sum('"first" - 10 * FLOOR' in statement for statement in sql) == 1
    assert sum("POWER(" in statement for statement in sql) == 1
    for group in [None, *groups]:
        (kept, _calculated_at) = cohort.cohort_figures(now=NOW, group=group)
        assert _summed(kept) == _alone(group)


def test_reading_a_few_learners_at_a_time_gives_the_same_figures(cohorts):
    rests = []
    chunked = learner_figures(now=NOW, chunk=3, pause=rests.append)
    whole = learner_figures(now=NOW)
    assert chunked.mastery.keys() == whole.mastery.keys()
    for key, row in whole.mastery.items():
        assert chunked.mastery[key]["started"] == row["started"]
        assert chunked.mastery[key]["recalled"] == pytest.approx(row["recalled"])
    assert chunked.accuracy == whole.accuracy
    # Ten active learners (not staff), three at a time: a rest after each read, as long as it.
    assert len(rests) == 4 and all(seconds >= 0 for seconds in rests)


def test_the_command_refreshes_in_chunks_and_refuses_a_bad_size(cohorts):
    out = io.StringIO()
    call_command("refresh_cohort_figures", "--learners-at-a-time", "4", stdout=out)
    assert f"Cohort figures of {1 + Group.objects.count()} cohort(s) recalculated" in out.getvalue()
    for bad in ("0", "-3"):
        with pytest.raises(CommandError, match="at least 1"):
            call_command("refresh_cohort_figures", "--learners-at-a-time", bad)
    with pytest.raises(CommandError):
        call_command("refresh_cohort_figures", "--learners-at-a-time", "many")
