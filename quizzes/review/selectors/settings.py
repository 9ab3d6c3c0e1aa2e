"""The learner's settings: one way to read them, everywhere."""

from __future__ import annotations

from typing import Any

from quizzes.review.models import LearnerSettings


def learner_settings(user: Any) -> LearnerSettings:
    """The learner's saved settings, or the defaults (unsaved) when they never saved any.

    One query the first time; the row is then cached on the user object, so a user loaded with
    select_related("learner_settings") costs nothing more.
    """
    try:
        return user.learner_settings
    except LearnerSettings.DoesNotExist:
        return LearnerSettings(user_id=user.pk)
