"""Card drafts from parsed articles: tables, FAQ, lists and numbers, copied, never invented."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizzes.content.cardgen import (
    BASIC,
    CLOZE,
    MCQ,
    NUMERIC_FACT_RE,
    best_lesson,
    generate_cards,
    split_sentences,
)
from quizzes.content.cardgen.wording import phrase
from quizzes.content.parsing.text import parse_article
from quizzes.content.parsing.tree import Table, normalise_text

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "content" / "bone-metastases.txt"
ARTICLES = Path(__file__).resolve().parents[1] / "data" / "articles"


def load(path: Path):
    article = parse_article(path.read_text(encoding="utf-8-sig"), source_name=path.name)
    return article, generate_cards(article)


@pytest.fixture(scope="module")
def seed():
    return load(SEED)


@pytest.fixture(scope="module")
def osteo():
    return load(ARTICLES / "osteoporosis.txt")


def tables(article):
    return [
        (topic, lesson, block)
        for topic in article.topics
        for lesson in topic.lessons
        for block in lesson.blocks
        if isinstance(block, Table)
    ]


def by_front(drafts, front):
    return next(draft for draft in drafts if draft.front == front)


def asks(front: str, label: str, header: str) -> bool:
    """The stem names the row and the column, as the learner would read them."""
    front = front.lower()
    return phrase(label).lower() in front and (
        phrase(header).lower() in front or header == "Description"
    )


@pytest.mark.parametrize("name", ["seed", "osteo"])
def test_each_table_row_yields_a_card_per_column(name, request):
    article, drafts = request.getfixturevalue(name)
    assert tables(article)
    for topic, lesson, table in tables(article):
        for row, line in zip(table.rows, table.row_lines, strict=True):
            cards = [d for d in drafts if d.source_excerpt == line.strip()]
            assert len(cards) == len(table.header) - 1, line
            assert {(d.topic_key, d.lesson_key) for d in cards} == {(topic.key, lesson.key)}
            assert sorted(d.back for d in cards) == sorted(row[1:])
            for card, header in zip(cards, table.header[1:], strict=True):
                assert asks(card.front, row[0], header), card.front


def test_table_question_from_the_issue(seed):
    _, drafts = seed
    card = by_front(drafts, "What is the common lesion type for prostate cancer?")
    assert card.kind == MCQ
    assert card.back == "Osteoblastic"
    assert sorted(card.choices) == [
        ("Mixed (Osteolytic and Osteoblastic)", False),
        ("Osteoblastic", True),
        ("Osteolytic", False),
    ]
    assert (
        card.source_excerpt
        == "| Prostate Cancer | High proportion in advanced disease | Osteoblastic |"
    )
    assert "| --- |" in card.explanation and "Osteoblastic" in card.explanation


@pytest.mark.parametrize("name", ["seed", "osteo"])
def test_mcq_distractors_come_from_the_same_column(name, request):
    article, drafts = request.getfixturevalue(name)
    for _, _, table in tables(article):
        for row, line in zip(table.rows, table.row_lines, strict=True):
            for column in range(1, len(table.header)):
                card = next(
                    d
                    for d in drafts
                    if d.source_excerpt == line.strip()
                    and asks(d.front, row[0], table.header[column])
                    and d.back == row[column]
                )
                others = {other[column] for other in table.rows} - {row[column]}
                if card.kind == MCQ:
                    wrong = [text for text, correct in card.choices if not correct]
                    assert set(wrong) <= others and len(wrong) == len(set(wrong)) >= 2
                    assert [text for text, correct in card.choices if correct] == [row[column]]
                else:
                    # Too few distinct values, or options that would cue the answer.
                    assert card.kind == BASIC and not card.choices


def test_too_few_distinct_distractors_make_a_basic_card(seed, osteo):
    _, drafts = seed
    two_rows = by_front(drafts, "In bone metastases, what is the purpose for blood tests?")
    assert two_rows.kind == BASIC
    _, drafts = osteo
    # "Slows bone loss" repeats: only one distinct other value in the column.
    card = by_front(drafts, "In osteoporosis, what is the main benefit for alendronate?")
    assert (card.kind, card.back) == (BASIC, "Slows bone loss")
    wide = by_front(drafts, "In osteoporosis, what is the common side effect for denosumab?")
    assert wide.kind == MCQ and len(wide.choices) == 4


def test_choice_order_is_stable_and_not_always_right_first(seed):
    _, first = seed
    _, again = load(SEED)
    assert [d.choices for d in first] == [d.choices for d in again]
    mcqs = [d for d in first if d.kind == MCQ]
    assert {d.choices.index(next(c for c in d.choices if c[1])) for d in mcqs} != {0}


def test_cloze_cards_from_numeric_facts(seed):
    _, drafts = seed
    clozes = {d.front: d for d in drafts if d.kind == CLOZE}
    card = clozes["About {{c1::70%}} of advanced breast cancer patients get bone metastases."]
    assert card.back == "70%"
    assert (
        card.source_excerpt == "About 70% of advanced breast cancer patients get bone metastases."
    )
    assert card.lesson_key == "breast-cancer-and-bone-metastasis"
    answers = {d.back for d in clozes.values()}
    assert {"2-3 years", "3-5 years", "6-12 months"} <= answers
    assert all(d.front.count("{{c1::") == 1 for d in clozes.values())
    assert "2–3 years" in clozes[next(f for f in clozes if "2-3 years" in f)].accepted_answers


@pytest.mark.parametrize(
    ("sentence", "found"),
    [
        ("About 70% of patients.", ["70%"]),
        ("They may live 2-3 years after diagnosis", ["2-3 years"]),
        ("Living 6-12 months.", ["6-12 months"]),
        ("Fractures drop by 30–70 percent.", ["30–70 percent"]),
        ("About 1 in 3 women over 50.", ["1 in 3"]),
        ("Stage 4 cancer is the most advanced stage.", []),
        ("Key Fact #4 was published in 2020.", []),
    ],
)
def test_numeric_facts(sentence, found):
    assert [m.group(0) for m in NUMERIC_FACT_RE.finditer(sentence)] == found


def test_sentence_splitting():
    assert split_sentences("One is here. Two is 5%. “Three” too") == [
        "One is here.",
        "Two is 5%.",
        "“Three” too",
    ]


def test_faq_cards_link_to_the_best_matching_lesson(seed):
    article, drafts = seed
    faq = [d for d in drafts if "faq" in d.tags]
    assert len(faq) == 7
    assert [d.front for d in faq] == [entry.question for entry in article.faq]
    assert [d.back for d in faq] == [entry.answer for entry in article.faq]
    assert all(d.kind == BASIC for d in faq)
    links = {d.front: d.lesson_key for d in faq}
    assert links["What are bone metastases?"] == "what-are-bone-metastases"
    assert links["How do cancer cells travel to the bones?"] == "how-cancer-cells-travel-to-bone"
    treatment = next(d for d in faq if "treatment options" in d.front)
    assert treatment.topic_key == "key-fact-treatment-options-for-secondary-bone-tumors"


def test_faq_without_a_matching_lesson_goes_to_the_first_overview_topic():
    text = "Basics\n\nSome text.\nKey Fact #1: Alpha\nBeta.\nFAQ\nWhy zebras?\nNo idea.\n"
    article = parse_article(text, source_name="a.txt")
    assert best_lesson(article, "Why zebras?") is None
    (card,) = [d for d in generate_cards(article) if "faq" in d.tags]
    assert (card.topic_key, card.lesson_key) == ("basics", "introduction")


def test_list_cards_lead_in_and_terms(seed):
    _, drafts = seed
    lead_in = by_front(
        drafts, "List the important things to know about pain from bone metastases (4)."
    )
    assert lead_in.back.splitlines()[0] == "- Persistent pain that doesn’t get better with rest"
    assert len(lead_in.back.splitlines()) == 4
    term = by_front(drafts, "Describe **X-rays** (imaging technologies).")
    assert term.back == "Good for spotting bone lesions and breaks."
    assert term.source_excerpt == "- X-rays: Good for spotting bone lesions and breaks."
    prognosis = by_front(drafts, "Describe **Prognosis** (key differences).")
    assert prognosis.back.startswith("Bone-only metastasis may have a better prognosis")
    # A list right after a heading that names what it lists asks for that list.
    takeaways = by_front(drafts, "List the key takeaways (5).")
    assert takeaways.lesson_key == "key-takeaways" and len(takeaways.back.splitlines()) == 5


@pytest.mark.parametrize("name", ["seed", "osteo"])
def test_cards_say_only_what_the_text_says(name, request):
    article, drafts = request.getfixturevalue(name)
    text = normalise_text((SEED if name == "seed" else ARTICLES / "osteoporosis.txt").read_text())
    lesson_sources = {
        (topic.key, lesson.key): lesson.source
        for topic in article.topics
        for lesson in topic.lessons
    }
    for draft in drafts:
        assert draft.source_excerpt in text, draft.front
        if "faq" not in draft.tags:
            assert draft.source_excerpt in lesson_sources[(draft.topic_key, draft.lesson_key)]
        if draft.kind == "true_false":  # a statement copied from the text, judged True
            assert draft.front in text and draft.back == "True"
            continue
        for line in draft.back.splitlines():
            assert line.removeprefix("- ") in text, draft.front
        for choice, _ in draft.choices:
            assert choice in text


@pytest.mark.parametrize("name", ["seed", "osteo"])
def test_keys_are_unique_slugs_and_stable(name, request):
    _, drafts = request.getfixturevalue(name)
    keys = [d.key for d in drafts]
    assert len(keys) == len(set(keys))
    assert all(len(key) <= 160 and key.replace("-", "").isalnum() for key in keys)


def test_editing_an_answer_keeps_the_card_key(osteo):
    _, drafts = osteo
    text = (ARTICLES / "osteoporosis.txt").read_text().replace("| Heartburn |", "| Indigestion |")
    edited = generate_cards(parse_article(text, source_name="osteoporosis.txt"))
    stem = "In osteoporosis, what is the common side effect for alendronate?"
    before = by_front(drafts, stem)
    after = by_front(edited, stem)
    assert before.key == after.key and after.back == "Indigestion"
    cloze = next(d for d in edited if "{{c1::1 in 3}}" in d.front)
    text = text.replace("About 1 in 3 women", "About 1 in 4 women")
    renumbered = generate_cards(parse_article(text, source_name="osteoporosis.txt"))
    assert next(d for d in renumbered if "{{c1::1 in 4}}" in d.front).key == cloze.key


def test_no_faq_variant_makes_no_faq_cards():
    article, drafts = load(ARTICLES / "heat-stroke.txt")
    assert article.faq == []
    assert drafts and not any("faq" in d.tags for d in drafts)
    assert {d.kind for d in drafts} == {CLOZE, MCQ}
    # "Cooling within 30 minutes improves survival." is too short to stand alone.
    (cloze,) = [d for d in drafts if d.kind == CLOZE]
    assert cloze.needs_edit.startswith("The sentence has fewer than 6 words")


@pytest.mark.parametrize("path", [SEED, *sorted(ARTICLES.glob("*.txt"))], ids=lambda p: p.name)
def test_generated_drafts_meet_the_publishing_rules(path):
    """An instructor reviewing a draft can publish it without first repairing its shape."""
    from quizzes.content.validation import card_problems

    _, drafts = load(path)
    for draft in drafts:
        problems = card_problems(
            kind=draft.kind,
            front=draft.front,
            explanation=draft.explanation,
            has_lesson=draft.lesson_key is not None,
            choices=list(draft.choices),
            publishing=True,
            back=draft.back,
        )
        assert problems == [], (draft.key, problems)
