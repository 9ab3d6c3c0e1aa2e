"""An outline (headings with levels, and blocks) → the document tree (pure; no Django).

Markdown, web pages and Word files are read into an outline first (parsing.markdown,
parsing.html); this module alone decides what is a topic, a lesson, the FAQ and the references,
so every structured format follows the same rules:

- A lone level-1 heading at the top is the article's title.
- **Key-fact mode** (any "Key Fact #N: Title" heading or line): each key fact is a topic; headings
  at the level of the article's sections start overview topics (before the first key fact) or
  closing topics (after the last); deeper headings are lessons.
- **Section mode** (no key facts): the heading level that splits the article into sections (the
  shallowest level used at least twice) starts topics; the next level down starts lessons.
- Text before a topic's first lesson heading is its introduction lesson; headings deeper than the
  lesson level stay inside their lesson as bold lines.
- A heading "FAQ" / "Frequently Asked Questions" starts the FAQ (questions are headings or lines
  ending in "?"), "References" / "Sources" the references; each ends at the next heading of its
  level or above.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from quizzes.content.parsing.checks import (
    article_warnings,
    key_fact_line,
    near_miss_warning,
    refuse_unreadable_key_fact,
    unemphasised,
)
from quizzes.content.parsing.text import (
    BYLINE_RE,
    CLOSING_CUE_RE,
    FAQ_RE,
    INTRO_KEY,
    PREAMBLE_TITLE,
    REFERENCES_RE,
    _topic_kind,
    _unique,
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
    block_to_markdown,
    slugify,
    title_from_source_name,
)


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    source: str
    where: str  # "line 12", "heading 4": for messages


@dataclass(frozen=True)
class Piece:
    """A block and the text it was read from (verbatim Markdown, or the block as Markdown)."""

    block: Block
    source: str


Item = Heading | Piece


@dataclass
class _Lesson:
    title: str
    is_intro: bool
    pieces: list[Piece] = field(default_factory=list)


@dataclass
class _Topic:
    topic: ParsedTopic
    lessons: list[_Lesson] = field(default_factory=list)
    lesson_level: int | None = None


def plain_block_text(block: Block) -> str:
    if isinstance(block, Paragraph | Quote):
        return unemphasised(block.text)
    return ""


def assemble_article(items: list[Item], *, source_name: str) -> ParsedArticle:
    """The article an outline describes; ArticleFormatError (one line) when it has no structure."""
    items, title = _take_title(items)
    items, byline = _take_byline(items)
    headings = [item for item in items if isinstance(item, Heading)]
    markers = [item for item in items if _key_fact_of(item) is not None]
    if not headings and not markers:
        raise ArticleFormatError("has no headings")
    if markers:
        for item in items:
            text = item.text if isinstance(item, Heading) else plain_block_text(item.block)
            if text:
                refuse_unreadable_key_fact(text, where=_where(item))
    builder = _OutlineBuilder(items, markers, headings)
    builder.walk()
    title_text = title or title_from_source_name(source_name)
    article = ParsedArticle(
        title=title_text,
        slug=slugify(title_text) or "article",
        byline=byline,
        topics=builder.finish(),
        faq=builder.finish_faq(),
        references=builder.references,
        title_from_document=bool(title),
    )
    article.warnings = builder.warnings + article_warnings(article)
    return article


def _where(item: Item) -> str:
    if isinstance(item, Heading):
        return item.where
    return f"the line “{item.source.splitlines()[0][:60]}”" if item.source else "a line"


def _key_fact_of(item: Item):
    if isinstance(item, Heading):
        return key_fact_line(item.text)
    if isinstance(item.block, Paragraph):
        return key_fact_line(plain_block_text(item.block))
    return None


def _take_title(items: list[Item]) -> tuple[list[Item], str]:
    top = [index for index, item in enumerate(items) if isinstance(item, Heading)]
    if not top:
        return items, ""
    first = items[top[0]]
    level_one = [i for i in top if items[i].level == 1]
    if first.level == 1 and level_one == [top[0]] and key_fact_line(first.text) is None:
        return items[: top[0]] + items[top[0] + 1 :], first.text
    return items, ""


def _take_byline(items: list[Item]) -> tuple[list[Item], str]:
    for index, item in enumerate(items):
        if isinstance(item, Heading):
            break
        text = plain_block_text(item.block)
        if text and BYLINE_RE.match(text):
            return items[:index] + items[index + 1 :], text
    return items, ""


class _OutlineBuilder:
    """Walks the outline once, keeping the current topic, lesson and mode (content/FAQ/refs)."""

    def __init__(self, items: list[Item], markers: list[Item], headings: list[Heading]) -> None:
        self.items = items
        self.key_fact_mode = bool(markers)
        self.topics: list[_Topic] = []
        self.references: list[str] = []
        self.faq: list[tuple[str, list[Piece]]] = []
        self.warnings: list[str] = []
        self.section_level = self._section_level(markers, headings)
        positions = [index for index, item in enumerate(items) if any(item is m for m in markers)]
        self.last_marker = max(positions, default=-1)
        self.first_marker = min(positions, default=len(items))
        # Key facts written as plain lines whose sub-headings have the sections' level.
        self.flat = not any(isinstance(m, Heading) for m in markers) and any(
            isinstance(item, Heading)
            and item.level <= self.section_level
            and not self._starts_special(item)
            for item in items[self.first_marker : self.last_marker]
        )
        if self.flat:
            self.warnings.append(
                "the key facts are plain lines and their sub-headings have the same level as the "
                "article's sections: after the last key fact, headings were read as its lessons "
                "unless they name a closing section (Conclusion, Summary, Outlook …)"
            )

    def _section_level(self, markers: list[Item], headings: list[Heading]) -> int:
        marker_levels = [m.level for m in markers if isinstance(m, Heading)]
        if marker_levels:
            return min(marker_levels)
        levels = [
            h.level for h in headings if not (FAQ_RE.match(h.text) or REFERENCES_RE.match(h.text))
        ] or [h.level for h in headings]
        if not levels:
            return 1
        if self.key_fact_mode:
            # Key facts written as plain lines: sections are the shallowest headings.
            return min(levels)
        repeated = [level for level in sorted(set(levels)) if levels.count(level) >= 2]
        return repeated[0] if repeated else min(levels)

    # --- walking ---------------------------------------------------------------------------------
    def walk(self) -> None:
        mode, mode_level, last_level = "content", 0, 0
        for index, item in enumerate(self.items):
            key_fact = _key_fact_of(item)
            if isinstance(item, Heading):
                if item.level > last_level + 1 and last_level:
                    self.warnings.append(
                        f"{item.where}: heading “{item.text}” skips from level {last_level} "
                        f"to {item.level}"
                    )
                last_level = item.level
            if key_fact is not None:
                if key_fact.near_miss:
                    text = item.text if isinstance(item, Heading) else item.block.text
                    self.warnings.append(near_miss_warning(text, key_fact, where=_where(item)))
                mode = "content"
                self._start_topic("key_fact", key_fact.title, number=key_fact.number)
                if not isinstance(item, Heading):
                    last_level = self.section_level
                continue
            question = mode == "faq" and isinstance(item, Heading) and item.text.endswith("?")
            if isinstance(item, Heading) and item.level <= mode_level and not question:
                mode = "content"
            if isinstance(item, Heading) and self._starts_special(item):
                mode = "faq" if FAQ_RE.match(item.text) else "references"
                mode_level = item.level
                continue
            if mode == "faq":
                self._faq_item(item)
            elif mode == "references":
                self._reference_item(item)
            elif isinstance(item, Heading):
                self._heading(item, index)
            else:
                self._current_lesson().pieces.append(item)

    def _starts_special(self, heading: Heading) -> bool:
        return bool(FAQ_RE.match(heading.text) or REFERENCES_RE.match(heading.text))

    def _heading(self, heading: Heading, index: int) -> None:
        if self.flat and index > self.first_marker:
            # Sub-headings share the sections' level: only a closing cue after the last key fact
            # starts a topic there, as in the plain-text format.
            is_section = index > self.last_marker and bool(CLOSING_CUE_RE.search(heading.text))
        else:
            is_section = heading.level <= self.section_level
        if is_section:
            kind = _topic_kind(not self.key_fact_mode, index > self.last_marker)
            self._start_topic(kind, heading.text)
            return
        topic = self._current_topic()
        if topic.lesson_level is None or heading.level <= topic.lesson_level:
            topic.lesson_level = heading.level
            topic.lessons.append(_Lesson(title=heading.text, is_intro=False))
        else:
            # A heading below the lesson level stays in its lesson, as a bold line.
            bold = Paragraph(text=f"**{heading.text}**")
            self._current_lesson().pieces.append(Piece(block=bold, source=heading.source))

    def _faq_item(self, item: Item) -> None:
        if isinstance(item, Heading):
            self.faq.append((item.text, []))
            return
        text = plain_block_text(item.block)
        if isinstance(item.block, Paragraph) and text.endswith("?"):
            self.faq.append((text, []))
        elif self.faq:
            self.faq[-1][1].append(item)
        else:
            self.warnings.append(f"FAQ text before the first question was skipped: “{text[:60]}”")

    def _reference_item(self, item: Item) -> None:
        if isinstance(item, Heading):
            self.references.append(item.text)
        elif isinstance(item.block, BulletList):
            self.references += [entry.strip() for entry in item.block.items if entry.strip()]
        elif isinstance(item.block, Paragraph | Quote):
            self.references.append(item.block.text.strip())
        else:
            self.warnings.append("a table in the references was skipped")

    # --- topics and lessons ----------------------------------------------------------------------
    def _start_topic(self, kind: str, title: str, *, number: int | None = None) -> None:
        base = f"key-fact-{slugify(title)}" if kind == "key_fact" else slugify(title)
        key = _unique(base or kind, {entry.topic.key for entry in self.topics})
        topic = ParsedTopic(key=key, kind=kind, title=title, number=number)
        self.topics.append(_Topic(topic=topic, lessons=[_Lesson(title=title, is_intro=True)]))

    def _current_topic(self) -> _Topic:
        if not self.topics:
            topic = ParsedTopic(key=INTRO_KEY, kind="overview", title=PREAMBLE_TITLE, number=None)
            self.topics.append(
                _Topic(topic=topic, lessons=[_Lesson(title=PREAMBLE_TITLE, is_intro=True)])
            )
        return self.topics[-1]

    def _current_lesson(self) -> _Lesson:
        return self._current_topic().lessons[-1]

    def finish(self) -> list[ParsedTopic]:
        topics = []
        for entry in self.topics:
            taken: set[str] = set()
            for lesson in entry.lessons:
                if lesson.is_intro and not lesson.pieces:
                    continue
                key = (
                    INTRO_KEY
                    if lesson.is_intro
                    else _unique(slugify(lesson.title) or "lesson", taken | {INTRO_KEY})
                )
                taken.add(key)
                entry.topic.lessons.append(
                    ParsedLesson(
                        key=key,
                        title=lesson.title,
                        blocks=[piece.block for piece in lesson.pieces],
                        source="\n\n".join(piece.source for piece in lesson.pieces),
                        is_intro=lesson.is_intro,
                    )
                )
            topics.append(entry.topic)
        return topics

    def finish_faq(self) -> list[FaqEntry]:
        entries = []
        for question, pieces in self.faq:
            if not pieces:
                self.warnings.append(f"FAQ question “{question}” has no answer")
                continue
            answer = "\n\n".join(block_to_markdown(piece.block) for piece in pieces)
            source = "\n\n".join([question, *(piece.source for piece in pieces)])
            entries.append(FaqEntry(question=question, answer=answer, source=source))
        return entries
