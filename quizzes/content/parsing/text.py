"""Article text → a tree of topics and lessons (pure; no Django).

The format, as exported from the patient-education pages the product is built from:

- An optional byline ("Last Updated on ... by ...") as the first line; it is not lesson text.
- A line "Key Fact #N: Title" starts key fact N (a topic of kind ``key_fact``). A line slightly
  off that form ("Key Fact #3 Diagnosis") is read as a key fact with a warning; one without a
  number or title stops the import (its text would land in the previous key fact).
- Without any key-fact line the article is read in *section mode*: each top-level heading starts
  a topic of kind ``section``, its sub-headings lessons.
- A top-level heading is a heading line followed by an empty line. Top-level headings before the
  first key fact start overview topics; after the last key fact they start closing topics. As
  exports do not always keep that empty line, a heading after the last key fact that names a
  closing section (conclusion, summary, outlook, future, research, next steps ...) also starts a
  closing topic.
- Any other heading line is a sub-heading: it starts a lesson in the current topic. A heading line
  is a short line (at most 12 words, 100 characters) that does not end in ``. , ; : !`` or a
  quotation mark, so a line ending in ":" is a paragraph (the lead-in to a list or table).
- Text before a topic's first sub-heading is the topic's introduction lesson (key
  ``introduction``, titled like the topic). Text before the first top-level heading becomes an
  overview topic "Introduction".
- Lesson text: one paragraph per line; "- " (or "* ", "• ") bullets; pipe tables whose first row
  is the header (a Markdown separator row is tolerated and skipped); quotation lines wrapped in
  curly or straight double quotes.
- A line "FAQ" (or "FAQs", "Frequently Asked Questions") starts the FAQ: a line ending in "?" is
  a question, the lines after it its answer. A line "References" / "Sources" / "Bibliography"
  (optionally with ":") starts the references list.

The article's title comes from the file name ("bone-metastases.txt" → "Bone Metastases"), because
the first heading of an export is a section heading, not the page title. Keys are slugs of
headings: overview and closing topics ``<slug of heading>``, key facts ``key-fact-<slug of
title>`` (so renumbering key facts keeps their identity), lessons ``<slug of sub-heading>``;
duplicates get ``-2``, ``-3``.
"""

from __future__ import annotations

import re

from quizzes.content.parsing.checks import (
    article_warnings,
    key_fact_line,
    near_miss_warning,
    refuse_unreadable_key_fact,
)
from quizzes.content.parsing.tree import (
    ArticleFormatError,
    Block,
    BulletList,
    FaqEntry,
    Paragraph,
    ParsedArticle,
    ParsedLesson,
    ParsedTopic,
    Quote,
    Table,
    normalise_text,
    slugify,
    title_from_source_name,
)

INTRO_KEY = "introduction"
PREAMBLE_TITLE = "Introduction"

FAQ_RE = re.compile(r"^(?:faqs?|frequently\s+asked\s+questions)\s*:?$", re.IGNORECASE)
REFERENCES_RE = re.compile(r"^(?:references|sources|bibliography|citations)\s*:?$", re.IGNORECASE)
BYLINE_RE = re.compile(
    r"^(?:last\s+)?(?:updated|reviewed|published|posted)\b.*\b(?:on|by)\b", re.IGNORECASE
)
# Only consulted after the last key fact, where exports lose the empty line under top headings.
CLOSING_CUE_RE = re.compile(
    r"\b(?:conclusions?|summary|summing\s+up|outlook|future|research|final\s+thoughts|closing|"
    r"next\s+steps|takeaways?|wrap[- ]up|bottom\s+line)\b",
    re.IGNORECASE,
)
BULLET_RE = re.compile(r"^\s*[-*\u2022]\s+(.*)$")
QUOTE_RE = re.compile(r'^[\u201c"](.+)[\u201d"]$')
SEPARATOR_CELL_RE = re.compile(r"^:?-{3,}:?$")
HEADING_MAX_WORDS = 12
HEADING_MAX_CHARS = 100
NOT_HEADING_ENDINGS = tuple(".,;:!\u201d\"'\u2019")


def is_heading_line(line: str) -> bool:
    text = line.strip()
    if not text or not text[0].isalnum():
        return False
    if text.endswith(NOT_HEADING_ENDINGS) or BULLET_RE.match(line) or text.startswith("|"):
        return False
    return len(text) <= HEADING_MAX_CHARS and len(text.split()) <= HEADING_MAX_WORDS


