"""Charts as inline SVG, built on the server: no chart library, no CDN, nothing to load.

Each builder is pure (numbers in, markup out) and returns a <figure> holding an SVG with <title> and
<desc> (read by screen readers through aria-labelledby) and the same numbers as a table in
<details>, so the figure is never the only way to read them.

Readable on a phone: an SVG is drawn at its own size (width and height in CSS pixels) and never
shrunk, so its 12-unit text is 12 px on screen; the forecast and the mastery bars are 340 wide,
which fits a 390 px phone, and the year's heatmap scrolls sideways inside its figure (opening on
the latest weeks). Wider screens may draw them larger, never smaller.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.template.defaultfilters import pluralize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

BAR = "#2f6fb3"
EMPTY = "#e6e9ee"
WEAK = "#b86e00"
# Heatmap shades from no reviews to the busiest quarter.
SHADES = ("#eef1f5", "#c6dbef", "#8bb7dc", "#4a8bc7", "#1f5a96")
TEXT = 12  # font size of every label, in CSS pixels at the drawn size


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"


def _figure(
    *,
    chart_id: str,
    title: str,
    description: str,
    svg_body: SafeString,
    size: tuple[int, int],
    table: SafeString,
    caption: str,
    scrolls: bool = False,
) -> SafeString:
    width, height = size
    return format_html(
        '<figure class="chart{kind}" id="{id}"><div class="chart-drawing">'
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'role="img" aria-labelledby="{id}-title {id}-desc" preserveAspectRatio="xMinYMin meet">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>'
        "</div><figcaption><strong>{title}.</strong> {caption}</figcaption>"
        "<details><summary>{title} as a table</summary>{table}</details></figure>",
        kind=" chart-scrolls" if scrolls else "",
        id=chart_id,
        w=width,
        h=height,
        title=title,
        desc=description,
        body=svg_body,
        caption=caption,
        table=table,
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{pluralize(n)}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> SafeString:
    head = format_html_join("", '<th scope="col">{}</th>', ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        (
            (
                format_html(
                    '<th scope="row">{}</th>{}',
                    row[0],
                    format_html_join("", "<td>{}</td>", ((cell,) for cell in row[1:])),
                ),
            )
            for row in rows
        ),
    )
    return format_html(
        '<div class="table-scroll"><table class="data"><thead><tr>{}</tr></thead>'
        "<tbody>{}</tbody></table></div>",
        head,
        body,
    )


def due_forecast(
    forecast: Sequence[tuple[date, int]], *, chart_id: str = "due-forecast"
) -> SafeString:
    """Bars of cards due on each coming day (overdue cards count today)."""
    width, height, top, bottom = 340, 170, 18, 30
    days = len(forecast) or 1
    slot = width / days
    peak = max((n for _, n in forecast), default=0)
    scale = (height - top - bottom) / peak if peak else 0
    bars = []
    for index, (day, n) in enumerate(forecast):
        bar_height = n * scale
        bars.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
                f"{index * slot + 0.5:.1f}",
                f"{height - bottom - bar_height:.1f}",
                f"{max(slot - 1.5, 1):.1f}",
                f"{max(bar_height, 0.5):.1f}",
                BAR if n else EMPTY,
                f"{day:%a %d %b}: {_plural(n, 'card')} due",
            )
        )
    axis = format_html(
        '<line x1="0" y1="{y}" x2="{w}" y2="{y}" stroke="#8a94a3"/>'
        '<text x="0" y="{t}" font-size="{f}" fill="#434b57">{first}</text>'
        '<text x="{w}" y="{t}" font-size="{f}" fill="#434b57" text-anchor="end">{last}</text>'
        '<text x="0" y="{f}" font-size="{f}" fill="#434b57">{peak}</text>',
        y=height - bottom,
        w=width,
        t=height - 10,
        f=TEXT,
        first=f"{forecast[0][0]:%d %b}" if forecast else "",
        last=f"{forecast[-1][0]:%d %b}" if forecast else "",
        peak=f"busiest day: {_plural(peak, 'card')}",
    )
    total = sum(n for _, n in forecast)
    today = forecast[0][1] if forecast else 0
    description = (
        f"{_plural(total, 'card review')} due over the next {_plural(len(forecast), 'day')}; "
        f"{today} due today"
        + (
            f"; busiest day {max(forecast, key=lambda p: p[1])[0]:%a %d %b} with {peak}."
            if peak
            else "."
        )
    )
    return _figure(
        chart_id=chart_id,
        title="Reviews due in the next 30 days",
        description=description,
        svg_body=mark_safe("".join(bars)) + axis,
        size=(width, height),
        table=_table(("Day", "Cards due"), [(f"{d:%a %d %b}", n) for d, n in forecast]),
        caption=description,
    )


# A heatmap square and a month label. Every value put in them is a number, one of SHADES or a
# date formatted by the code below, never text from a user, so they are filled with str.format
# instead of format_html: a year is 371 squares, and escaping each value cost most of the chart's
# time (5 ms of the progress page).
_HEATMAP_SQUARE = (
    '<rect x="{x}" y="{y}" width="{c}" height="{c}" rx="2" fill="{fill}">'
    "<title>{day:%a %d %b %Y}: {n} review{s}</title></rect>"
)
_HEATMAP_MONTH = '<text x="{x}" y="{y}" font-size="{size}" fill="#434b57">{day:%b}</text>'


def _heatmap_cells(
    counts: dict[date, int], *, first: date, today: date, shade: Any
) -> tuple[list[str], list[str]]:
    """The heatmap's day squares (with their titles) and its month labels."""
    cell, gap, left, top = HEATMAP_GEOMETRY
    squares, months = [], []
    day = first
    while day <= today:
        x = left + (day - first).days // 7 * (cell + gap)
        n = int(counts.get(day, 0))
        fill = shade(n)
        squares.append(
            _HEATMAP_SQUARE.format(
                x=x,
                y=top + day.weekday() * (cell + gap),
                c=cell,
                fill=fill,
                day=day,
                n=n,
                s=pluralize(n),
            )
        )
        if day.day == 1:
            months.append(_HEATMAP_MONTH.format(x=x, y=TEXT, size=TEXT, day=day))
        day += timedelta(days=1)
    return squares, months


