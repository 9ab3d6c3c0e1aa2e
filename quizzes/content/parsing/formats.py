"""Which format an article file is in, and reading it with the right reader (pure; no Django).

The content decides first (a Word file is a ZIP archive holding word/document.xml; a web page
starts with a doctype or <html>, or is mostly tags), then the extension (.md, .markdown), then
Markdown's own marks (two or more "# Heading" lines); everything else is the plain-text format.
The article records the format and the reason, so the command and the admin can say which was
used.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

from quizzes.content.parsing.tree import ArticleFormatError, ParsedArticle

TEXT, MARKDOWN, HTML, DOCX = "text", "markdown", "html", "docx"
FORMAT_NAMES = {TEXT: "plain text", MARKDOWN: "Markdown", HTML: "web page (HTML)", DOCX: "Word"}
HTML_START_RE = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)
HTML_TAG_RE = re.compile(r"<(?:p|div|h[1-6]|ul|ol|li|table|body|section|article)\b[^>]*>", re.I)
ATX_HEADING_RE = re.compile(r"^#{1,6}\s+\S", re.M)
# A Word file is a ZIP archive: a small upload can unpack to gigabytes (a "zip bomb").
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MARKDOWN_EXTENSIONS = {".md", ".markdown", ".mdown"}
HTML_EXTENSIONS = {".html", ".htm", ".xhtml"}


def detect_format(data: bytes, *, source_name: str) -> tuple[str, str]:
    """(format, reason in words); ArticleFormatError for files no reader can take."""
    suffix = PurePath(source_name).suffix.lower()
    if data[:4] == b"PK\x03\x04":
        unpacked = _word_size(data)
        if unpacked is None:
            raise ArticleFormatError("is a ZIP archive but not a Word (.docx) document")
        if unpacked > MAX_UNPACKED_BYTES:
            raise ArticleFormatError("unpacks to more than 50 MB, too large for an article")
        return DOCX, "a Word document (.docx)"
    if suffix == ".docx":
        raise ArticleFormatError("is named .docx but is not a Word document")
    if suffix == ".doc" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ArticleFormatError("is an old Word (.doc) file; save it as .docx and upload that")
    if data[:5] == b"%PDF-":
        raise ArticleFormatError("is a PDF; save the article as .docx, Markdown or text")
    head = data[:20000].decode("utf-8", errors="replace")
    if HTML_START_RE.match(head.lstrip("\ufeff")):
        return HTML, "a web page (it starts with <html>)"
    if len(HTML_TAG_RE.findall(head)) >= 5 and suffix not in MARKDOWN_EXTENSIONS:
        return HTML, "a web page (its text is mostly HTML tags)"
    if suffix in HTML_EXTENSIONS:
        return HTML, f"a web page ({suffix} file)"
    if suffix in MARKDOWN_EXTENSIONS:
        return MARKDOWN, f"Markdown ({suffix} file)"
    text = data.decode("utf-8", errors="replace")
    if len(ATX_HEADING_RE.findall(text)) >= 2:
        return MARKDOWN, "Markdown (it has # headings)"
    return TEXT, "plain text (no Markdown or HTML marks)"


def _word_size(data: bytes) -> int | None:
    """The unpacked size of a Word file, or None when the archive is not one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile:
        return None
    if not any(entry.filename == "word/document.xml" for entry in entries):
        return None
    return sum(entry.file_size for entry in entries)


def decode_utf8(data: bytes) -> str:
    """UTF-8 (with or without BOM) → str; binary, non-UTF-8 or empty input is a format error."""
    if b"\x00" in data:
        raise ArticleFormatError("is not UTF-8 text (it contains binary data)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArticleFormatError("is not UTF-8 text") from error
    if not text.strip():
        raise ArticleFormatError("is empty")
    return text


def parse_document(data: bytes | str, *, source_name: str) -> ParsedArticle:
    """Detect the format and read the article; ArticleFormatError (one line) on any failure."""
    from quizzes.content.parsing.html_doc import parse_web_page, parse_word
    from quizzes.content.parsing.markdown_doc import parse_markdown
    from quizzes.content.parsing.text import parse_article

    raw = data.encode("utf-8") if isinstance(data, str) else data
    if not raw.strip():
        raise ArticleFormatError("is empty")
    kind, reason = detect_format(raw, source_name=source_name)
    try:
        if kind == DOCX:
            article = parse_word(raw, source_name=source_name)
        elif kind == HTML:
            article = parse_web_page(raw, source_name=source_name)
        elif kind == MARKDOWN:
            article = parse_markdown(decode_utf8(raw), source_name=source_name)
        else:
            article = parse_article(decode_utf8(raw), source_name=source_name)
    except ArticleFormatError:
        raise
    except Exception as error:
        # A shape no reader foresees still reaches the instructor as one line, never a traceback.
        raise ArticleFormatError(
            f"could not be read as {FORMAT_NAMES[kind]} ({type(error).__name__} while parsing); "
            "check its tables, lists and headings"
        ) from error
    article.format, article.format_reason = kind, reason
    return article