def parse_article(text: str, *, source_name: str) -> ParsedArticle:
    """Parse article text; raises ArticleFormatError (one line) for anything it cannot read."""
    try:
        return _parse_article(text, source_name=source_name)
    except ArticleFormatError:
        raise
    except Exception as error:
        # A shape the parser does not foresee must still reach the instructor as one clear line,
        # never as a traceback or a server error.
        raise ArticleFormatError(
            f"could not be read as an article ({type(error).__name__} while parsing); "
            "check its tables, lists and headings"
        ) from error


def _parse_article(text: str, *, source_name: str) -> ParsedArticle:
    lines = [line.rstrip() for line in normalise_text(text).split("\n")]
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    byline = ""
    if start < len(lines) and BYLINE_RE.match(lines[start].strip()):
        byline = lines[start].strip()
        start += 1

    key_fact_lines = [i for i, line in enumerate(lines) if key_fact_line(line.strip())]
    has_heading = any(is_heading_line(line) or FAQ_RE.match(line.strip()) for line in lines[start:])
    if not has_heading:
        raise ArticleFormatError("has no headings")
    if key_fact_lines:
        for index in range(start, len(lines)):
            refuse_unreadable_key_fact(lines[index], where=f"line {index + 1}")
    builder = _TreeBuilder()
    warnings = _walk_lines(lines, start, builder, section_mode=not key_fact_lines)

    title = title_from_source_name(source_name)
    article = ParsedArticle(
        title=title,
        slug=slugify(title) or "article",
        byline=byline,
        topics=builder.finish(),
        faq=builder.finish_faq(),
        references=builder.references,
    )
    article.warnings = warnings + builder.warnings + article_warnings(article)
    return article


def _walk_lines(
    lines: list[str], start: int, builder: _TreeBuilder, *, section_mode: bool
) -> list[str]:
    """Feed every line to the builder as topic, lesson, FAQ or reference text; returns warnings."""
    key_fact_lines = [i for i, line in enumerate(lines) if key_fact_line(line.strip())]
    # Section mode (no key facts): every top-level heading is a section; no closing cues.
    last_key_fact = key_fact_lines[-1] if key_fact_lines else len(lines)
    warnings: list[str] = []
    mode = "content"
    for index in range(start, len(lines)):
        line = lines[index]
        text_line = line.strip()
        next_is_blank = index + 1 >= len(lines) or not lines[index + 1].strip()
        key_fact = key_fact_line(text_line)
        if key_fact:
            mode = "content"
            if key_fact.near_miss:
                warnings.append(near_miss_warning(text_line, key_fact, where=f"line {index + 1}"))
            builder.start_topic("key_fact", key_fact.title, number=key_fact.number)
        elif FAQ_RE.match(text_line):
            mode = "faq"
        elif REFERENCES_RE.match(text_line):
            mode = "references"
        elif mode == "faq" and not _ends_faq(line, next_is_blank, builder.faq_ready):
            builder.add_faq_line(line)
        elif mode == "references":
            if text_line:
                builder.references.append(_reference_text(text_line))
        elif is_heading_line(line) and (
            next_is_blank or (index > last_key_fact and CLOSING_CUE_RE.search(text_line))
        ):
            mode = "content"
            builder.start_topic(_topic_kind(section_mode, index > last_key_fact), text_line)
        elif is_heading_line(line):
            builder.start_lesson(text_line)
        else:
            builder.add_line(line)
    return warnings


def _topic_kind(section_mode: bool, after_last_key_fact: bool) -> str:
    if section_mode:
        return "section"
    return "closing" if after_last_key_fact else "overview"


def _ends_faq(line: str, next_is_blank: bool, faq_ready: bool) -> bool:
    """A top-level heading (not a question) after an answered question closes the FAQ."""
    text = line.strip()
    return is_heading_line(line) and not text.endswith("?") and next_is_blank and faq_ready


def _reference_text(line: str) -> str:
    bullet = BULLET_RE.match(line)
    if bullet:
        return bullet.group(1).strip()
    return re.sub(r"^\d+[.)]\s+", "", line).strip()


