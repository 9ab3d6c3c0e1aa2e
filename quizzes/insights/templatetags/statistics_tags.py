"""Filters for figures (a share as a percentage, a number to one decimal, a dash when undefined)
and for compact tables (authored Markdown as plain text, short topic labels)."""

from __future__ import annotations

import html
import re

from django import template
from django.utils.html import strip_tags
from django.utils.text import Truncator

from quizzes.content.models import Topic
from quizzes.core.markdown import render_markdown
from quizzes.core.templatetags.bonelearn import percent

register = template.Library()

DASH = "–"


# One definition for every page: the review screen's summary shows it too.
register.filter("percent", percent)


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


CLOZE = re.compile(r"\{\{c\d+::(.*?)(?:::.*?)?\}\}", re.DOTALL)


@register.filter
def plain_text(markdown_text: str | None) -> str:
    """Authored Markdown as one line of plain text for a table cell: rendered by the one renderer,
    tags stripped, entities decoded (the template escapes them again), cloze gaps as [answer]."""
    if not markdown_text:
        return ""
    text = strip_tags(render_markdown(CLOZE.sub(r"[\1]", markdown_text)))
    return " ".join(html.unescape(text).split())


@register.filter
def topic_label(topic: Topic) -> str:
    """A short column heading for a topic: "KF3" for key fact 3, else its title cut short."""
    if topic.number:
        return f"KF{topic.number}"
    return Truncator(topic.title).chars(14)
