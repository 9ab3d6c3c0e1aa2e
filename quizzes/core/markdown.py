"""The one Markdown renderer: authored Markdown → sanitised HTML. Every template goes through it."""

from __future__ import annotations

from functools import lru_cache

import markdown as markdown_lib
import nh3
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
# No event handlers, no style, no hx-*: authored content cannot run code or drive htmx.
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align", "scope"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> SafeString:
    """Render authored Markdown to HTML that is safe to put in a learner's page."""
    return mark_safe(_sanitised_html(text or ""))  # noqa: S308 - nh3 has sanitised it


# Python-Markdown costs about a millisecond per field and the review screen renders several
# fields per card; the same card text is rendered again and again, so each worker keeps the
# results. The key is the text itself, so an edited card can never be served stale.
@lru_cache(maxsize=4096)
def _sanitised_html(text: str) -> str:
    try:
        html = markdown_lib.markdown(
            text, extensions=["tables", "sane_lists"], output_format="html"
        )
    except RecursionError:
        # Python-Markdown recurses once per nesting level (lists ~1,000 deep); such text is shown
        # as it was typed rather than failing the page.
        html = linebreaks(escape(text))
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return cleaned
