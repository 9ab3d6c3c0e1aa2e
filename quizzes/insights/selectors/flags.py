"""Cards whose item statistics look wrong, for the content team's reports queue.

Insights owns the figures (quizzes.insights.selectors.items); content owns the queue. This module
reads the figures and says which cards need a second look; the `flag_cards` command and the
Reports admin's "Check item statistics now" hand them to content's service (cards_flag), so
content never imports insights.

A card is flagged only after enough answers, since a handful of answers says little:
- quiz items (Moodle's item analysis, first attempts only): discrimination below 0.1 (strong and
  weak learners do about as well: the key may be wrong or the item cued), facility above 0.95
  (nearly everyone is right: too easy or a give-away) or below 0.2 (nearly everyone is wrong: a
  wrong key or a misleading stem);
- daily reviews: a lapse rate far above the rest of its topic (at least twice theirs and 15 points
  more), where a card that is forgotten much more often than its neighbours is usually unclear,
  two facts in one, or wrong.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from quizzes.insights import statistics
from quizzes.insights.selectors.items import CardRow, card_table

MIN_QUIZ_ANSWERS = 20
MIN_REVIEWS = 20
LOW_DISCRIMINATION = 0.1
HIGH_FACILITY = 0.95
LOW_FACILITY = 0.2
LAPSE_FACTOR = 2.0
LAPSE_MARGIN = 0.15


def item_warnings(
    *,
    answers: int,
    facility: float | None,
    discrimination: float | None,
    reviews: int,
    lapse_rate: float | None,
    topic_reviews: int,
    topic_lapse_rate: float | None,
) -> list[str]:
    """What looks wrong in one card's figures, in words an instructor reads; [] when nothing.

    `reviews` and `lapse_rate` count answers once the card was learned; `topic_*` are those of the
    other cards of its topic."""
    warnings = []
    if answers >= MIN_QUIZ_ANSWERS:
        if facility is not None and facility > HIGH_FACILITY:
            warnings.append(f"facility {facility:.2f} above {HIGH_FACILITY} (too easy or cued)")
        elif facility is not None and facility < LOW_FACILITY:
            warnings.append(
                f"facility {facility:.2f} below {LOW_FACILITY} (wrong key or misleading)"
            )
        if discrimination is not None and discrimination < LOW_DISCRIMINATION:
            warnings.append(
                f"discrimination {discrimination:.2f} below {LOW_DISCRIMINATION} "
                "(strong learners do no better than weak ones)"
            )
    if (
        reviews >= MIN_REVIEWS
        and topic_reviews >= MIN_REVIEWS
        and lapse_rate is not None
        and topic_lapse_rate is not None
        and lapse_rate >= LAPSE_FACTOR * topic_lapse_rate
        and lapse_rate >= topic_lapse_rate + LAPSE_MARGIN
    ):
        warnings.append(
            f"lapse rate {lapse_rate:.0%} against {topic_lapse_rate:.0%} for the rest of its topic"
        )
    return warnings


@dataclass(frozen=True)
class StatisticsFlag:
    card_id: int
    detail: str


def statistics_flags() -> list[StatisticsFlag]:
    """Every published card whose figures look wrong, with the figures (the card table's fixed
    number of queries, whatever the number of cards)."""
    rows = card_table(group=None)
    by_topic: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        totals = by_topic[row.card.topic_id]
        totals[0] += row.lapses
        totals[1] += row.review_stage_reviews
    return [flag for row in rows if (flag := _flag(row, by_topic[row.card.topic_id]))]


def _flag(row: CardRow, topic_totals: list[int]) -> StatisticsFlag | None:
    rest_lapses = topic_totals[0] - row.lapses
    rest_reviews = topic_totals[1] - row.review_stage_reviews
    warnings = item_warnings(
        answers=row.answers,
        facility=row.facility,
        discrimination=row.discrimination,
        reviews=row.review_stage_reviews,
        lapse_rate=row.lapse_rate,
        topic_reviews=rest_reviews,
        topic_lapse_rate=statistics.ratio(rest_lapses, rest_reviews),
    )
    if not warnings:
        return None
    counts = f"{row.answers} quiz answers, {row.review_stage_reviews} reviews once learned"
    return StatisticsFlag(card_id=row.card.pk, detail=f"{'; '.join(warnings)} ({counts}).")
