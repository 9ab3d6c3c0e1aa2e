"""The one CSV escaping rule: no cell starts like a formula, and reading undoes writing exactly."""

from __future__ import annotations

import tablib
from hypothesis import given
from hypothesis import strategies as st

from quizzes.core.spreadsheets import (
    FORMULA_STARTS,
    SpreadsheetCSV,
    csv_cell,
    csv_cell_read,
)

# Text that often starts with apostrophes and formula characters, the cases that matter.
risky_text = st.builds(
    lambda quotes, start, rest: "'" * quotes + start + rest,
    st.integers(min_value=0, max_value=3),
    st.sampled_from(["", *FORMULA_STARTS, "a", " "]),
    st.text(max_size=20),
)
any_text = st.one_of(risky_text, st.text(max_size=30))


@given(any_text)
def test_a_written_cell_never_starts_like_a_formula(text):
    assert not str(csv_cell(text)).startswith(FORMULA_STARTS)


@given(any_text)
def test_reading_a_written_cell_gives_the_text_back(text):
    assert csv_cell_read(csv_cell(text)) == text


@given(st.lists(st.lists(any_text, min_size=3, max_size=3), max_size=5))
def test_the_import_export_format_round_trips_every_cell(rows):
    dataset = tablib.Dataset(*rows, headers=["key", "front", "=back"])
    csv_format = SpreadsheetCSV(encoding="utf-8")
    written = csv_format.export_data(dataset)
    read = csv_format.create_dataset(written.encode("utf-8"))
    assert read.headers == dataset.headers
    assert [list(row) for row in read] == [list(row) for row in dataset]


def test_numbers_stay_numbers_and_plain_text_stays_plain():
    assert csv_cell(-2) == -2
    assert csv_cell("Osteolytic") == "Osteolytic"
    assert csv_cell_read("'Osteolytic") == "'Osteolytic"  # an apostrophe nobody added stays
