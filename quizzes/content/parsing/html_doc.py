"""Web pages and Word files → an outline (pure; no Django).

A saved web page first goes through trafilatura, which keeps the article's main content (headings,
paragraphs, lists, tables, quotations) and drops navigation, cookie banners, sidebars and
footers. A Word file goes through mammoth, which writes its headings, lists and tables as plain
HTML. Both then become the same outline as Markdown (quizzes.content.parsing.outline); each block's
source is the block written as Markdown, as there is no text file to quote.
"""

from __future__ import annotations

import io
import re

import lxml.html
import mammoth
import trafilatura
from lxml.etree import ParserError

from quizzes.content.parsing.outline import Heading, Item, Piece, assemble_article
from quizzes.content.parsing.tree import (
    ArticleFormatError,
    Block,
    BulletList,
    Paragraph,
    ParsedArticle,
    Quote,
    Table,
    block_to_markdown,
)

HEADING_TAGS = {f"h{level}": level for level in range(1, 7)}
BLOCK_TAGS = {
    *HEADING_TAGS,
    *("p", "pre", "ul", "ol", "table", "blockquote", "div", "section", "article", "main"),
    *("header", "dl", "figure", "body", "center"),
}
SKIPPED_TAGS = {"script", "style", "nav", "footer", "aside", "form", "button", "noscript", "hr"}
# Word's quotation styles become quotations; other unknown styles are ordinary paragraphs.
WORD_STYLE_MAP = """
p[style-name='Quote'] => blockquote > p:fresh
p[style-name='Intense Quote'] => blockquote > p:fresh
"""


def parse_web_page(data: bytes, *, source_name: str) -> ParsedArticle:
    """The main content of a saved web page as an article."""
    content = trafilatura.extract(
        data,
        output_format="html",
        include_tables=True,
        include_formatting=True,
        include_links=False,
        include_images=False,
        include_comments=False,
        favor_recall=True,
    )
    if not content:
        raise ArticleFormatError("has no main article text that could be found in the page")
    return parse_html(content, source_name=source_name)


def parse_word(data: bytes, *, source_name: str) -> ParsedArticle:
    """A Word (.docx) article, through mammoth's HTML."""
    try:
        result = mammoth.convert_to_html(io.BytesIO(data), style_map=WORD_STYLE_MAP)
    except Exception as error:  # a damaged file fails in zipfile, lxml or mammoth itself
        raise ArticleFormatError(
            f"could not be read as a Word document ({type(error).__name__})"
        ) from error
    article = parse_html(result.value, source_name=source_name)
    skipped = sorted({m.message for m in result.messages if m.type == "warning"})
    article.warnings = [f"Word: {message}" for message in skipped] + article.warnings
    return article


def parse_html(html: str, *, source_name: str) -> ParsedArticle:
    reader = _HtmlReader()
    try:
        root = lxml.html.document_fromstring(html)
    except (ParserError, ValueError) as error:
        raise ArticleFormatError("could not be read as HTML") from error
    items = reader.items(root)
    article = assemble_article(items, source_name=source_name)
    article.warnings = reader.warnings + article.warnings
    return article


def _text(node) -> str:
    return " ".join(node.text_content().split())


