"""Filters for figures: a share as a percentage, a number to one decimal, a dash when undefined."""

from __future__ import annotations

from django import template

register = template.Library()

DASH = "–"


@register.filter
def percent(value: float | None) -> str:
    """0.873 → "87%"; None (nothing to compute it from) → a dash, never "0%"."""
    if value is None or value == "":
        return DASH
    return f"{round(float(value) * 100)}%"


@register.filter
def decimal1(value: float | None) -> str:
    if value is None or value == "":
        return DASH
    return f"{float(value):.1f}"


@register.filter
def decimal2(value: float | None) -> str:
    if value is None or value == "":
        return DASH
    return f"{float(value):.2f}"
