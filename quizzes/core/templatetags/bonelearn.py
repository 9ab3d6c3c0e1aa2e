from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from quizzes.core.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Authored Markdown, sanitised: `{{ card.front|markdown }}`."""
    return render_markdown(text)


@register.filter
def percent(value: float | None) -> str:
    """0.873 → "87%"; None (nothing to compute it from) → a dash, never "0%"."""
    if value is None or value == "":
        return "–"
    return f"{round(float(value) * 100)}%"
