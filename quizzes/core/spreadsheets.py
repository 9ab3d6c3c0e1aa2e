"""CSV for spreadsheets: one escaping rule and one writer for every file BoneLearn writes (the
instructor dashboard's tables, the training completion report, the set-password links), and the
same rule as a django-import-export format for the admin's card CSV, which reads its own exports
back."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any

import tablib
from django.http import StreamingHttpResponse
from import_export.formats.base_formats import CSV

# Excel, LibreOffice and Google Sheets run a cell that starts with one of these as a formula
# (OWASP's CSV injection list); authored text and uploaded names must never run.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _looks_like_formula(value: str) -> bool:
    # Apostrophes already in front count too, so that csv_cell_read can undo exactly one.
    return value.lstrip("'").startswith(FORMULA_STARTS)


def csv_cell(value: object) -> object:
    """A value as a cell a spreadsheet shows and never runs: text that starts like a formula gets a
    leading apostrophe; None is empty; numbers stay numbers (a negative number is no formula)."""
    if value is None:
        return ""
    if isinstance(value, str) and _looks_like_formula(value):
        return "'" + value
    return value


def csv_cell_read(value: object) -> object:
    """The value csv_cell escaped, as it was: csv_cell_read(csv_cell(text)) == text for any text."""
    if isinstance(value, str) and value.startswith("'") and _looks_like_formula(value):
        return value[1:]
    return value


class SpreadsheetCSV(CSV):
    """django-import-export's CSV format with csv_cell on every cell it writes and csv_cell_read on
    every cell it reads, so an exported file is safe to open and imports back unchanged."""

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> str:
        return super().export_data(_each_cell(dataset, csv_cell), **kwargs)

    def create_dataset(self, in_stream: Any, **kwargs: Any) -> tablib.Dataset:
        dataset = super().create_dataset(in_stream, **kwargs)
        if dataset.headers is None and len(dataset):
            # tablib reads an empty first line as "no header row"; the library's import then
            # fails on the first row with a TypeError (a 500), so the file is refused here.
            raise ValueError("The first line of the file must name the columns.")
        return _each_cell(dataset, csv_cell_read)


def _each_cell(dataset: tablib.Dataset, change: Any) -> tablib.Dataset:
    headers = [change(name) for name in dataset.headers] if dataset.headers else None
    changed = tablib.Dataset(headers=headers)
    for row in dataset:
        changed.append([change(value) for value in row])
    return changed


class _Echo:
    """A file-like object whose write() hands the CSV line back, for streaming."""

    def write(self, value: str) -> str:
        return value


def _lines(header: Sequence[str], rows: Iterable[Iterable[object]]) -> Iterable[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow([csv_cell(value) for value in header])
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def csv_text(header: Sequence[str], rows: Iterable[Iterable[object]]) -> str:
    """A whole CSV file as text (for small files handed to the browser directly)."""
    return "".join(_lines(header, rows))


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Iterable[object]]
) -> StreamingHttpResponse:
    """A CSV download streamed row by row (a large cohort never sits in memory as one string)."""
    response = StreamingHttpResponse(_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
