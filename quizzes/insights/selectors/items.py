"""Per card, for the cohort: reviews, lapses, "I typed it right" overrides, difficulty, leeches and
the item analysis of quiz answers (Moodle's quiz statistics).

Item analysis counts one attempt per learner and module, the learner's first submitted one (later
attempts repeat questions the learner has already seen answered, and would weigh keen learners
several times):
- facility index: mean credit on the question (unanswered counts 0);
- discrimination index: mean credit among the upper 27% of the module's first attempts by total
  score minus that among the lower 27% (ranks by score, attempt id breaking ties, PERCENT_RANK ≥
  0.73 / ≤ 0.27); with randomly drawn questions, each group's mean is over its attempts that drew
  the card;
- distractor frequency: the share of answers to the card that chose each choice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import Group
from django.core.paginator import Page, Paginator
from django.db.models import (
    Avg,
    BooleanField,
    Count,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf

from quizzes.content.models import CHOICE_KINDS, Card, CardStatus, Choice
from quizzes.insights import statistics
from quizzes.insights.selectors.figures import cohort_key, in_cohort_q
from quizzes.insights.selectors.modules import first_attempts, ranked_attempts
from quizzes.insights.selectors.remembered import remembered
from quizzes.review.models import (
    MemoryStage,
    MemoryState,
    ReviewLog,
    introduced_q,
    standing_q,
)
from quizzes.training.models import AttemptQuestion

UPPER = 1 - statistics.DISCRIMINATION_GROUP
LOWER = statistics.DISCRIMINATION_GROUP


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
    # Answers a learner counted as right with "I typed it right" (a typo, or a wording the card's
    # accepted answers may be missing).
    overrides: int = 0
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


def _review_figures(ids: list[int], *, group: Group | None) -> dict[int, dict]:
    """Per card: the cohort's standing reviews, those in the review stage and the lapses."""
    in_review = Q(stage_before=MemoryStage.REVIEW)
    return {
        row.pop("card_id"): row
        for row in ReviewLog.objects.standing()
        .filter(in_cohort_q("user__", group), card_id__in=ids)
        .values("card_id")
        .annotate(
            reviews=Count("id"),
            review_stage_reviews=Count("id", filter=in_review),
            lapses=Count("id", filter=in_review & Q(rating=1)),
            overrides=Count("id", filter=Q(overridden=True)),
        )
    }


def _memory_figures(ids: list[int], *, group: Group | None) -> dict[int, dict]:
    """Per card: learners who started it, their mean difficulty, and its leeches."""
    introduced = introduced_q()
    return {
        row.pop("card_id"): row
        for row in MemoryState.objects.filter(in_cohort_q("user__", group), card_id__in=ids)
        .values("card_id")
        .annotate(
            learners=Count("id", filter=introduced),
            mean_difficulty=Avg("difficulty", filter=introduced),
            leeches=Count("id", filter=Q(is_leech=True)),
        )
    }


def _quiz_figures(
    cards: list[Card], answered: QuerySet[AttemptQuestion], *, group: Group | None
) -> tuple[dict[int, dict], dict[int, list[Choice]]]:
    """Per card: first-attempt answers, facility and the upper/lower groups' means; and its
    choices with how often each was chosen."""
    ranked = ranked_attempts(group=group).filter(module_attempts__gte=2)
    credit = Coalesce(F("fraction"), Value(0), output_field=FloatField())
    upper = Q(attempt_id__in=ranked.filter(percent_rank__gte=UPPER).values("id"))
    lower = Q(attempt_id__in=ranked.filter(percent_rank__lte=LOWER).values("id"))
    figures = {
        row.pop("card_id"): row
        for row in answered.values("card_id").annotate(
            answers=Count("id"),
            facility=Avg(credit),
            upper_mean=Avg(credit, filter=upper),
            lower_mean=Avg(credit, filter=lower),
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
    return figures, choices


def _card_rows(cards: list[Card], *, group: Group | None) -> list[CardRow]:
    """Figures for the given cards (4 queries whatever their number)."""
    ids = [card.pk for card in cards]
    reviews = _review_figures(ids, group=group)
    memories = _memory_figures(ids, group=group)
    answered = AttemptQuestion.objects.filter(
        attempt__in=first_attempts(group=group).values("id"), card_id__in=ids
    )
    quiz, choices = _quiz_figures(cards, answered, group=group)
    rows = []
    for card in cards:
        row = CardRow(
            card=card,
            **reviews.get(card.pk, {}),
            **memories.get(card.pk, {}),
            **quiz.get(card.pk, {}),
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


def with_review_counts(cards: QuerySet[Card], *, group: Group | None = None) -> QuerySet[Card]:
    """Cards annotated with the cohort's standing reviews (`n_reviews`), those of the card in the
    review stage (`n_review_stage`), the lapses among them (`n_lapses`) and the lapse rate
    (`lapse_ratio`, CardRow.lapse_rate in SQL), in one grouped join."""
    standing = standing_q("review_logs__") & in_cohort_q("review_logs__user__", group)
    in_review = standing & Q(review_logs__stage_before=MemoryStage.REVIEW)
    return cards.annotate(
        n_reviews=Count("review_logs", filter=standing),
        n_review_stage=Count("review_logs", filter=in_review),
        n_lapses=Count("review_logs", filter=in_review & Q(review_logs__rating=1)),
    ).annotate(
        lapse_ratio=Cast("n_lapses", FloatField())
        / NullIf(Cast("n_review_stage", FloatField()), 0.0)
    )


def _ordered_card_ids(*, group: Group | None, order: str) -> list[int]:
    """Every published card's id in the chosen order (1 query: the cohort's review counts per
    card in one grouped join, ranked here; a few hundred cards, so only the figures of one page
    are then computed)."""
    cards = Card.objects.filter(status=CardStatus.PUBLISHED)
    if order == "article":
        return list(cards.values_list("pk", flat=True))
    counted = with_review_counts(cards, group=group).values_list(
        "pk", "n_reviews", "n_review_stage", "n_lapses"
    )

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
    refresh: bool = False,
) -> CardPage:
    """One page of published cards with the cohort's figures, in article order or ranked by
    lapse rate or by reviews (a fixed number of queries whatever the number of cards). Rankings
    other than article order and the page's figures are remembered
    (quizzes.insights.selectors.remembered); `refresh` recalculates them."""
    order = order if order in CARD_ORDERS else next(iter(CARD_ORDERS))
    group_key = cohort_key(group)
    if order == "article":
        ids = _ordered_card_ids(group=group, order=order)
    else:
        ids, _ = remembered(
            "card-order",
            lambda: _ordered_card_ids(group=group, order=order),
            group_key,
            order,
            refresh=refresh,
        )
    card_page = Paginator(ids, page_size).get_page(page)
    page_ids = list(card_page)
    rows, calculated_at = remembered(
        "card-rows",
        lambda: _card_rows(_cards_in_order(page_ids), group=group),
        group_key,
        order,
        card_page.number,
        hashlib.sha256(repr(page_ids).encode()).hexdigest()[:16],
        refresh=refresh,
    )
    return CardPage(page=card_page, rows=rows, order=order, calculated_at=calculated_at)


def _cards_in_order(ids: list[int]) -> list[Card]:
    cards = Card.objects.select_related("topic").in_bulk(ids)
    return [cards[pk] for pk in ids if pk in cards]


def card_item_analysis(*, card: Card) -> dict:
    """The whole cohort's figures for one card, for its admin page (4 queries)."""
    (row,) = _card_rows([card], group=None)
    return {"row": row, "choice_card": card.kind in CHOICE_KINDS}
