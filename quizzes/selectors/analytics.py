"""Reads for the instructor dashboard: the cohort's figures per topic, per card and per module.

The cohort is every active learner (not staff), or the members of one group. Each table comes from
a fixed number of aggregate queries, whatever the number of learners, cards or reviews.

Item analysis (Moodle's quiz statistics) counts one attempt per learner and module: the learner's
first submitted attempt (later attempts repeat questions the learner has already seen answered, and
would weigh keen learners several times):
- facility index: mean credit on the question (unanswered counts 0);
- discrimination index: mean credit among the upper 27% of the module's first attempts by total
  score minus that among the lower 27% (ranks by score, attempt id breaking ties, PERCENT_RANK ≥
  0.73 / ≤ 0.27); with randomly drawn questions, each group's mean is over its attempts that drew
  the card;
- distractor frequency: the share of answers to the card that chose each choice.
The module table's attempts, mean, SD and pass rate count every submitted attempt (how the module
is going); its internal consistency uses the same first attempts. Cronbach's alpha is over question
*slots*
(positions), as Moodle does for random questions; with 0/1 credit it equals KR-20. Its limit: a slot
holds different cards in different attempts, so alpha measures the consistency of the quiz as
drawn, not of a fixed set of items; it needs at least two slots and some spread in totals.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Func,
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
from django.utils import timezone

from quizzes import statistics
from quizzes.models import (
    Attempt,
    AttemptQuestion,
    Card,
    CardStatus,
    Choice,
    MemoryStage,
    MemoryState,
    ReviewSource,
    Topic,
    TrainingModule,
)
from quizzes.models.content import CHOICE_KINDS
from quizzes.selectors.progress import (
    WINDOW_DAYS,
    first_try_counts,
    retrievability_sql,
    reviews,
)

MATRIX_PAGE_SIZE = 50
UPPER = 1 - statistics.DISCRIMINATION_GROUP
LOWER = statistics.DISCRIMINATION_GROUP
# The cohort's learners live in many time zones; the cohort view counts learning days in UTC.
COHORT_TIME_ZONE = "UTC"
COHORT_DAY_START_HOUR = 0
# Cohort-wide figures read every learner's memory and a month of reviews: about a second with a
# million reviews. Like Moodle's quiz statistics they are kept for a while, shown with the time
# they were calculated, and recalculated at once on request (forget_cohort_figures).
COHORT_FIGURES_SECONDS = 5 * 60
_GENERATION_KEY = "analytics:generation"

T = TypeVar("T")


def _remembered(name: str, compute: Callable[[], T], *parts: object) -> tuple[T, datetime]:
    """`compute()` and when it ran, from the shared cache while younger than
    COHORT_FIGURES_SECONDS and not forgotten since."""
    generation = cache.get(_GENERATION_KEY, 0)
    key = ":".join(["analytics", str(generation), name, *map(str, parts)])
    found = cache.get(key)
    if found is None:
        found = (compute(), timezone.now())
        cache.set(key, found, COHORT_FIGURES_SECONDS)
    return found


def forget_cohort_figures() -> None:
    """Have the next dashboard recalculate every remembered figure: later keys name a new
    generation, and the old entries expire unread."""
    cache.set(_GENERATION_KEY, time.time_ns(), timeout=None)


def learners(*, group: Group | None = None) -> QuerySet:
    """The cohort: active non-staff users, optionally one group's members, by username."""
    users = get_user_model().objects.filter(is_active=True, is_staff=False)
    if group is not None:
        users = users.filter(groups=group)
    return users.order_by("username")


def _in_cohort(prefix: str, group: Group | None) -> Q:
    query = Q(**{f"{prefix}is_active": True, f"{prefix}is_staff": False})
    if group is not None:
        query &= Q(**{f"{prefix}groups": group})
    return query


# Cohort × topic matrix.


@dataclass
class Cell:
    introduced: int = 0
    mastery: float | None = None
    first_tries: int = 0
    accuracy: float | None = None


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


def _mastery_by(keys: list[str], states: QuerySet, now: datetime) -> dict[tuple, dict]:
    introduced = ~Q(stage=MemoryStage.NEW)
    rows = states.values(*keys).annotate(
        introduced=Count("id", filter=introduced),
        mastery=Avg(retrievability_sql(now), filter=introduced & Q(stability__gt=0)),
    )
    return {tuple(row[key] for key in keys): row for row in rows}