class _TreeBuilder:
    """Collects raw lines per topic and lesson while the parser walks the file."""

    def __init__(self) -> None:
        self.topics: list[ParsedTopic] = []
        self._lesson_lines: list[tuple[ParsedTopic, str, bool, list[str]]] = []
        self.references: list[str] = []
        self._faq: list[tuple[str, list[str]]] = []
        self.warnings: list[str] = []

    # --- topics and lessons -------------------------------------------------------------
    def start_topic(self, kind: str, title: str, *, number: int | None = None) -> None:
        base = f"key-fact-{slugify(title)}" if kind == "key_fact" else slugify(title)
        key = _unique(base or kind, {topic.key for topic in self.topics})
        topic = ParsedTopic(key=key, kind=kind, title=title, number=number)
        self.topics.append(topic)
        self._lesson_lines.append((topic, title, True, []))

    def start_lesson(self, title: str) -> None:
        topic = self._current_topic()
        self._lesson_lines.append((topic, title, False, []))

    def add_line(self, line: str) -> None:
        if not self._lesson_lines:
            self._current_topic()
        self._lesson_lines[-1][3].append(line)

    def _current_topic(self) -> ParsedTopic:
        if not self.topics:
            topic = ParsedTopic(key=INTRO_KEY, kind="overview", title=PREAMBLE_TITLE, number=None)
            self.topics.append(topic)
            self._lesson_lines.append((topic, PREAMBLE_TITLE, True, []))
        return self.topics[-1]

    def finish(self) -> list[ParsedTopic]:
        used: dict[str, set[str]] = {}
        for topic, title, is_intro, raw_lines in self._lesson_lines:
            source = "\n".join(raw_lines).strip("\n")
            if is_intro and not source.strip():
                continue
            taken = used.setdefault(topic.key, set())
            key = (
                INTRO_KEY if is_intro else _unique(slugify(title) or "lesson", taken | {INTRO_KEY})
            )
            taken.add(key)
            topic.lessons.append(
                ParsedLesson(
                    key=key,
                    title=title,
                    blocks=parse_blocks(raw_lines),
                    source=source,
                    is_intro=is_intro,
                )
            )
        return self.topics

    # --- FAQ ---------------------------------------------------------------------------
    @property
    def faq_ready(self) -> bool:
        """True once the last question has an answer, so a top-level heading may end the FAQ."""
        return not self._faq or bool(self._faq[-1][1])

    def add_faq_line(self, line: str) -> None:
        text = line.strip()
        if text.endswith("?") and not BULLET_RE.match(line):
            self._faq.append((line, []))
        elif self._faq:
            self._faq[-1][1].append(line)

    def finish_faq(self) -> list[FaqEntry]:
        entries = []
        for question_line, answer_lines in self._faq:
            answer_source = "\n".join(answer_lines).strip("\n")
            answer = "\n\n".join(line.strip() for line in answer_lines if line.strip())
            if not answer:
                self.warnings.append(f"FAQ question “{question_line.strip()}” has no answer")
                continue
            entries.append(
                FaqEntry(
                    question=question_line.strip(),
                    answer=answer,
                    source=f"{question_line}\n{answer_source}".strip(),
                )
            )
        return entries


def _unique(base: str, taken: set[str]) -> str:
    key, counter = base, 2
    while key in taken:
        key = f"{base}-{counter}"
        counter += 1
    return key


def parse_blocks(lines: list[str]) -> list[Block]:
    """Group a lesson's lines into paragraphs, bullet lists, tables and quotations."""
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        text = line.strip()
        if not text:
            index += 1
        elif text.startswith("|"):
            table_lines = []
            while index < len(lines) and lines[index].strip().startswith("|"):
                table_lines.append(lines[index])
                index += 1
            table = _table(table_lines)
            if table is not None:
                blocks.append(table)
        elif BULLET_RE.match(line):
            list_lines = []
            while index < len(lines) and BULLET_RE.match(lines[index]):
                list_lines.append(lines[index])
                index += 1
            items = tuple(BULLET_RE.match(item).group(1).strip() for item in list_lines)
            blocks.append(BulletList(items=items, lines=tuple(list_lines)))
        elif QUOTE_RE.match(text):
            blocks.append(Quote(text=QUOTE_RE.match(text).group(1).strip(), line=line))
            index += 1
        else:
            blocks.append(Paragraph(text=text))
            index += 1
    return blocks


def _cells(line: str) -> list[str]:
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|"):
        text = text[:-1]
    return [cell.strip() for cell in text.split("|")]


def _table(lines: list[str]) -> Table | None:
    """The table, or None when its lines hold nothing but separator rows."""
    rows: list[list[str]] = []
    kept_lines = []
    for line in lines:
        cells = _cells(line)
        if all(SEPARATOR_CELL_RE.match(cell) for cell in cells if cell) and any(cells):
            continue
        rows.append(cells)
        kept_lines.append(line)
    if not rows:
        return None
    width = max(len(row) for row in rows)
    padded = [tuple(row + [""] * (width - len(row))) for row in rows]
    return Table(
        header=padded[0],
        rows=tuple(padded[1:]),
        header_line=kept_lines[0],
        row_lines=tuple(kept_lines[1:]),
        cell_counts=tuple(len(row) for row in rows),
    )
