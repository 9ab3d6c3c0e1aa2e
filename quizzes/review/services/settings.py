"""Writing the learner's settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from quizzes.review.models import LearnerSettings

SETTINGS_FIELDS = (
    "desired_retention",
    "critical_retention",
    "new_cards_per_day",
    "max_reviews_per_day",
    "time_zone",
    "day_start_hour",
)


def settings_save(*, user: Any, values: dict[str, Any]) -> LearnerSettings:
    """Store the learner's chosen settings, creating their row on first save; safe when two first
    saves race (update_or_create retries the lookup after a failed insert)."""
    learner_settings, _ = LearnerSettings.objects.update_or_create(
        user=user, defaults={name: values[name] for name in SETTINGS_FIELDS if name in values}
    )
    return learner_settings


def parameters_save(*, user_id: int, parameters: Sequence[float] | None) -> LearnerSettings:
    """Schedule the learner with fitted FSRS parameters from their next answer (None: defaults)."""
    learner_settings, _ = LearnerSettings.objects.update_or_create(
        user_id=user_id,
        defaults={"fsrs_parameters": list(parameters) if parameters is not None else None},
    )
    return learner_settings
