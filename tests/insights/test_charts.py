"""The SVG charts (pure): drawn at their own size with 12 px labels, plurals, text alternatives."""

from __future__ import annotations

import re
from datetime import date, timedelta

from quizzes.insights import charts

TODAY = date(2026, 3, 2)


def _sizes(svg: str) -> list[float]:
    return [float(size) for size in re.findall(r'font-size="([\d.]+)"', svg)]


def test_every_chart_is_drawn_at_its_own_size_with_12px_labels():
    built = [
        charts.due_forecast([(TODAY + timedelta(days=i), i % 4) for i in range(30)]),
        charts.review_heatmap({TODAY - timedelta(days=i): i % 5 for i in range(200)}, today=TODAY),
        charts.mastery_bars([("Key fact 1: Hypercalcaemia", 0.42, True), ("Overview", 0.0, False)]),
    ]
    for svg in map(str, built):
        box = re.search(r'viewBox="0 0 (\d+) (\d+)" width="(\d+)" height="(\d+)"', svg)
        assert box and box[1] == box[3] and box[2] == box[4]  # one unit is one CSS pixel
        assert _sizes(svg) and min(_sizes(svg)) >= 12
    # The forecast and the mastery bars fit a 390 px phone; the year's heatmap scrolls.
    assert 'width="340"' in str(built[0]) and 'width="340"' in str(built[2])
    assert 'class="chart chart-scrolls"' in str(built[1])


def test_counts_are_pluralised():
    heatmap = str(charts.review_heatmap({TODAY: 21}, today=TODAY))
    assert "21 reviews on 1 day since" in heatmap and "1 days" not in heatmap
    assert f"{TODAY:%a %d %b %Y}: 21 reviews" in heatmap
    one = str(charts.review_heatmap({TODAY: 1, TODAY - timedelta(days=1): 1}, today=TODAY))
    assert "2 reviews on 2 days" in one and ": 1 review<" in one
    forecast = str(charts.due_forecast([(TODAY, 1)]))
    assert "1 card review due over the next 1 day; 1 due today" in forecast
    assert "busiest day: 1 card" in forecast


def test_mastery_bars_say_what_mastery_is_and_mark_weak_topics():
    html = str(
        charts.mastery_bars(
            [("Key fact 1: Hypercalcaemia", 0.42, True), ("Key fact 2", 0.0, False)]
        )
    )
    assert "predicted to recall in 30 days" in html
    assert "1 of 2 topics started" in html and "weakest: Key fact 1: Hypercalcaemia" in html
    assert f'fill="{charts.WEAK}"' in html and ">42%</text>" in html and ">0%</text>" in html