# A heatmap square's size and gap, and the margins left for the weekday and month labels.
HEATMAP_GEOMETRY = (11, 2, 32, 18)


def review_heatmap(
    counts: dict[date, int], *, today: date, weeks: int = 53, chart_id: str = "review-heatmap"
) -> SafeString:
    """A calendar of the last year's reviews: a square per day, a column per week, Monday on top."""
    cell, gap, left, top = HEATMAP_GEOMETRY
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    peak = max(counts.values(), default=0)

    def shade(n: int) -> str:
        if n <= 0 or not peak:
            return SHADES[0]
        return SHADES[min(4, 1 + int(4 * (n - 1) / peak))]

    squares, months = _heatmap_cells(counts, first=first, today=today, shade=shade)
    weekdays = format_html_join(
        "",
        '<text x="0" y="{}" font-size="{}" fill="#434b57">{}</text>',
        (
            (top + row * (cell + gap) + cell - 1, TEXT, name)
            for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri"))
        ),
    )
    in_range = {d: n for d, n in counts.items() if first <= d <= today and n > 0}
    total = sum(in_range.values())
    busiest = max(in_range.items(), key=lambda item: item[1]) if in_range else None
    description = (
        f"{_plural(total, 'review')} on {_plural(len(in_range), 'day')} since {first:%d %b %Y}"
    ) + (f"; busiest day {busiest[0]:%d %b %Y} with {busiest[1]}." if busiest else ".")
    by_month: dict[str, list[int]] = {}
    for d, n in sorted(in_range.items()):
        by_month.setdefault(f"{d:%b %Y}", []).append(n)
    width = left + weeks * (cell + gap)
    height = top + 7 * (cell + gap)
    return _figure(
        chart_id=chart_id,
        title="Reviews in the last year",
        description=description,
        svg_body=mark_safe("".join(squares) + "".join(months)) + weekdays,
        size=(width, height),
        scrolls=True,
        table=_table(
            ("Month", "Days with reviews", "Reviews"),
            [(month, len(ns), sum(ns)) for month, ns in by_month.items()],
        ),
        caption=description,
    )


def mastery_bars(
    rows: Sequence[tuple[str, float | None, bool]], *, chart_id: str = "mastery-bars"
) -> SafeString:
    """A bar of mastery per topic under its name; rows are (topic, mastery or None, weak)."""
    width, bar_width, row_height = 340, 280, 40
    parts = []
    for index, (label, value, weak) in enumerate(rows):
        y = index * row_height
        short = label if len(label) <= 48 else label[:47] + "…"
        filled = bar_width * (value or 0)
        parts.append(
            format_html(
                "<g><title>{}: {}</title>"
                '<text x="0" y="{}" font-size="{f}" fill="#1f2430">{}</text>'
                '<rect x="0" y="{}" width="{}" height="12" rx="3" fill="{}"/>'
                '<rect x="0" y="{}" width="{}" height="12" rx="3" fill="{}"/>'
                '<text x="{}" y="{}" font-size="{f}" fill="#1f2430">{}</text></g>',
                label,
                _percent(value) if value is not None else "no cards",
                y + 13,
                short,
                y + 19,
                bar_width,
                EMPTY,
                y + 19,
                f"{filled:.1f}",
                WEAK if weak else BAR,
                bar_width + 8,
                y + 30,
                _percent(value),
                f=TEXT,
            )
        )
    started = [value for _, value, _ in rows if value]
    weak = [label for label, value, is_weak in rows if is_weak]
    description = (
        f"Share of each topic's cards you are predicted to recall in 30 days; "
        f"{len(started)} of {_plural(len(rows), 'topic')} started"
        + (f"; weakest: {', '.join(weak[:3])}." if weak else ".")
    )
    return _figure(
        chart_id=chart_id,
        title="Mastery per topic",
        description=description,
        svg_body=mark_safe("".join(parts)),
        size=(width, max(1, len(rows)) * row_height + 4),
        table=_table(
            ("Topic", "Mastery", "Weak"),
            [(label, _percent(value), "yes" if is_weak else "") for label, value, is_weak in rows],
        ),
        caption=description,
    )