def _accuracy_by(keys: list[str], answers: QuerySet) -> dict[tuple, tuple[int, int]]:
    return first_try_counts(
        answers, keys=keys, time_zone=COHORT_TIME_ZONE, day_start_hour=COHORT_DAY_START_HOUR
    )


def _cell(memory: dict | None, accuracy: tuple[int, int] | None) -> Cell:
    tries, recalled = accuracy or (0, 0)
    return Cell(
        introduced=memory["introduced"] if memory else 0,
        mastery=memory["mastery"] if memory else None,
        first_tries=tries,
        accuracy=statistics.ratio(recalled, tries),
    )


def topic_matrix(
    *, now: datetime, group: Group | None = None, page: int = 1, page_size: int = MATRIX_PAGE_SIZE
) -> TopicMatrix:
    """Mastery and first-try accuracy (last 30 UTC days) per topic for the cohort as a whole
    (remembered for COHORT_FIGURES_SECONDS) and for one page of its learners (a fixed number of
    queries whatever the cohort's size)."""
    window_start = now - timedelta(days=WINDOW_DAYS)
    states = MemoryState.objects.filter(_in_cohort("user__", group))
    answers = reviews().filter(
        _in_cohort("user__", group), reviewed_at__gte=window_start, reviewed_at__lt=now
    )
    topics = list(Topic.objects.in_reading_order())
    (cohort_mastery, cohort_accuracy), calculated_at = _remembered(
        "cohort",
        lambda: (
            _mastery_by(["card__topic_id"], states, now),
            _accuracy_by(["card__topic_id"], answers),
        ),
        group.pk if group else "all",
    )

    def weakness(topic: Topic) -> tuple:
        mastery = cohort_mastery.get((topic.pk,), {}).get("mastery")
        return (mastery is None, mastery if mastery is not None else 0.0)

    topics.sort(key=weakness)
    paginator = Paginator(learners(group=group).only("id", "username", "first_name"), page_size)
    learner_page = paginator.get_page(page)
    ids = [learner.pk for learner in learner_page]
    mastery = _mastery_by(["user_id", "card__topic_id"], states.filter(user_id__in=ids), now)
    accuracy = _accuracy_by(["user_id", "card__topic_id"], answers.filter(user_id__in=ids))
    return TopicMatrix(
        cohort_calculated_at=calculated_at,
        topics=topics,
        cohort=[_cell(cohort_mastery.get((t.pk,)), cohort_accuracy.get((t.pk,))) for t in topics],
        page=learner_page,
        rows=[
            MatrixRow(
                learner=learner,
                cells=[
                    _cell(mastery.get((learner.pk, t.pk)), accuracy.get((learner.pk, t.pk)))
                    for t in topics
                ],
            )
            for learner in learner_page
        ],
    )


def learner_topic_cells(*, now: datetime, group: Group | None = None):
    """Every (learner, topic) cell of the cohort for the CSV export (4 queries)."""
    window_start = now - timedelta(days=WINDOW_DAYS)
    states = MemoryState.objects.filter(_in_cohort("user__", group))
    answers = reviews().filter(
        _in_cohort("user__", group), reviewed_at__gte=window_start, reviewed_at__lt=now
    )
    topics = list(Topic.objects.in_reading_order())
    mastery = _mastery_by(["user_id", "card__topic_id"], states, now)
    accuracy = _accuracy_by(["user_id", "card__topic_id"], answers)
    for learner in learners(group=group).only("id", "username").iterator():
        for topic in topics:
            key = (learner.pk, topic.pk)
            yield learner, topic, _cell(mastery.get(key), accuracy.get(key))


# Per card: reviews, lapses, difficulty, leeches and item analysis of quiz answers.


