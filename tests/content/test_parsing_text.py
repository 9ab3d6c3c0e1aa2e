"""The article parser on the seed and on variant articles of the same format."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.content.parsing.text import is_heading_line, parse_article
from quizzes.content.parsing.tree import (
    ArticleFormatError,
    BulletList,
    Paragraph,
    Quote,
    Table,
    normalise_text,
    slugify,
    title_from_source_name,
)
from quizzes.core.markdown import render_markdown

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "content" / "bone-metastases.txt"
ARTICLES = Path(__file__).resolve().parents[1] / "data" / "articles"


@pytest.fixture(scope="module")
def seed():
    return parse_article(SEED.read_text(encoding="utf-8"), source_name=SEED.name)


def lesson(article, title):
    return next(les for topic in article.topics for les in topic.lessons if les.title == title)


def blocks(article, kind):
    return [
        (les, block)
        for topic in article.topics
        for les in topic.lessons
        for block in les.blocks
        if isinstance(block, kind)
    ]


# --- the seed -----------------------------------------------------------------------------------
def test_seed_title_comes_from_the_file_name_and_byline_is_not_lesson_text(seed):
    assert seed.title == "Bone Metastases"
    assert seed.slug == "bone-metastases"
    assert seed.byline.startswith("Last Updated on")
    assert all("Last Updated" not in les.source for t in seed.topics for les in t.lessons)


def test_seed_has_eight_key_facts_numbered_and_titled_as_in_the_file(seed):
    expected = [
        (int(match.group(1)), match.group(2))
        for match in re.finditer(r"^Key Fact #(\d+): (.+)$", SEED.read_text(), re.MULTILINE)
    ]
    assert len(expected) == 8
    assert [(t.number, t.title) for t in seed.key_facts] == expected
    assert seed.key_facts[0].title == "Common Cancers That Metastasize to Bone"
    assert seed.key_facts[0].key == "key-fact-common-cancers-that-metastasize-to-bone"


def test_seed_overview_and_closing_topics(seed):
    kinds = [topic.kind for topic in seed.topics]
    first_key_fact = kinds.index("key_fact")
    assert set(kinds[:first_key_fact]) == {"overview"}
    assert kinds[first_key_fact : first_key_fact + 8] == ["key_fact"] * 8
    assert [t.title for t in seed.topics if t.kind == "overview"] == [
        "Introduction",
        "Understanding Bone Metastases and Their Impact",
        "Cancer Spread to Bones: The Metastatic Process",
    ]
    assert [t.title for t in seed.topics if t.kind == "closing"] == [
        "Advances in Research and Future Directions",
        "Conclusion",
    ]
    research = next(t for t in seed.topics if t.kind == "closing")
    assert [les.title for les in research.lessons][1:] == [
        "Precision Medicine Approaches",
        "Novel Diagnostic Technologies",
        "Emerging Therapeutic Strategies",
    ]


def test_seed_lessons_one_per_sub_heading_plus_an_introduction(seed):
    key_fact = seed.key_facts[0]
    assert [(les.key, les.title) for les in key_fact.lessons] == [
        ("introduction", "Common Cancers That Metastasize to Bone"),
        ("breast-cancer-and-bone-metastasis", "Breast Cancer and Bone Metastasis"),
        ("prostate-cancers-affinity-for-bone", "Prostate Cancer’s Affinity for Bone"),
        ("lung-cancer-and-other-primary-tumors", "Lung Cancer and Other Primary Tumors"),
    ]
    assert key_fact.lessons[0].is_intro
    # A sub-heading ending in "?" is still a sub-heading outside the FAQ.
    assert lesson(seed, "What Are Bone Metastases?").key == "what-are-bone-metastases"


def test_seed_lines_ending_in_a_colon_are_paragraphs_not_headings(seed):
    mixed = lesson(seed, "Mixed Lesions and Their Significance")
    assert Paragraph("Characteristics of Mixed Lesions:") in mixed.blocks
    assert not any(les.title.endswith(":") for t in seed.topics for les in t.lessons)


def test_seed_source_passages_are_verbatim(seed):
    text = SEED.read_text(encoding="utf-8")
    for topic in seed.topics:
        for les in topic.lessons:
            assert les.source and les.source in text, les.title


def test_seed_tables_parsed_with_headers(seed):
    tables = blocks(seed, Table)
    assert len(tables) == 5
    owner, table = next(
        (les, t) for les, t in tables if les.title == "Lung Cancer and Other Primary Tumors"
    )
    assert table.header == ("Cancer Type", "Frequency of Bone Metastasis", "Common Lesion Type")
    assert table.rows[1] == (
        "Prostate Cancer",
        "High proportion in advanced disease",
        "Osteoblastic",
    )
    assert table.row_lines[1] in owner.source
    body = owner.body
    assert "| --- | --- | --- |" in body
    html = str(render_markdown(body))
    assert "<table>" in html and "<th>Common Lesion Type</th>" in html
    assert "<td>Osteoblastic</td>" in html


def test_seed_lists_become_markdown_lists(seed):
    pain = lesson(seed, "Pain Characteristics and Patterns")
    bullet = next(block for block in pain.blocks if isinstance(block, BulletList))
    assert len(bullet.items) == 4
    assert bullet.items[0] == "Persistent pain that doesn’t get better with rest"
    assert "\n\n- Persistent pain that doesn’t get better with rest\n- Pain that" in pain.body
    assert str(render_markdown(pain.body)).count("<li>") == 4


def test_seed_quotations_become_blockquotes(seed):
    quotes = blocks(seed, Quote)
    assert len(quotes) == 2
    owner, quote = quotes[0]
    assert quote.text.startswith("The diversity in bone metastases")
    assert not quote.text.startswith("“")
    assert f"> {quote.text}" in owner.body
    assert "<blockquote>" in str(render_markdown(owner.body))
    # A quote inside a sentence stays part of its paragraph.
    assert any(
        isinstance(b, Paragraph) and b.text.startswith("A leading oncologist says")
        for b in owner.blocks
    )


def test_seed_faq_and_references(seed):
    assert len(seed.faq) == 7
    assert seed.faq[0].question == "What are bone metastases?"
    assert seed.faq[0].answer.startswith("Bone metastases happen when cancer cells")
    assert all(entry.question.endswith("?") and entry.answer for entry in seed.faq)
    assert len(seed.references) == 3
    assert seed.references[0].startswith("Hui, Z.")
    assert not any(ref.startswith("- ") for ref in seed.references)
    assert all("FAQ" not in les.title for t in seed.topics for les in t.lessons)


def test_crlf_and_bom_give_the_same_tree():
    text = SEED.read_text(encoding="utf-8")
    windows = "\ufeff" + text.replace("\n", "\r\n")
    assert parse_article(windows, source_name=SEED.name) == parse_article(
        text, source_name=SEED.name
    )


# --- variants -----------------------------------------------------------------------------------
def test_variant_with_extra_columns_quotes_and_numbered_references():
    path = ARTICLES / "osteoporosis.txt"
    article = parse_article(path.read_text(encoding="utf-8"), source_name=path.name)
    assert article.title == "Osteoporosis"
    assert article.byline == ""
    assert [(t.kind, t.number, t.title) for t in article.topics] == [
        ("overview", None, "Introduction"),
        ("overview", None, "How Bone Density Is Measured"),
        ("key_fact", 1, "Who Is at Risk"),
        ("key_fact", 2, "Treatment Choices"),
        ("key_fact", 3, "Living With Osteoporosis"),
        ("closing", None, "Looking Ahead"),
        ("closing", None, "Summary"),
    ]
    tables = blocks(article, Table)
    assert [len(table.header) for _, table in tables] == [4, 4]
    quotes = [quote.text for _, quote in blocks(article, Quote)]
    assert quotes == [
        "Treatment works best when it is taken as prescribed.",
        "Preventing a fall prevents a fracture.",
    ]
    key_fact_3 = article.key_facts[2]
    assert not any(isinstance(b, Table) for les in key_fact_3.lessons for b in les.blocks)
    assert len(article.faq) == 2
    assert article.references == [
        "Example Bone Society. (2024). Osteoporosis guideline.",
        "Falls Prevention Group. (2023). Safer homes.",
    ]


def test_variant_with_windows_line_endings_no_faq_and_no_references():
    path = ARTICLES / "heat-stroke.txt"
    raw = path.read_bytes()
    assert b"\r\n" in raw and raw.startswith(b"\xef\xbb\xbf")
    article = parse_article(raw.decode("utf-8"), source_name=path.name)
    assert article.title == "Heat Stroke"
    assert [(t.kind, t.title) for t in article.topics] == [
        ("overview", "Heat Stroke Basics"),
        ("key_fact", "Warning Signs"),
        ("key_fact", "First Aid"),
        ("closing", "Conclusion"),
    ]
    assert article.faq == [] and article.references == []
    assert all(
        "\r" not in les.source and "\r" not in les.body for t in article.topics for les in t.lessons
    )
    # The first key fact has no table at all.
    assert not any(isinstance(b, Table) for les in article.key_facts[0].lessons for b in les.blocks)


def test_markdown_separator_rows_and_straight_quotes_are_tolerated():
    text = (
        "Key Fact #1: Doses\n"
        "Dosing Table\n"
        "| Drug | Dose |\n| --- | --- |\n| A | 1 mg |\n| B | 2 mg |\n"
        '"Check the label."\n'
    )
    article = parse_article(text, source_name="doses.txt")
    table = blocks(article, Table)[0][1]
    assert table.header == ("Drug", "Dose") and len(table.rows) == 2
    assert blocks(article, Quote)[0][1].text == "Check the label."


def test_renumbered_key_fact_keeps_its_key():
    first = parse_article("Key Fact #1: Pain Relief\nText.\n", source_name="a.txt")
    renumbered = parse_article("Key Fact #4: Pain Relief\nText.\n", source_name="a.txt")
    assert first.key_facts[0].key == renumbered.key_facts[0].key == "key-fact-pain-relief"
    assert renumbered.key_facts[0].number == 4


def test_duplicate_sub_headings_get_distinct_keys():
    text = "Key Fact #1: Care\nAt Home\nOne.\nAt Home\nTwo.\nIntroduction\nThree.\n"
    keys = [les.key for les in parse_article(text, source_name="a.txt").key_facts[0].lessons]
    assert keys == ["at-home", "at-home-2", "introduction-2"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("just one sentence.\nand another one.\n", "has no headings"),
        ("Key Fact #1: A\nText.\nKey Fact: B\nText.\n", "looks like a key fact but has no number"),
        ("Key Fact #1: A\nText.\nKey Fact #2\nText.\n", "starts key fact 2 but has no title"),
    ],
)
def test_text_that_is_not_an_article(text, message):
    with pytest.raises(ArticleFormatError, match=message):
        parse_article(text, source_name="x.txt")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Imaging Technologies", True),
        ("What Are Bone Metastases?", True),
        ("Characteristics of Mixed Lesions:", False),
        ("Pain is a common symptom of bone metastases.", False),
        ("- Bone destruction", False),
        ("| Feature | Description |", False),
        ("“Preventing a fall prevents a fracture.”", False),
        (
            "A leading oncologist says, “Knowing the type is key to choosing the right treatment.”",
            False,
        ),
        ("one two three four five six seven eight nine ten eleven twelve thirteen", False),
    ],
)
def test_heading_lines(line, expected):
    assert is_heading_line(line) is expected


def test_slugs_and_titles():
    assert slugify("Prostate Cancer’s Affinity for Bone") == "prostate-cancers-affinity-for-bone"
    long = slugify("word " * 60)
    assert len(long) <= 100 and long == slugify("word " * 60)
    assert title_from_source_name("content/sickle_cell-crisis.txt") == "Sickle Cell Crisis"
    assert normalise_text("\ufeffa\r\nb\rc") == "a\nb\nc"


# --- hostile and random input ------------------------------------------------------------------
def test_a_table_of_separator_rows_only_is_skipped():
    text = "Overview\n\nKey Fact #1: Tables\n| --- |\n| :---: | --- |\nA sentence.\n"
    article = parse_article(text, source_name="tables.txt")
    lesson = article.key_facts[0].lessons[0]
    assert lesson.blocks == [Paragraph(text="A sentence.")]


LINE_PIECES = st.one_of(
    st.sampled_from(
        [
            "|",
            "| --- |",
            "| a | b |",
            "|| |",
            "| --- | :-: |",
            "- ",
            "- item",
            "* ",
            "• point",
            "Key Fact #1: A",
            "Key Fact #2:",
            "Key Fact #1: A",
            "key fact 3 - C",
            "Heading",
            "Another Heading",
            "FAQ",
            "References",
            "What is it?",
            '"quoted"',
            "“",
            "",
            "   ",
            "\t",
            "# not markdown",
            "1. reference",
            "Last updated on 1 May by me",
            "About 70% of people.",
        ]
    ),
    st.text(max_size=30),
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_random_text_parses_or_is_a_format_error(text):
    _parse_or_format_error(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINE_PIECES, max_size=40), st.sampled_from(["\n", "\r\n", "\r"]))
def test_random_article_shaped_lines_parse_or_are_a_format_error(lines, newline):
    _parse_or_format_error(newline.join(lines))


def _parse_or_format_error(text: str) -> None:
    from quizzes.content.cardgen import generate_cards

    try:
        article = parse_article(text, source_name="random.txt")
    except ArticleFormatError as error:
        assert "\n" not in str(error)
        return
    generate_cards(article)  # whatever parses also yields cards without crashing
