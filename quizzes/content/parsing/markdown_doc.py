"""Markdown (CommonMark with pipe tables, read by markdown-it-py) → an outline (pure; no Django).

Every block keeps the Markdown lines it came from, so a lesson's source passage is the author's
own text and curated cards can quote it verbatim. Inline emphasis, code and links are kept as
Markdown; images and raw HTML cannot be shown in a lesson and are reported.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from quizzes.content.parsing.outline import Heading, Item, Piece, assemble_article
from quizzes.content.parsing.tree import (
    BulletList,
    Paragraph,
    ParsedArticle,
    Quote,
    Table,
    normalise_text,
)

_PARSER = MarkdownIt("commonmark").enable("table")


def parse_markdown(text: str, *, source_name: str) -> ParsedArticle:
    """Parse a Markdown article; ArticleFormatError (one line) when it has no structure."""
    reader = _MarkdownReader(normalise_text(text))
    items = reader.items()
    article = assemble_article(items, source_name=source_name)
    article.warnings = reader.warnings + article.warnings
    return article


class _MarkdownReader:
    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.root = SyntaxTreeNode(_PARSER.parse(text))
        self.warnings: list[str] = []
        self.images = 0

    def items(self) -> list[Item]:
        items: list[Item] = []
        for node in self.root.children:
            item = self._item(node)
            if item is not None:
                items.append(item)
        if self.images:
            self.warnings.append(
                f"{self.images} image(s) were left out: lessons hold text only (their alt text "
                "was kept where it was part of a sentence)"
            )
        return items

    def _source(self, node: SyntaxTreeNode) -> str:
        if not node.map:
            return ""
        start, end = node.map
        return "\n".join(self.lines[start:end]).strip("\n")

    def _where(self, node: SyntaxTreeNode) -> str:
        return f"line {node.map[0] + 1}" if node.map else "a heading"

    def _item(self, node: SyntaxTreeNode) -> Item | None:
        kind = node.type
        if kind == "heading":
            level = int(node.tag[1])
            text = self.inline(node.children[0], plain=True) if node.children else ""
            return Heading(
                level=level, text=text, source=self._source(node), where=self._where(node)
            )
        if kind == "paragraph":
            text = self.inline(node.children[0]) if node.children else ""
            return Piece(block=Paragraph(text=text), source=self._source(node)) if text else None
        if kind in ("bullet_list", "ordered_list"):
            return Piece(block=self._list(node), source=self._source(node))
        if kind == "table":
            return Piece(block=self._table(node), source=self._source(node))
        if kind == "blockquote":
            text = " ".join(self._texts(node))
            return Piece(block=Quote(text=text, line=self._source(node)), source=self._source(node))
        if kind in ("fence", "code_block"):
            text = " ".join(node.content.split())
            return Piece(block=Paragraph(text=text), source=self._source(node)) if text else None
        if kind == "html_block":
            self.warnings.append(f"{self._where(node)}: raw HTML was left out")
        return None  # thematic breaks, raw HTML

    def _texts(self, node: SyntaxTreeNode) -> list[str]:
        """The inline text of every paragraph (or heading) inside a container, in order."""
        texts = []
        for child in node.children:
            if child.type == "inline":
                texts.append(self.inline(child))
            elif child.type in ("bullet_list", "ordered_list"):
                texts.append("; ".join(self._list(child).items))
            else:
                texts += self._texts(child)
        return [text for text in texts if text]

    def _list(self, node: SyntaxTreeNode) -> BulletList:
        items, lines = [], []
        for list_item in node.children:
            parts = self._texts(list_item)
            # A nested list reads as "parent: child; child" so nothing is lost.
            text = parts[0] if parts else ""
            if len(parts) > 1:
                text = f"{text.rstrip(':')}: {'; '.join(parts[1:])}"
            items.append(text)
            lines.append(self._source(list_item).split("\n")[0] if list_item.map else text)
        return BulletList(
            items=tuple(items), lines=tuple(lines), ordered=node.type == "ordered_list"
        )

    def _table(self, node: SyntaxTreeNode) -> Table:
        rows, row_lines = [], []
        for section in node.children:
            for row in section.children:
                cells = [
                    self.inline(cell.children[0]) if cell.children else "" for cell in row.children
                ]
                rows.append(tuple(cells))
                row_lines.append(self._source(row) or " | ".join(cells))
        width = max(len(row) for row in rows)
        padded = [row + ("",) * (width - len(row)) for row in rows]
        return Table(
            header=padded[0],
            rows=tuple(padded[1:]),
            header_line=row_lines[0],
            row_lines=tuple(row_lines[1:]),
            cell_counts=tuple(len(row) for row in rows),
        )

    def inline(self, node: SyntaxTreeNode, *, plain: bool = False) -> str:
        """Inline Markdown back as Markdown (emphasis, code, links kept) or as plain text."""
        parts: list[str] = []
        for child in node.children:
            parts.append(self._inline_part(child, plain=plain))
        return " ".join("".join(parts).split())

    def _inline_part(self, node: SyntaxTreeNode, *, plain: bool) -> str:
        kind = node.type
        if kind == "text":
            return node.content
        if kind in ("softbreak", "hardbreak"):
            return " "
        if kind == "code_inline":
            return node.content if plain else f"`{node.content}`"
        if kind == "image":
            self.images += 1
            return ""
        if kind == "html_inline":
            return ""
        inner = "".join(self._inline_part(child, plain=plain) for child in node.children)
        if plain:
            return inner
        if kind == "strong":
            return f"**{inner}**"
        if kind == "em":
            return f"*{inner}*"
        if kind == "link":
            return f"[{inner}]({node.attrs.get('href', '')})"
        return inner