class JsonArrayHas(Func):
    """True when a JSON value (a list of choice ids, or one id) holds the given id."""

    arity = 2
    output_field = BooleanField()

    def _parts(self, compiler, connection):
        (array_sql, array_params), (item_sql, item_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return array_sql, tuple(array_params), item_sql, tuple(item_params)

    def as_sql(self, compiler, connection, **extra_context):  # PostgreSQL (jsonb)
        array, array_params, item, item_params = self._parts(compiler, connection)
        sql = f"({array} @> jsonb_build_array({item}) OR {array} = to_jsonb({item}))"
        return sql, array_params + item_params + array_params + item_params

    def as_sqlite(self, compiler, connection, **extra_context):
        array, array_params, item, item_params = self._parts(compiler, connection)
        sql = f"EXISTS (SELECT 1 FROM json_each({array}) AS each_id WHERE each_id.value = {item})"
        return sql, array_params + item_params


@dataclass(frozen=True)
class ChoiceShare:
    choice: Choice
    chosen: int
    share: float | None


@dataclass
class CardRow:
    card: Card
    reviews: int = 0
    review_stage_reviews: int = 0
    lapses: int = 0
    learners: int = 0
    mean_difficulty: float | None = None
    leeches: int = 0
    answers: int = 0
    facility: float | None = None
    upper_mean: float | None = None
    lower_mean: float | None = None
    choices: list[ChoiceShare] = field(default_factory=list)

    @property
    def lapse_rate(self) -> float | None:
        """Share of answers to the card, once learned, that were Again (1 − its true retention)."""
        return statistics.ratio(self.lapses, self.review_stage_reviews)

    @property
    def discrimination(self) -> float | None:
        if self.upper_mean is None or self.lower_mean is None:
            return None
        return self.upper_mean - self.lower_mean


def first_attempts(*, group: Group | None = None) -> QuerySet[Attempt]:
    """Each cohort learner's first submitted attempt at each module (what item analysis counts)."""
    earlier = Attempt.objects.filter(
        user=OuterRef("user"),
        module=OuterRef("module"),
        submitted_at__isnull=False,
        number__lt=OuterRef("number"),
    )
    return Attempt.objects.filter(
        _in_cohort("user__", group), ~Exists(earlier), submitted_at__isnull=False
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


def _card_rows(cards: list[Card], *, group: Group | None) -> list[CardRow]:
    """Figures for the given cards (4 queries whatever their number)."""
    ids = [card.pk for card in cards]
    in_review = Q(state_before__stage=MemoryStage.REVIEW)
    review_figures = {
        row.pop("card_id"): row
        for row in reviews()
        .filter(_in_cohort("user__", group), card_id__in=ids)
        .values("card_id")
        .annotate(
            reviews=Count("id"),
            review_stage_reviews=Count("id", filter=in_review),
            lapses=Count("id", filter=in_review & Q(rating=1)),
        )
    }
    introduced = ~Q(stage=MemoryStage.NEW)
    memory_figures = {
        row.pop("card_id"): row
        for row in MemoryState.objects.filter(_in_cohort("user__", group), card_id__in=ids)
        .values("card_id")
        .annotate(
            learners=Count("id", filter=introduced),
            mean_difficulty=Avg("difficulty", filter=introduced),
            leeches=Count("id", filter=Q(is_leech=True)),
        )
    }
    ranked = ranked_attempts(group=group).filter(module_attempts__gte=2)
    credit = Coalesce(F("fraction"), Value(0), output_field=FloatField())
    answered = AttemptQuestion.objects.filter(
        attempt__in=first_attempts(group=group).values("id"), card_id__in=ids
    )
    quiz_figures = {
        row.pop("card_id"): row
        for row in answered.values("card_id").annotate(
            answers=Count("id"),
            facility=Avg(credit),
            upper_mean=Avg(
                credit, filter=Q(attempt_id__in=ranked.filter(percent_rank__gte=UPPER).values("id"))
            ),
            lower_mean=Avg(
                credit, filter=Q(attempt_id__in=ranked.filter(percent_rank__lte=LOWER).values("id"))
            ),
        )
    }
    chosen = (
        answered.filter(card=OuterRef("card"))
        .filter(JsonArrayHas(F("response"), OuterRef("pk")))
        .values("card")
        .annotate(n=Count("id"))
        .values("n")
    )
    choices: dict[int, list[Choice]] = {}
    choice_cards = [card.pk for card in cards if card.kind in CHOICE_KINDS]
    for choice in Choice.objects.filter(card_id__in=choice_cards).annotate(
        chosen=Coalesce(Subquery(chosen), Value(0))
    ):
        choices.setdefault(choice.card_id, []).append(choice)
    rows = []
    for card in cards:
        row = CardRow(
            card=card,
            **review_figures.get(card.pk, {}),
            **memory_figures.get(card.pk, {}),
            **quiz_figures.get(card.pk, {}),
        )
        row.choices = [
            ChoiceShare(choice, choice.chosen, statistics.ratio(choice.chosen, row.answers))
            for choice in choices.get(card.pk, [])
        ]
        rows.append(row)
    return rows


def card_table(*, group: Group | None = None) -> list[CardRow]:
    """Every published card in reading order with the cohort's figures (5 queries)."""
    cards = list(Card.objects.filter(status=CardStatus.PUBLISHED).select_related("topic"))
    return _card_rows(cards, group=group)


CARD_PAGE_SIZE = 25
# How the dashboard's card table can be sorted: value → label (the first is the default).
# Article order is the default because it needs no pass over the whole review log: with a
# million reviews, ranking every card by lapse rate costs seconds, so it is asked for explicitly.
CARD_ORDERS = {
    "article": "Article order",
    "problems": "Highest lapse rate first",
    "reviews": "Most reviewed first",
}


@dataclass
class CardPage:
    page: Page
    rows: list[CardRow]
    order: str
    calculated_at: datetime | None = None


def _ordered_card_ids(*, group: Group | None, order: str) -> list[int]:
    """Every published card's id in the chosen order (1 query: the cohort's review counts per
    card in one grouped join, ranked here; a few hundred cards, so only the figures of one page
    are then computed)."""
    cards = Card.objects.filter(status=CardStatus.PUBLISHED)
    if order == "article":
        return list(cards.values_list("pk", flat=True))
    standing = Q(
        review_logs__undo__isnull=True, review_logs__source=ReviewSource.DAILY_REVIEW
    ) & _in_cohort("review_logs__user__", group)
    in_review = standing & Q(review_logs__state_before__stage=MemoryStage.REVIEW)
    counted = cards.annotate(
        n_reviews=Count("review_logs", filter=standing),
        n_review_stage=Count("review_logs", filter=in_review),
        n_lapses=Count("review_logs", filter=in_review & Q(review_logs__rating=1)),
    ).values_list("pk", "n_reviews", "n_review_stage", "n_lapses")

    def lapse_rate(review_stage: int, lapses: int) -> float:
        rate = statistics.ratio(lapses, review_stage)
        return -1.0 if rate is None else rate  # never reviewed once learned: last

    if order == "reviews":
        ranked = sorted(counted, key=lambda row: (-row[1], -lapse_rate(row[2], row[3])))
    else:
        ranked = sorted(counted, key=lambda row: (-lapse_rate(row[2], row[3]), -row[1]))
    return [row[0] for row in ranked]


def card_page(
    *,
    group: Group | None = None,
    page: int = 1,
    order: str = "article",
    page_size: int = CARD_PAGE_SIZE,
) -> CardPage:
    """One page of published cards with the cohort's figures, in article order or ranked by
    lapse rate or by reviews (a fixed number of queries whatever the number of cards). Rankings
    other than article order and the page's figures are remembered for COHORT_FIGURES_SECONDS."""
    order = order if order in CARD_ORDERS else next(iter(CARD_ORDERS))
    group_key = group.pk if group else "all"
    if order == "article":
        ids = _ordered_card_ids(group=group, order=order)
    else:
        ids, _ = _remembered(
            "card-order", lambda: _ordered_card_ids(group=group, order=order), group_key, order
        )
    card_page = Paginator(ids, page_size).get_page(page)
    page_ids = list(card_page)
    rows, calculated_at = _remembered(
        "card-rows",
        lambda: _card_rows(_cards_in_order(page_ids), group=group),
        group_key,
        order,
        card_page.number,
        hashlib.sha256(repr(page_ids).encode()).hexdigest()[:16],
    )
    return CardPage(page=card_page, rows=rows, order=order, calculated_at=calculated_at)


def _cards_in_order(ids: list[int]) -> list[Card]:
    cards = Card.objects.select_related("topic").in_bulk(ids)
    return [cards[pk] for pk in ids if pk in cards]


def card_item_analysis(*, card: Card) -> dict:
    """The whole cohort's figures for one card, for its admin page (4 queries)."""
    (row,) = _card_rows([card], group=None)
    return {"row": row, "choice_card": card.kind in CHOICE_KINDS}


# Per module: attempts, scores, pass rate and internal consistency.


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


def module_table(*, group: Group | None = None) -> list[ModuleRow]:
    """Every module with the cohort's submitted attempts: count, mean and SD of score, pass rate,
    and Cronbach's alpha (KR-20) over first attempts (3 queries)."""
    submitted = Q(attempts__submitted_at__isnull=False) & _in_cohort("attempts__user__", group)
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
    total = Subquery(
        AttemptQuestion.objects.filter(attempt=OuterRef("pk"))
        .values("attempt")
        .annotate(total=Sum(credit))
        .values("total"),
        output_field=FloatField(),
    )
    totals = {
        row["module_id"]: row
        for row in firsts.annotate(total=Coalesce(total, Value(0.0)))
        .values("module_id")
        .annotate(n=Count("id"), mean=Avg("total"), mean_of_squares=Avg(F("total") * F("total")))
        .order_by()
    }
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
