"""Writing the learner's settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from quizzes.review.days import zone_or_utc
from quizzes.review.models import LearnerSettings

SETTINGS_FIELDS = (
    "desired_retention",
    "critical_retention",
    "new_cards_per_day",
    "max_reviews_per_day",
    "time_zone",
    "day_start_hour",
    "learn_ahead_minutes",
)


class UnknownTimeZone(ValueError):
    """A time zone the zone database does not know; the message is for the learner."""


def _known_zone(name: str) -> str:
    if zone_or_utc(name) != name:
        raise UnknownTimeZone(
            f"“{name}” is not a time zone BoneLearn knows; choose one from the list."
        )
    return name


def settings_save(*, user: Any, values: dict[str, Any]) -> LearnerSettings:
    """Store the learner's chosen settings, creating their row on first save; safe when two first
    saves race (update_or_create retries the lookup after a failed insert). A saved time zone is
    the learner's choice: the browser's is never asked for again. Raises UnknownTimeZone."""
    defaults = {name: values[name] for name in SETTINGS_FIELDS if name in values}
    if "time_zone" in defaults:
        _known_zone(defaults["time_zone"])
    if "time_zone" in defaults:
        defaults["time_zone_set"] = True
    learner_settings, _ = LearnerSettings.objects.update_or_create(user=user, defaults=defaults)
    return learner_settings


def time_zone_detected(*, user: Any, time_zone: str) -> bool:
    """Take the time zone the learner's browser reported, once: only while the learner has not
    chosen one (or had one detected) before. Returns whether it was taken. Two first reports at
    once both succeed and agree (the row is created by one, updated by neither twice). Raises
    UnknownTimeZone."""
    _known_zone(time_zone)
    updated = LearnerSettings.objects.filter(user=user, time_zone_set=False).update(
        time_zone=time_zone, time_zone_set=True
    )
    if updated:
        return True
    _, created = LearnerSettings.objects.get_or_create(
        user=user, defaults={"time_zone": time_zone, "time_zone_set": True}
    )
    return created


def parameters_save(*, user_id: int, parameters: Sequence[float] | None) -> LearnerSettings:
    """Schedule the learner with fitted FSRS parameters from their next answer (None: defaults)."""
    learner_settings, _ = LearnerSettings.objects.update_or_create(
        user_id=user_id,
        defaults={"fsrs_parameters": list(parameters) if parameters is not None else None},
    )
    return learner_settings
