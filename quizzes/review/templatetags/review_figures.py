"""Filters for the review screen's figures."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.template.defaultfilters import pluralize

register = template.Library()


@register.filter
def spent(duration: timedelta | None) -> str:
    """Time spent studying, in words: "under a minute", "1 minute", "1 hour 5 minutes"."""
    minutes = round((duration or timedelta()).total_seconds() / 60)
    if minutes < 1:
        return "under a minute"
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} hour{pluralize(hours)}"] if hours else []
    if minutes or not hours:
        parts.append(f"{minutes} minute{pluralize(minutes)}")
    return " ".join(parts)
