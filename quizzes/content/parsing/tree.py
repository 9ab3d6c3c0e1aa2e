"""The document tree every article format is read into (pure; no Django): topics of lessons made
of blocks (paragraphs, lists, tables, quotations), the FAQ and the references, and the one way a
lesson's blocks are written back as Markdown.

Plain text (parsing.text), Markdown, web pages and Word files (parsing.outline and its readers)
all end here, so one card generator (quizzes.content.cardgen) serves every format."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

KEY_MAX_LENGTH = 100


class ArticleFormatError(ValueError):
    """The text is not an article in the expected format."""


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]
    lines: tuple[str, ...]
    ordered: bool = False


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    header_line: str
    row_lines: tuple[str, ...]
    # Cells per row as written, header first; rows shorter than the widest were padded.
    cell_counts: tuple[int, ...] = ()


@dataclass(frozen=True)
class Quote:
    text: str
    line: str


Block = Paragraph | BulletList | Table | Quote


@dataclass
class ParsedLesson:
    key: str
    title: str
    blocks: list[Block]
    source: str
    is_intro: bool = False

    @property
    def body(self) -> str:
        return blocks_to_markdown(self.blocks)


@dataclass
class ParsedTopic:
    key: str
    kind: str  # "overview" | "key_fact" | "closing" | "section", the values of TopicKind
    title: str
    number: int | None
    lessons: list[ParsedLesson] = field(default_factory=list)


@dataclass(frozen=True)
class FaqEntry:
    question: str
    answer: str
    source: str


@dataclass
class ParsedArticle:
    title: str
    slug: str
    byline: str
    topics: list[ParsedTopic]
    faq: list[FaqEntry]
    references: list[str]
    # What the reader noticed that the instructor should check; nothing here stopped the import.
    warnings: list[str] = field(default_factory=list)
    format: str = "text"  # "text" | "markdown" | "html" | "docx"
    format_reason: str = ""
    # True when the title is the document's own (a lone top-level heading), not the file name.
    title_from_document: bool = False

    @property
    def key_facts(self) -> list[ParsedTopic]:
        return [topic for topic in self.topics if topic.kind == "key_fact"]


def slugify(text: str, *, max_length: int = KEY_MAX_LENGTH) -> str:
    """ASCII slug; long ones are cut and suffixed with a hash so they stay unique and stable."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^\w\s-]", "", ascii_text.lower())
    slug = re.sub(r"[-\s_]+", "-", slug).strip("-")
    if len(slug) > max_length:
        digest = hashlib.sha1(slug.encode()).hexdigest()[:8]
        slug = f"{slug[: max_length - 9].rstrip('-')}-{digest}"
    return slug


def title_from_source_name(source_name: str) -> str:
    stem = re.split(r"[\\/]", source_name)[-1]
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", stem)
    words = re.sub(r"[-_.\s]+", " ", stem).strip()
    return " ".join(word[:1].upper() + word[1:] for word in words.split())


def normalise_text(text: str) -> str:
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


_MARKDOWN_LINE_START_RE = re.compile(r"^(#|>|\+\s|\d+[.)]\s)")


def escape_markdown_line(text: str) -> str:
    """Keep a plain line from turning into a heading, quote or numbered list in Markdown."""
    if _MARKDOWN_LINE_START_RE.match(text):
        return "\\" + text if not text[0].isdigit() else re.sub(r"^(\d+)([.)])", r"\1\\\2", text)
    return text


def _table_cell(text: str) -> str:
    return text.replace("|", "\\|") or " "


def table_to_markdown(header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> str:
    lines = ["| " + " | ".join(_table_cell(cell) for cell in header) + " |"]
    lines.append("| " + " | ".join("---" for _ in header) + " |")
    lines += ["| " + " | ".join(_table_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def list_to_markdown(items: tuple[str, ...], *, ordered: bool = False) -> str:
    if ordered:
        return "\n".join(f"{number}. {item}" for number, item in enumerate(items, start=1))
    return "\n".join(f"- {item}" for item in items)


def block_to_markdown(block: Block) -> str:
    if isinstance(block, Paragraph):
        return escape_markdown_line(block.text)
    if isinstance(block, BulletList):
        return list_to_markdown(block.items, ordered=block.ordered)
    if isinstance(block, Table):
        return table_to_markdown(block.header, block.rows)
    return f"> {block.text}"


def blocks_to_markdown(blocks: list[Block]) -> str:
    return "\n\n".join(block_to_markdown(block) for block in blocks)
