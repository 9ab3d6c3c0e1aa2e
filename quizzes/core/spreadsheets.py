"""CSV for spreadsheets: one escaping rule and one streaming response for every export BoneLearn
writes (the instructor dashboard's tables, the training completion report)."""

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


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Iterable[object]]
) -> StreamingHttpResponse:
    """A CSV download streamed row by row (a large cohort never sits in memory as one string)."""
    writer = csv.writer(_Echo())

    def lines() -> Iterable[str]:
        yield writer.writerow([csv_cell(value) for value in header])
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
