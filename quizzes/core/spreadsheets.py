"""CSV for spreadsheets: one escaping rule and one writer for every file BoneLearn writes (the
instructor dashboard's tables, the training completion report, the set-password links)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence

from django.http import StreamingHttpResponse

# Excel, LibreOffice and Google Sheets run a cell that starts with one of these as a formula
# (OWASP's CSV injection list); authored text and uploaded names must never run.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value as a cell a spreadsheet shows and never runs: text that starts like a formula gets a
    leading apostrophe; None is empty; numbers stay numbers (a negative number is no formula)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


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
