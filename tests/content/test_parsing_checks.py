"""The checks every reader shares (quizzes.content.parsing.checks), seen through the plain-text
reader: section mode, numbering gaps and repeats, near-miss key-fact lines, empty sections and
ragged tables are warnings, never silent."""

from __future__ import annotations

from pathlib import Path

from quizzes.content.parsing.checks import key_fact_line, numbering_warnings
from quizzes.content.parsing.text import parse_article

ARTICLES = Path(__file__).resolve().parents[1] / "data" / "articles"


def test_an_article_without_key_facts_is_read_in_sections():
    text = "Overview\n\nSome text here.\nDetails\nMore text.\n\nCare\n\nRest.\n"
    article = parse_article(text, source_name="a.txt")
    assert [(t.kind, t.title) for t in article.topics] == [
        ("section", "Overview"),
        ("section", "Care"),
    ]
    assert [lesson.title for lesson in article.topics[0].lessons] == ["Overview", "Details"]
    assert article.warnings == []


def test_repeated_and_missing_key_fact_numbers_are_warnings():
    text = "Key Fact #1: A\nText.\nKey Fact #1: B\nText.\nKey Fact #4: C\nText.\n"
    article = parse_article(text, source_name="a.txt")
    assert [t.number for t in article.topics] == [1, 1, 4]
    assert article.warnings == [
        "Key Fact #1 appears 2 times",
        "key fact numbering has a gap: #2, #3 missing",
    ]


def test_a_key_fact_line_without_its_colon_is_read_as_a_key_fact_with_a_warning():
    text = (ARTICLES / "osteoporosis-missing-colon.txt").read_text(encoding="utf-8")
    article = parse_article(text, source_name="osteoporosis.txt")
    original = parse_article(
        (ARTICLES / "osteoporosis.txt").read_text(encoding="utf-8-sig"),
        source_name="osteoporosis.txt",
    )
    assert [(t.key, len(t.lessons)) for t in article.topics] == [
        (t.key, len(t.lessons)) for t in original.topics
    ]
    assert article.warnings == [
        "line 26: “Key Fact #2 Treatment Choices” is not quite a key-fact line; it was read as "
        "“Key Fact #2: Treatment Choices” (write it that way to silence this)"
    ]


def test_empty_sections_ragged_tables_and_empty_headers_are_warnings():
    text = (
        "Key Fact #1: A\nIntro.\n| Drug | Dose | |\n| X | 1 mg | a |\n| Y | 2 mg |\n"
        "Empty Part\n\nKey Fact #2: B\nText.\n"
    )
    article = parse_article(text, source_name="a.txt")
    assert article.warnings == [
        "“A”: the table's header is empty in column 3; that column gives no cards",
        "“A”: table rows do not all have 3 cells (row 3, counting the header); "
        "missing cells were left empty",
        "section “Empty Part” has no text",
    ]


def test_key_fact_lines_strict_and_near_misses():
    assert key_fact_line("Key Fact #3: Diagnosis").near_miss is False
    assert key_fact_line("**Key Fact #3: Diagnosis**").title == "Diagnosis"
    for line in ("Key Fact #3 Diagnosis", "Key-Fact 3 - Diagnosis", "Key Facts #3: Diagnosis"):
        found = key_fact_line(line)
        assert (found.number, found.title, found.near_miss) == (3, "Diagnosis", True), line
    for line in ("Key Facts", "Key facts about the spine", "Key fact: what matters", "Keyhole"):
        assert key_fact_line(line) is None, line


def test_numbering_out_of_order_is_a_warning():
    assert numbering_warnings([1, 3, 2]) == ["key facts are not in number order: 1, 3, 2"]
    assert numbering_warnings([1, 2, 3]) == []
