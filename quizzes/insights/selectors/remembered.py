"""Cohort-wide figures kept a few minutes in the shared cache, like Moodle's quiz statistics.

They read every learner's memory and a month of reviews (about a second with a million reviews),
so they are kept for a while, shown with the time they were calculated, and recalculated at once
on request (forget_cohort_figures). This cache is the only thing the insights app writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.core.cache import cache
from django.utils import timezone

COHORT_FIGURES_SECONDS = 5 * 60
_GENERATION_KEY = "analytics:generation"

T = TypeVar("T")


def remembered(name: str, compute: Callable[[], T], *parts: object) -> tuple[T, datetime]:
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
