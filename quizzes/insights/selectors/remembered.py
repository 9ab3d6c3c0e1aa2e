"""Cohort-wide figures kept in the shared cache, like Moodle's quiz statistics.

They read every learner's memory and a month of reviews (seconds of database time with a million
reviews), so a page never waits for them while they are younger than COHORT_FIGURES_MAX_AGE:
`manage.py refresh_cohort_figures`, run every COHORT_FIGURES_SECONDS from cron, recalculates them
out of the request path, and "Recalculate now" (forget_cohort_figures) has the next page
recalculate them at once. A page calculates them itself only when none are kept (the first page
after a deployment, a new group or page of cards, or no refresher running for an hour). This cache
is the only thing the insights app writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.core.cache import cache
from django.utils import timezone

# How often the refresher recalculates the figures (its cron line says the same).
COHORT_FIGURES_SECONDS = 5 * 60
# The oldest figures a page shows: without a refresher, a page recalculates them after this long.
COHORT_FIGURES_MAX_AGE = 60 * 60
_GENERATION_KEY = "analytics:generation"

T = TypeVar("T")


def remembered(
    name: str, compute: Callable[[], T], *parts: object, refresh: bool = False
) -> tuple[T, datetime]:
    """`compute()` and when it ran: from the shared cache while younger than
    COHORT_FIGURES_MAX_AGE and not forgotten since, else computed now and kept; `refresh`
    computes and keeps it whatever is kept (the refresher)."""
    key = cache_key(name, *parts)
    found = None if refresh else cache.get(key)
    if found is None:
        found = (compute(), timezone.now())
        cache.set(key, found, COHORT_FIGURES_MAX_AGE)
    return found


def cache_key(name: str, *parts: object) -> str:
    """Where a remembered figure is kept: under the current generation, so that what is kept
    before "Recalculate now" is never read after it."""
    generation = cache.get(_GENERATION_KEY, 0)
    return ":".join(["analytics", str(generation), name, *map(str, parts)])


def forget_cohort_figures() -> None:
    """Have the next dashboard recalculate every remembered figure: later keys name a new
    generation, and the old entries expire unread."""
    cache.set(_GENERATION_KEY, time.time_ns(), timeout=None)
