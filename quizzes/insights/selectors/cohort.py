"""Reads for the instructor dashboard: the cohort's figures per topic, and the page as a whole.

The cohort is every active learner (not staff), or the members of one group. Each table comes from
a fixed number of aggregate queries, whatever the number of learners, cards or reviews; the
cohort-wide rows are remembered and refreshed out of the request path
(quizzes.insights.selectors.remembered).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from quizzes.content.models import Topic
from quizzes.insights import statistics
from quizzes.insights.selectors.figures import (
    TopicFigures,
    cohort_key,
    first_try_counts,
    in_cohort_q,
    learners,
    mastery_by,
    mastery_of,
    standing_reviews,
    topics_with_totals,
    window_start,
)
from quizzes.insights.selectors.items import CardPage, card_page
from quizzes.insights.selectors.modules import ModuleRow, module_table
from quizzes.insights.selectors.remembered import (
    COHORT_FIGURES_MAX_AGE,
    COHORT_FIGURES_SECONDS,
    remembered,
)
from quizzes.insights.selectors.settled import (
    BY_LEARNER,
    add_counts,
    learner_parts,
    settled_first_tries,
)
from quizzes.review.days import LearningDay
from quizzes.review.models import MemoryState

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


def _cohort_reads(
    *, now: datetime, group: Group | None, since: datetime | None = None
) -> tuple[QuerySet, QuerySet]:
    """The cohort's memory states, and its standing answers of the last 30 UTC days (or from
    `since`) until `now`."""
    since = since or window_start(COHORT_DAY, now)
    states = MemoryState.objects.filter(in_cohort_q("user__", group))
    answers = standing_reviews(since=since, until=now).filter(in_cohort_q("user__", group))
    return states, answers


@dataclass(frozen=True)
class LearnerFigures:
    """Every cohort learner's mastery and first-try rows per topic, and the learners' ids: what
    any cohort's figures are sums of."""

    mastery: dict[tuple, dict]  # (user id, topic id) → mastery_by row
    accuracy: dict[tuple, tuple[int, int]]  # (user id, topic id) → (first tries, recalled)
    learner_ids: list[int]


def learner_figures(
    *,
    now: datetime,
    group: Group | None = None,
    chunk: int | None = None,
    pause: Callable[[float], None] | None = None,
    count_settled: bool = False,
) -> LearnerFigures:
    """Per learner and topic, over the cohort: one pass over its memory states, and its first
    tries of the month: those of the days that are over as kept (quizzes.insights.selectors.settled)
    plus one pass over the later answers, or, with none kept, one pass over the month, unless
    `count_settled` (the refresher) has everyone's kept days counted first. With `chunk`, that many
    learners at a time, resting in between (`pause`: learner_parts). The figures are the same
    whichever way they are read."""
    ids = list(learners(group=group).values_list("pk", flat=True))
    cohort = set(ids)
    read_from = window_start(COHORT_DAY, now)
    settled = settled_first_tries(
        now=now,
        since=read_from,
        learning_day=COHORT_DAY,
        chunk=chunk,
        pause=pause,
        count_if_missing=count_settled,
    )
    figures = LearnerFigures(mastery={}, accuracy={}, learner_ids=ids)
    if settled is not None:
        counts, read_from = settled
        figures.accuracy.update((key, value) for key, value in counts.items() if key[0] in cohort)
    states, answers = _cohort_reads(now=now, group=group, since=read_from)
    parts = learner_parts(
        [states, answers], user_ids=None if chunk is None else ids, chunk=chunk, pause=pause
    )
    for part_states, part_answers in parts:
        figures.mastery.update(mastery_by(BY_LEARNER, part_states, now=now))
        add_counts(figures.accuracy, _accuracy_by(BY_LEARNER, part_answers).items())
    return figures


def cohort_sums(figures: LearnerFigures, *, members: set[int] | None = None) -> tuple:
    """(mastery per topic, accuracy per topic, number of learners) of the learners among
    `figures` who are `members` (all of them: None), keyed like mastery_by and first_try_counts
    with the topic alone. A cohort's figures are sums over its learners."""
    mastery: dict[tuple, dict] = {}
    for (user_id, topic_id), row in figures.mastery.items():
        if members is None or user_id in members:
            summed = mastery.setdefault((topic_id,), {"started": 0, "recalled": 0.0})
            summed["started"] += row["started"]
            summed["recalled"] += float(row["recalled"])
    accuracy = add_counts(
        {},
        (
            ((topic_id,), counts)
            for (user_id, topic_id), counts in figures.accuracy.items()
            if members is None or user_id in members
        ),
    )
    size = len(figures.learner_ids if members is None else members & set(figures.learner_ids))
    return mastery, accuracy, size


def cohort_figures(*, now: datetime, group: Group | None = None):
    """((mastery, accuracy) per topic and the number of learners, of the cohort as a whole), and
    when they were calculated: remembered (quizzes.insights.selectors.remembered)."""
    return remembered(
        "cohort",
        lambda: cohort_sums(learner_figures(now=now, group=group)),
        cohort_key(group),
    )


def topic_matrix(
    *, now: datetime, group: Group | None = None, page: int = 1, page_size: int = MATRIX_PAGE_SIZE
) -> TopicMatrix:
    """Mastery and first-try accuracy (last 30 UTC days) per topic for the cohort as a whole
    (remembered: cohort_figures) and for one page of its learners (a fixed number of queries
    whatever the cohort's size). The cohort's mastery is the mean of its learners'."""
    states, answers = _cohort_reads(now=now, group=group)
    topics = list(topics_with_totals())
    (cohort_mastery, cohort_accuracy, cohort_size), calculated_at = cohort_figures(
        now=now, group=group
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
    mastery = mastery_by(BY_LEARNER, states.filter(user_id__in=ids), now=now)
    accuracy = _accuracy_by(BY_LEARNER, answers.filter(user_id__in=ids))
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
    states, answers = _cohort_reads(now=now, group=group)
    topics = list(topics_with_totals())
    mastery = mastery_by(BY_LEARNER, states, now=now)
    accuracy = _accuracy_by(BY_LEARNER, answers)
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
    refresh_minutes: int = COHORT_FIGURES_SECONDS // 60
    max_age_minutes: int = COHORT_FIGURES_MAX_AGE // 60

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


def refresh_cohort_figures(
    *,
    now: datetime,
    chunk: int | None = None,
    pause: Callable[[float], None] | None = None,
) -> int:
    """Recalculate the remembered figures the dashboard opens with (the cohort row and the first
    page of the card table) for all learners and for each group, so that no page waits for them;
    the number of cohorts refreshed. The cohort rows of every group come from one pass over all
    learners' memory and answers (`chunk` and `pause`: learner_figures). Other pages and orders
    of the card table are calculated when first asked for, and kept as long."""
    everyone = learner_figures(now=now, chunk=chunk, pause=pause, count_settled=True)
    memberships = get_user_model().groups.through.objects.filter(user_id__in=everyone.learner_ids)
    members: dict[int, set[int]] = {}
    for group_id, user_id in memberships.values_list("group_id", "user_id"):
        members.setdefault(group_id, set()).add(user_id)
    cohorts: list[Group | None] = [None, *groups()]
    for group in cohorts:
        sums = cohort_sums(everyone, members=members.get(group.pk, set()) if group else None)
        remembered("cohort", lambda sums=sums: sums, cohort_key(group), refresh=True)
        card_page(group=group, refresh=True)
    return len(cohorts)
