"""Table rows → cards: one per row and answer column, asked so the stem names the row and the
column (pure; no Django).

A row whose first cell is empty continues the row above (a merged cell in Word, a wrapped line in
a web page): it is merged into that row, never asked on its own. Free-text columns (notes,
comments) explain a row but are never asked. A table whose first column holds attributes
("Characteristics | Primary | Secondary") is asked the other way round: "What is the origin of
primary bone cancer?".
"""

from __future__ import annotations

import re

from quizzes.content.cardgen.draft import (
    BASIC,
    MAX_CHOICE_LENGTH,
    MAX_DISTRACTORS,
    MCQ,
    CardDraft,
    card_key,
    checked,
    option_problems,
    stable_order,
)
from quizzes.content.cardgen.wording import phrase, standalone
from quizzes.content.itemcheck.options import option_form
from quizzes.content.parsing.tree import ParsedLesson, ParsedTopic, Table, table_to_markdown

NOTES_HEADER_RE = re.compile(
    r"^(?:notes?|comments?|remarks?|details|explanation|additional (?:notes|information|info)|"
    r"other information|see also)$",
    re.IGNORECASE,
)
ATTRIBUTE_HEADER_RE = re.compile(
    r"^(?:|characteristics?|features?|aspects?|attributes?|propert(?:y|ies)|parameters?|"
    r"criteria|comparison|factors?)$",
    re.IGNORECASE,
)
DESCRIPTION_HEADER_RE = re.compile(
    r"^(?:description|definition|meaning|explanation|what it is|summary)$", re.IGNORECASE
)
QUESTION_WORD_RE = re.compile(r"^(?:what|which|how|when|why|who|where)\b", re.IGNORECASE)
# "What it suggests" → "What does <row> suggest?"
WHAT_IT_DOES_RE = re.compile(r"^what (?:it|they) (\w+?)s?$", re.IGNORECASE)
PARTICIPLE_RE = re.compile(r"^[A-Za-z]{2,}(?<!e)(?:en|ed)$")
# Option problems that a basic card (no options) cannot have: the table falls back to one.
OPTION_CODES = {
    "mixed-option-forms",
    "length-cue",
    "word-repeat-cue",
    "duplicate-option",
    "near-duplicate-option",
    "absolute-cue",
    "catch-all-option",
}


def merged_rows(table: Table) -> list[tuple[tuple[str, ...], str]]:
    """(row, source lines) with continuation rows merged into the row above."""
    rows: list[tuple[list[str], list[str]]] = []
    for row, line in zip(table.rows, table.row_lines, strict=True):
        if not any(cell.strip() for cell in row):
            continue
        if not row[0].strip() and rows:
            cells, lines = rows[-1]
            for column, cell in enumerate(row):
                if cell.strip():
                    cells[column] = f"{cells[column]}; {cell.strip()}" if cells[column] else cell
            lines.append(line.strip())
            continue
        rows.append(([cell.strip() for cell in row], [line.strip()]))
    return [(tuple(cells), "\n".join(lines)) for cells, lines in rows]


def question(table: Table, label: str, column: int, lesson: ParsedLesson) -> str:
    header = table.header[column].strip()
    label_header = table.header[0].strip()
    if DESCRIPTION_HEADER_RE.match(header) and len(table.header) == 2:
        return f"Describe **{label.rstrip('.:')}** ({phrase(lesson.title)})."
    if ATTRIBUTE_HEADER_RE.match(label_header):
        return f"What is the {phrase(label.rstrip('.:'))} of {phrase(header)}?"
    subject = phrase(label.rstrip(".:"))
    if re.search(r"\d", label) and label_header:
        subject = f"a {phrase(label_header)} of {subject}"
    what_it = WHAT_IT_DOES_RE.match(header)
    if what_it:
        return f"What does {subject} {what_it.group(1)}?"
    if QUESTION_WORD_RE.match(header):
        return f"{header.rstrip('?')} ({phrase(label_header) or 'for'}: {subject})?"
    if PARTICIPLE_RE.match(header):
        return f"How is {subject} {header.lower()}?"
    head_noun = re.split(r"\s+(?:of|in|for|to|by)\s+", header, maxsplit=1)[0].split()[-1]
    verb = "are" if re.search(r"[a-z]{3,}(?<!s)(?<!u)(?<!i)s$", head_noun.lower()) else "is"
    return f"What {verb} the {phrase(header)} for {subject}?"


def table_cards(
    slug: str,
    topic: ParsedTopic,
    lesson: ParsedLesson,
    table: Table,
    *,
    context: tuple[set[str], str] = (set(), ""),
) -> list[CardDraft]:
    """Cards for every row and answer column; `context` is (subject words, article title), put
    in front of a stem that does not name the subject itself."""
    drafts = []
    rows = merged_rows(table)
    for row, row_source in rows:
        label = row[0].strip()
        if not label:
            continue
        explanation = table_to_markdown(table.header, (row,))
        for column in range(1, len(table.header)):
            header, answer = table.header[column].strip(), row[column].strip()
            if not header or not answer or NOTES_HEADER_RE.match(header):
                continue
            key = card_key(slug, "row", " | ".join(table.header), label, header)
            draft = CardDraft(
                key=key,
                topic_key=topic.key,
                lesson_key=lesson.key,
                kind=BASIC,
                front=standalone(question(table, label, column, lesson), *context),
                back=answer,
                explanation=explanation,
                source_excerpt=row_source,
                tags=("generated", "table", _tag(table.header[0])),
            )
            others = [other[column] for other, _ in rows]
            drafts.append(checked(_as_choice(draft, others), urgent_text=row_source))
    return drafts


def _as_choice(draft: CardDraft, others: list[str]) -> CardDraft:
    """A single-best-answer card when the column offers enough good distractors, else basic."""
    if not draft.front.endswith("?"):
        return draft  # "Describe …" asks for the description, not a pick among others
    distractors = _distinct_others(draft.back, others)
    form = option_form(draft.back)
    distractors.sort(key=lambda text: (option_form(text) != form, abs(len(text) - len(draft.back))))
    picked = distractors[:MAX_DISTRACTORS]
    if len(picked) < 2 or any(len(text) > MAX_CHOICE_LENGTH for text in [draft.back, *picked]):
        return draft
    choices = [(draft.back, True)] + [(text, False) for text in picked]
    mcq = CardDraft(**{**draft.__dict__, "kind": MCQ, "choices": stable_order(choices, draft.key)})
    if OPTION_CODES & set(option_problems(mcq)):
        return draft
    return mcq


def _distinct_others(answer: str, values: list[str]) -> list[str]:
    seen = {answer.strip().casefold()}
    others = []
    for value in values:
        text = value.strip()
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            others.append(text)
    return others


def _tag(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "table"
