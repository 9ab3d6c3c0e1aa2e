"""Markdown, web pages and Word files read into the one document tree; the format detected and
named; the broken variants warned about or refused in one line (pure: no database)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from quizzes.content.parsing.formats import detect_format, parse_document
from quizzes.content.parsing.tree import ArticleFormatError, BulletList, Quote, Table

ARTICLES = Path(__file__).resolve().parents[1] / "data" / "articles"


def read(name: str):
    path = ARTICLES / name
    return parse_document(path.read_bytes(), source_name=path.name)


def outline(article) -> list[tuple]:
    """What an instructor sees of the structure: topics, their kind and number, lesson titles."""
    return [
        (topic.kind, topic.number, topic.title, [lesson.title for lesson in topic.lessons])
        for topic in article.topics
    ]


HYPERCALCAEMIA = [
    ("overview", None, "Introduction", ["Introduction"]),
    ("overview", None, "In Brief", ["In Brief"]),
    (
        "key_fact",
        1,
        "Why Calcium Rises in Cancer",
        ["Why Calcium Rises in Cancer", "Mechanisms", "What the Mechanisms Share"],
    ),
    (
        "key_fact",
        2,
        "Recognising Hypercalcaemia",
        ["Recognising Hypercalcaemia", "Symptoms by Severity", "Classic Signs"],
    ),
    (
        "key_fact",
        3,
        "Treating Hypercalcaemia",
        ["Treating Hypercalcaemia", "Fluids First", "Bone-Targeted Drugs", "Monitoring"],
    ),
    ("closing", None, "Looking Ahead", ["Looking Ahead"]),
]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("hypercalcaemia.md", "markdown"),
        ("spinal-cord-compression.html", "html"),
        ("febrile-neutropenia.docx", "docx"),
        ("osteoporosis.txt", "text"),
        ("tumour-lysis.txt", "text"),
    ],
)
def test_the_format_is_detected_and_named(name, expected):
    article = read(name)
    assert article.format == expected
    assert article.format_reason


def test_content_decides_before_the_extension():
    markdown = (ARTICLES / "hypercalcaemia.md").read_bytes()
    assert detect_format(markdown, source_name="hypercalcaemia.txt")[0] == "markdown"
    page = (ARTICLES / "spinal-cord-compression.html").read_bytes()
    assert detect_format(page, source_name="page.txt")[0] == "html"
    word = (ARTICLES / "febrile-neutropenia.docx").read_bytes()
    assert detect_format(word, source_name="download") == ("docx", "a Word document (.docx)")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.docx", b"not a zip at all", "is named .docx but is not a Word document"),
        ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "save it as .docx"),
        ("a.pdf", b"%PDF-1.7 ...", "is a PDF"),
        ("a.html", b"<html><body><nav>Home</nav></body></html>", "no main article text|headings"),
        ("a.md", b"# Title\n\n## FAQ\n\n### Why?\n\nBecause.\n", "has no lesson text"),
        (
            "a.md",
            b"## A\n\nKey Fact: Unnumbered\n\nText.\n\nKey Fact #1: B\n\nMore.\n",
            "no number",
        ),
    ],
)
def test_files_no_reader_can_take_are_one_line_errors(name, data, message):
    with pytest.raises(ArticleFormatError, match=message) as error:
        parse_document(data, source_name=name)
    assert "\n" not in str(error.value)


def test_a_word_file_that_unpacks_to_too_much_is_refused():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as handle:
        handle.writestr("word/document.xml", b"<w:document/>" + b" " * (51 * 1024 * 1024))
    assert len(archive.getvalue()) < 2 * 1024 * 1024  # fits the upload limit
    with pytest.raises(ArticleFormatError, match="unpacks to more than 50 MB"):
        parse_document(archive.getvalue(), source_name="bomb.docx")


def test_a_zip_that_is_not_a_word_file_is_refused():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("notes.txt", "hello")
    with pytest.raises(ArticleFormatError, match="ZIP archive but not a Word"):
        parse_document(archive.getvalue(), source_name="notes.zip")


# --- Markdown ------------------------------------------------------------------------------------
def test_markdown_headings_tables_lists_and_quotes():
    article = read("hypercalcaemia.md")
    assert article.title == "Hypercalcaemia of Malignancy" and article.title_from_document
    assert article.byline.startswith("Last reviewed on 2 March 2026")
    assert outline(article) == HYPERCALCAEMIA
    assert [entry.question for entry in article.faq] == [
        "Is hypercalcaemia painful?",
        "How is hypercalcaemia of malignancy treated?",
        "Why does calcium rise in cancer?",
    ]
    assert len(article.references) == 2 and article.references[0].startswith("Stewart AF.")
    assert article.warnings == []
    signs = article.topics[3].lessons[2]
    assert [type(block) for block in signs.blocks] == [type(signs.blocks[0]), BulletList, Quote]
    assert (
        signs.blocks[1].items[0] == "**Bones:** bone pain from the disease and from calcium release"
    )
    assert "> A confused patient" in signs.body and "\\>" not in signs.body
    table = article.topics[2].lessons[1].blocks[0]
    assert isinstance(table, Table) and table.header == (
        "Mechanism",
        "Share of cases",
        "Typical cancers",
    )


def test_markdown_source_passages_are_the_authors_own_lines():
    text = (ARTICLES / "hypercalcaemia.md").read_text(encoding="utf-8")
    for topic in read("hypercalcaemia.md").topics:
        for lesson in topic.lessons:
            for chunk in lesson.source.split("\n\n"):
                assert chunk in text


def test_markdown_headings_with_plain_key_fact_lines_read_the_same():
    headings = read("hypercalcaemia.md")
    plain = read("hypercalcaemia-plain-key-facts.md")
    assert outline(plain) == outline(headings)
    assert [t.key for t in plain.topics] == [t.key for t in headings.topics]
    assert plain.faq == headings.faq and plain.references == headings.references


def test_markdown_near_misses_and_skipped_levels_are_warnings():
    text = (
        "# Title\n\n## Overview\n\nIntro.\n\n## Key Fact 1 Risks\n\nText.\n\n"
        "#### Deep\n\nMore.\n\n## Key Fact #3: Care\n\nText.\n"
    )
    article = parse_document(text.encode(), source_name="a.md")
    assert [t.number for t in article.key_facts] == [1, 3]
    assert article.warnings == [
        "line 7: “Key Fact 1 Risks” is not quite a key-fact line; it was read as "
        "“Key Fact #1: Risks” (write it that way to silence this)",
        "line 11: heading “Deep” skips from level 2 to 4",
        "key fact numbering has a gap: #2 missing",
    ]


def test_an_article_without_key_facts_is_split_at_its_section_headings():
    text = "# Care\n\nIntro.\n\n## Before\n\nA.\n\n### Checks\n\nB.\n\n## After\n\nC.\n"
    article = parse_document(text.encode(), source_name="care.md")
    assert outline(article) == [
        ("overview", None, "Introduction", ["Introduction"]),
        ("section", None, "Before", ["Before", "Checks"]),
        ("section", None, "After", ["After"]),
    ]


# --- web page ------------------------------------------------------------------------------------
def test_a_saved_web_page_keeps_the_article_and_drops_the_site():
    article = read("spinal-cord-compression.html")
    assert article.title == "Metastatic Spinal Cord Compression"
    assert outline(article) == [
        ("overview", None, "Introduction", ["Introduction"]),
        (
            "section",
            None,
            "What Happens in the Spine",
            [
                "What Happens in the Spine",
                "Where Compression Occurs",
                "Cancers That Cause It Most Often",
            ],
        ),
        (
            "section",
            None,
            "Warning Signs",
            ["Warning Signs", "Red Flags in Back Pain", "Neurological Symptoms"],
        ),
        ("section", None, "Diagnosis", ["Diagnosis", "How Soon to Scan"]),
        ("section", None, "Treatment", ["Treatment", "First Steps", "Definitive Treatment"]),
    ]
    everything = " ".join(l.source for t in article.topics for l in t.lessons)  # noqa: E741
    for chrome in ("cookies", "Contact us", "newsletter", "Registered charity", "Related articles"):
        assert chrome not in everything
    assert len(article.faq) == 3 and len(article.references) == 2
    quote = article.topics[2].lessons[2].blocks[-1]
    assert isinstance(quote, Quote) and quote.text.startswith("Any new neurological symptom")
    assert article.warnings == []


# --- Word ----------------------------------------------------------------------------------------
def test_a_word_document_gives_headings_lists_tables_and_quotes():
    article = read("febrile-neutropenia.docx")
    assert article.title == "Febrile Neutropenia"
    assert [(t.kind, t.number, t.title) for t in article.topics] == [
        ("overview", None, "Introduction"),
        ("key_fact", 1, "Recognising Febrile Neutropenia"),
        ("key_fact", 2, "Treating Febrile Neutropenia"),
        ("closing", None, "Assessing Risk"),
    ]
    warning_signs = article.topics[1].lessons[2]
    assert [type(b).__name__ for b in warning_signs.blocks] == ["Paragraph", "BulletList", "Quote"]
    steps = article.topics[2].lessons[1].blocks[1]
    assert (
        isinstance(steps, BulletList)
        and steps.ordered
        and "1. Take blood cultures" in (article.topics[2].lessons[1].body)
    )
    merged = article.topics[2].lessons[2].blocks[0]
    assert merged.rows[1] == ("", "", "Given intravenously")  # the merged cells continue
    assert article.warnings == [
        "“Treating Febrile Neutropenia › First-Line Antibiotics”: the table's header is empty in "
        "column 3; that column gives no cards"
    ]
    assert [entry.question for entry in article.faq][0].startswith("How soon are antibiotics")


def test_the_committed_word_file_is_what_the_build_script_writes(tmp_path):
    pytest.importorskip("docx")
    from tests.data.build_docx import build

    built = build(tmp_path / "febrile-neutropenia.docx")
    fresh = parse_document(built.read_bytes(), source_name=built.name)
    committed = read("febrile-neutropenia.docx")
    assert outline(fresh) == outline(committed)
    assert [t.lessons for t in fresh.topics] == [t.lessons for t in committed.topics]


# --- broken plain-text variants ------------------------------------------------------------------
def test_a_table_with_merged_and_empty_cells_warns_about_its_header():
    article = read("osteoporosis-merged-cells.txt")
    assert article.warnings == [
        "“How Bone Density Is Measured › Reading a T-Score”: the table's header is empty in "
        "column 3; that column gives no cards"
    ]


def test_empty_sections_are_reported():
    article = read("tumour-lysis.txt")
    assert [t.kind for t in article.topics] == ["overview", "section", "section", "section"]
    assert article.warnings == ["section “Questions People Ask” has no text"]
