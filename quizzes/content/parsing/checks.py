"""What every article reader checks (pure; no Django): key-fact lines read strictly or as near
misses, and the warnings an instructor should see before importing (numbering gaps and repeats,
empty sections, ragged tables, empty header cells).

A warning never stops an import: the content still lands where the instructor expects it. What
would lose or misplace content raises ArticleFormatError instead (one line), so nothing is
written (quizzes.content.parsing.tree).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from quizzes.content.parsing.tree import ArticleFormatError, ParsedArticle, Table

KEY_FACT_RE = re.compile(r"^key\s+fact\s*#?\s*(\d+)\s*[:.\u2013\u2014-]\s*(\S.*)$", re.IGNORECASE)
# "Key Fact #3 Diagnosis", "Key-Fact 3 - Diagnosis", "Key Facts #3: ...": a key fact written
# slightly off the format. Read as a key fact (with a warning), because reading it as a
# sub-heading would put the whole key fact inside the previous one.
LOOSE_KEY_FACT_RE = re.compile(
    r"^key[\s_-]*facts?\s*(?:#|no\.?|number)?\s*(\d+)\b\s*[:.\u2013\u2014-]?\s*(\S.*)?$",
    re.IGNORECASE,
)
# "Key Fact: Diagnosis": no number, so there is no telling which key fact it is meant to be.
UNNUMBERED_KEY_FACT_RE = re.compile(r"^key[\s_-]*fact\s*[:#.\u2013\u2014-]", re.IGNORECASE)
EMPHASIS_RE = re.compile(r"^[*_]{1,3}(.*?)[*_]{1,3}$")


@dataclass(frozen=True)
class KeyFactLine:
    number: int
    title: str
    near_miss: bool = False


def unemphasised(text: str) -> str:
    """ "**Key Fact #1: Title**" → "Key Fact #1: Title" (a bold line in Markdown or Word)."""
    text = text.strip()
    match = EMPHASIS_RE.match(text)
    return match.group(1).strip() if match else text


def key_fact_line(text: str) -> KeyFactLine | None:
    """The key fact a line (or heading) starts, strictly or as a near miss; None for other lines."""
    text = unemphasised(text)
    strict = KEY_FACT_RE.match(text)
    if strict:
        return KeyFactLine(number=int(strict.group(1)), title=strict.group(2).strip())
    loose = LOOSE_KEY_FACT_RE.match(text)
    if loose and loose.group(2) and loose.group(2).strip(" :.-"):
        title = loose.group(2).strip().lstrip(":.\u2013\u2014- ").strip()
        return KeyFactLine(number=int(loose.group(1)), title=title, near_miss=True)
    return None


def near_miss_warning(line: str, key_fact: KeyFactLine, *, where: str) -> str:
    return (
        f"{where}: “{unemphasised(line)}” is not quite a key-fact line; it was read as "
        f"“Key Fact #{key_fact.number}: {key_fact.title}” (write it that way to silence this)"
    )


def refuse_unreadable_key_fact(line: str, *, where: str) -> None:
    """Stop on a line that starts like a key fact but cannot be read as one: its text would end
    up inside the previous key fact."""
    text = unemphasised(line)
    if key_fact_line(text) is not None:
        return
    loose = LOOSE_KEY_FACT_RE.match(text)
    if loose:
        raise ArticleFormatError(
            f"{where}: “{text}” starts key fact {loose.group(1)} but has no title; "
            f"write “Key Fact #{loose.group(1)}: Title”"
        )
    if UNNUMBERED_KEY_FACT_RE.match(text):
        raise ArticleFormatError(
            f"{where}: “{text}” looks like a key fact but has no number; write “Key Fact #N: Title”"
        )


def numbering_warnings(numbers: list[int]) -> list[str]:
    """Gaps, repeats and numbers out of order among the key facts, in words."""
    warnings = []
    repeated = sorted({number for number in numbers if numbers.count(number) > 1})
    for number in repeated:
        warnings.append(f"Key Fact #{number} appears {numbers.count(number)} times")
    distinct = sorted(set(numbers))
    if distinct:
        missing = [n for n in range(1, distinct[-1] + 1) if n not in distinct]
        if missing:
            listed = ", ".join(f"#{n}" for n in missing)
            warnings.append(f"key fact numbering has a gap: {listed} missing")
    if numbers != sorted(numbers):
        warnings.append("key facts are not in number order: " + ", ".join(map(str, numbers)))
    return warnings


def table_warnings(table: Table, *, where: str) -> list[str]:
    warnings = []
    width = len(table.header)
    empty_headers = [index + 1 for index, cell in enumerate(table.header) if not cell.strip()]
    if empty_headers:
        columns = ", ".join(map(str, empty_headers))
        warnings.append(
            f"{where}: the table's header is empty in column {columns}; that column gives no cards"
        )
    ragged = [number for number, count in enumerate(table.cell_counts, start=1) if count != width]
    if ragged:
        rows = ", ".join(map(str, ragged[:5]))
        warnings.append(
            f"{where}: table rows do not all have {width} cells (row {rows}, counting the header); "
            "missing cells were left empty"
        )
    return warnings


def article_warnings(article: ParsedArticle) -> list[str]:
    """The warnings every format shares, in reading order; an article without any lesson text
    (only headings, a FAQ or references) is an ArticleFormatError."""
    if not any(topic.lessons for topic in article.topics):
        raise ArticleFormatError("has no lesson text under its headings")
    warnings = numbering_warnings([t.number for t in article.topics if t.number is not None])
    for topic in article.topics:
        if not topic.lessons:
            warnings.append(f"section “{topic.title}” has no text")
        for lesson in topic.lessons:
            where = f"“{topic.title}”" if lesson.is_intro else f"“{topic.title} › {lesson.title}”"
            if not lesson.blocks:
                warnings.append(f"section {where} has no text")
            for block in lesson.blocks:
                if isinstance(block, Table):
                    warnings += table_warnings(block, where=where)
    return warnings
