"""Reads for the instructor dashboard: the cohort's figures per topic, and the page as a whole.

The cohort is every active learner (not staff), or the members of one group. Each table comes from
a fixed number of aggregate queries, whatever the number of learners, cards or reviews; the
cohort-wide rows are remembered a few minutes (quizzes.insights.selectors.remembered).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from quizzes.content.models import Topic
from quizzes.insights import statistics
from quizzes.insights.selectors.figures import (
    WINDOW_DAYS,
    TopicFigures,
    first_try_counts,
    in_cohort_q,
    learners,
    mastery_by,
    mastery_of,
    topics_with_totals,
)
from quizzes.insights.selectors.items import CardPage, card_page
from quizzes.insights.selectors.modules import ModuleRow, module_table
from quizzes.insights.selectors.remembered import COHORT_FIGURES_SECONDS, remembered
from quizzes.review.days import LearningDay
from quizzes.review.models import MemoryState, ReviewLog

MATRIX_PAGE_SIZE = 50
# The cohort's learners live in many time zones; the cohort view counts learning days in UTC.
COHORT_DAY = LearningDay(time_zone="UTC", day_start_hour=0)


Cell = TopicFigures  # one learner's (or the cohort's) figures for one topic


@dataclass
class MatrixRow:
    learner: object
    cells: list[Cell]


@dataclass
class TopicMatrix:
    topics: list[Topic]  # weakest cohort mastery first; topics nobody started last
    cohort: list[Cell]
    page: Page
    rows: list[MatrixRow] = field(default_factory=list)
    cohort_calculated_at: datetime | None = None


def _accuracy_by(keys: list[str], answers: QuerySet) -> dict[tuple, tuple[int, int]]:
    return first_try_counts(answers, keys=keys, learning_day=COHORT_DAY)


def _cell(memory: dict | None, accuracy: tuple[int, int] | None, *, total: int) -> Cell:
    tries, recalled = accuracy or (0, 0)
    return Cell(
        memory=mastery_of(memory, total=total),
        first_tries=tries,
        accuracy=statistics.ratio(recalled, tries),
    )


def topic_matrix(
    *, now: datetime, group: Group | None = None, page: int = 1, page_size: int = MATRIX_PAGE_SIZE
) -> TopicMatrix:
    """Mastery and first-try accuracy (last 30 UTC days) per topic for the cohort as a whole
    (remembered for COHORT_FIGURES_SECONDS) and for one page of its learners (a fixed number of
    queries whatever the cohort's size). The cohort's mastery is the mean of its learners'."""
    window_start = now - timedelta(days=WINDOW_DAYS)
    states = MemoryState.objects.filter(in_cohort_q("user__", group))
    answers = ReviewLog.objects.standing().filter(
        in_cohort_q("user__", group), reviewed_at__gte=window_start, reviewed_at__lt=now
    )
    topics = list(topics_with_totals())
    (cohort_mastery, cohort_accuracy, cohort_size), calculated_at = remembered(
        "cohort",
        lambda: (
            mastery_by(["card__topic_id"], states, now=now),
            _accuracy_by(["card__topic_id"], answers),
            learners(group=group).count(),
        ),
        group.pk if group else "all",
    )
    cohort_cells = {
        t.pk: _cell(
            cohort_mastery.get((t.pk,)),
            cohort_accuracy.get((t.pk,)),
            total=t.published * cohort_size,
        )
        for t in topics
    }

    def weakness(topic: Topic) -> tuple:
        cell = cohort_cells[topic.pk]
        return (not cell.introduced, cell.mastery or 0.0)

    topics.sort(key=weakness)
    paginator = Paginator(learners(group=group).only("id", "username", "first_name"), page_size)
    learner_page = paginator.get_page(page)
    ids = [learner.pk for learner in learner_page]
    mastery = mastery_by(["user_id", "card__topic_id"], states.filter(user_id__in=ids), now=now)
    accuracy = _accuracy_by(["user_id", "card__topic_id"], answers.filter(user_id__in=ids))
    return TopicMatrix(
        cohort_calculated_at=calculated_at,
        topics=topics,
        cohort=[cohort_cells[t.pk] for t in topics],
        page=learner_page,
        rows=[
            MatrixRow(
                learner=learner,
                cells=[
                    _cell(
                        mastery.get((learner.pk, t.pk)),
                        accuracy.get((learner.pk, t.pk)),
                        total=t.published,
                    )
                    for t in topics
                ],
            )
            for learner in learner_page
        ],
    )


def learner_topic_cells(*, now: datetime, group: Group | None = None):
    """Every (learner, topic) cell of the cohort for the CSV export (4 queries)."""
    window_start = now - timedelta(days=WINDOW_DAYS)
    states = MemoryState.objects.filter(in_cohort_q("user__", group))
    answers = ReviewLog.objects.standing().filter(
        in_cohort_q("user__", group), reviewed_at__gte=window_start, reviewed_at__lt=now
    )
    topics = list(topics_with_totals())
    mastery = mastery_by(["user_id", "card__topic_id"], states, now=now)
    accuracy = _accuracy_by(["user_id", "card__topic_id"], answers)
    for learner in learners(group=group).only("id", "username").iterator():
        for topic in topics:
            key = (learner.pk, topic.pk)
            yield learner, topic, _cell(mastery.get(key), accuracy.get(key), total=topic.published)


def groups() -> QuerySet[Group]:
    return Group.objects.order_by("name")


@dataclass
class Dashboard:
    group: Group | None
    matrix: TopicMatrix
    cards: CardPage
    modules: list[ModuleRow]
    keep_minutes: int = COHORT_FIGURES_SECONDS // 60

    @property
    def calculated_at(self) -> datetime | None:
        """When the oldest of the remembered figures on the page was calculated."""
        times = [self.matrix.cohort_calculated_at, self.cards.calculated_at]
        return min((time for time in times if time is not None), default=None)


def dashboard(
    *,
    now: datetime,
    group: Group | None = None,
    page: int = 1,
    cards_page: int = 1,
    cards_order: str = "article",
) -> Dashboard:
    """Everything the instructor dashboard shows for the cohort or one group (fixed queries)."""
    return Dashboard(
        group=group,
        matrix=topic_matrix(now=now, group=group, page=page),
        cards=card_page(group=group, page=cards_page, order=cards_order),
        modules=module_table(group=group),
    )