class _HtmlReader:
    def __init__(self) -> None:
        self.warnings: list[str] = []

    def items(self, root) -> list[Item]:
        items: list[Item] = []
        self._walk(root, items)
        return items

    def _piece(self, block: Block) -> Piece:
        return Piece(block=block, source=block_to_markdown(block))

    def _walk(self, node, items: list[Item]) -> None:
        for child in node:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in SKIPPED_TAGS or not tag:
                continue
            if tag in HEADING_TAGS:
                text = _text(child)
                if text:
                    source = "#" * HEADING_TAGS[tag] + " " + text
                    items.append(
                        Heading(HEADING_TAGS[tag], text, source, where=f"heading “{text[:40]}”")
                    )
            elif tag in ("p", "pre", "dt", "dd", "figcaption"):
                text = self.inline(child)
                if text:
                    items.append(self._piece(Paragraph(text=text)))
            elif tag in ("ul", "ol"):
                block = self._list(child)
                if block.items:
                    items.append(self._piece(block))
            elif tag == "table":
                block = self._table(child)
                if block is not None:
                    items.append(self._piece(block))
            elif tag == "blockquote":
                text = " ".join(self.inline(p) for p in child.iter("p")) or self.inline(child)
                if text:
                    items.append(self._piece(Quote(text=text, line=f"> {text}")))
            elif any(sub.tag in BLOCK_TAGS for sub in child.iterdescendants()):
                if (child.text or "").strip():
                    items.append(self._piece(Paragraph(text=" ".join(child.text.split()))))
                self._walk(child, items)
            else:
                text = self.inline(child)
                if text:
                    items.append(self._piece(Paragraph(text=text)))
            if tag not in HEADING_TAGS and (child.tail or "").strip() and tag not in ("br",):
                items.append(self._piece(Paragraph(text=" ".join(child.tail.split()))))

    def _list(self, node) -> BulletList:
        items = []
        for entry in node.findall("li"):
            nested = [self._list(sub) for sub in entry if sub.tag in ("ul", "ol")]
            for sub in list(entry):
                if sub.tag in ("ul", "ol"):
                    entry.remove(sub)
            text = self.inline(entry)
            children = [item for block in nested for item in block.items]
            if children:
                text = f"{text.rstrip(':')}: {'; '.join(children)}"
            if text:
                items.append(text)
        lines = tuple(f"- {item}" for item in items)
        return BulletList(items=tuple(items), lines=lines, ordered=node.tag == "ol")

    def _table(self, node) -> Table | None:
        """Rows with colspan and rowspan spelled out: a spanned cell is empty where it continues."""
        grid: list[list[str]] = []
        pending: dict[int, int] = {}  # column → rows the cell above still spans
        counts = []
        for row in node.iter("tr"):
            cells: list[str] = []
            column = 0
            for cell in row:
                if cell.tag not in ("td", "th"):
                    continue
                while pending.get(column):
                    pending[column] -= 1
                    cells.append("")
                    column += 1
                cells.append(self.inline(cell))
                rowspan = cell.get("rowspan", "")
                span = int(rowspan) if rowspan.isdigit() else 1
                if span > 1:
                    pending[column] = span - 1
                column += 1
                extra = cell.get("colspan", "1")
                for _ in range(int(extra) - 1 if extra.isdigit() else 0):
                    cells.append("")
                    column += 1
            while pending.get(column):
                pending[column] -= 1
                cells.append("")
                column += 1
            if any(cells):
                grid.append(cells)
                counts.append(len(cells))
        if not grid:
            return None
        width = max(len(row) for row in grid)
        padded = [tuple(row + [""] * (width - len(row))) for row in grid]
        lines = [_row_line(row) for row in padded]
        return Table(
            header=padded[0],
            rows=tuple(padded[1:]),
            header_line=lines[0],
            row_lines=tuple(lines[1:]),
            cell_counts=tuple(counts),
        )

    def inline(self, node) -> str:
        """A block's text as Markdown: bold and italics kept, links as their text."""
        parts = [node.text or ""]
        for child in node:
            tag = child.tag if isinstance(child.tag, str) else ""
            inner = self.inline(child)
            if tag in ("b", "strong") and inner.strip():
                parts.append(f"**{inner.strip()}**")
            elif tag in ("i", "em") and inner.strip():
                parts.append(f"*{inner.strip()}*")
            elif tag == "code" and inner.strip():
                parts.append(f"`{inner.strip()}`")
            elif tag == "br":
                parts.append(" ")
            elif tag not in ("script", "style", "img"):
                parts.append(inner)
            parts.append(child.tail or "")
        return re.sub(r"\s+", " ", "".join(parts)).strip()


def _row_line(row: tuple[str, ...]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") or " " for cell in row) + " |"
