"""Hand the cards whose item statistics look wrong to content's reports queue.

Insights computes (selectors.flags), content stores (services.reports.cards_flag): the one place
insights causes a write outside its cache, and it goes through content's own service."""

from __future__ import annotations

from datetime import datetime

from quizzes.content.models import ReportReason
from quizzes.content.services.reports import CardFlag, cards_flag
from quizzes.insights.selectors.flags import statistics_flags


def flag_statistics(*, now: datetime) -> tuple[int, int]:
    """Flag every published card whose figures look wrong; returns (flagged, of them new)."""
    flags = statistics_flags()
    result = cards_flag(
        flags=[CardFlag(card_id=flag.card_id, detail=flag.detail) for flag in flags],
        reason=ReportReason.STATISTICS,
        now=now,
    )
    return len(flags), len(result.raised)
