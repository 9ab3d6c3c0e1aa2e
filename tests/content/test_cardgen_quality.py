"""Drafts a clinician would keep: stems that stand alone, no questions from notes columns, clozes
only where the sentence names its subject, merged continuation rows, FAQ cards on the lesson that
answers them, list cards without a ":" lead-in, urgent passages suggested critical, and every
draft either passing the item checks or marked "needs edit" with the reasons (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizzes.content.cardgen import BASIC, CLOZE, generate_cards
from quizzes.content.cardgen.draft import SUGGESTED_CRITICAL_TAG
from quizzes.content.itemcheck import item_problems
from quizzes.content.parsing.formats import parse_document

ARTICLES = Path(__file__).resolve().parents[1] / "data" / "articles"
SEED = Path(__file__).resolve().parents[2] / "content" / "bone-metastases.txt"
TEST_ARTICLES = sorted(
    path for path in ARTICLES.iterdir() if path.suffix in {".md", ".txt", ".html", ".docx"}
)
# What the issue asks of generated drafts: at least this share pass the item checks as they are.
MIN_PASSING = 0.8
# Below this many drafts a share moves in steps of 10 points or more and says little: such an
# article's exact count is asserted instead (heat-stroke.txt: 3 of 4, its one cloze too short).
MIN_DRAFTS_FOR_A_SHARE = 10
SMALL_ARTICLES = {"heat-stroke.txt": (3, 4), "tumour-lysis.txt": (9, 9)}


def drafts_of(path: Path, name: str | None = None):
    article = parse_document(path.read_bytes(), source_name=name or path.name)
    return article, generate_cards(article)


def fronts(drafts) -> list[str]:
    return [draft.front for draft in drafts]


def problems(draft):
    return item_problems(
        kind=draft.kind,
        front=draft.front,
        back=draft.back,
        explanation=draft.explanation,
        choices=draft.choices,
        critical=draft.critical,
    )


@pytest.mark.parametrize("path", [*TEST_ARTICLES, SEED], ids=lambda path: path.name)
def test_each_draft_passes_the_item_checks_or_says_why_not(path):
    _, drafts = drafts_of(path)
    assert drafts
    for draft in drafts:
        found = problems(draft)
        assert draft.needs_edit == " ".join(problem.message for problem in found), draft.front
    passing = sum(1 for draft in drafts if not draft.needs_edit)
    if len(drafts) < MIN_DRAFTS_FOR_A_SHARE:
        assert (passing, len(drafts)) == SMALL_ARTICLES[path.name]
    else:
        assert passing / len(drafts) >= MIN_PASSING, (passing, len(drafts))


def test_table_stems_name_the_row_and_the_column_and_the_subject():
    _, drafts = drafts_of(ARTICLES / "osteoporosis.txt")
    assert "In osteoporosis, what is the category for a T-score range of -2.5 and below?" in (
        fronts(drafts)
    )
    assert "In osteoporosis, how is alendronate taken?" in fronts(drafts)
    assert not any(front.startswith(("Category for", "Taken for")) for front in fronts(drafts))


def test_notes_and_comments_columns_never_become_questions():
    _, drafts = drafts_of(ARTICLES / "spinal-cord-compression.html")
    table_cards = [draft for draft in drafts if "table" in draft.tags]
    assert table_cards
    assert not any("notes" in d.front.lower() or "comments" in d.front.lower() for d in drafts)
    assert not any(draft.back == "The narrowest part of the canal" for draft in drafts)
    # ... but they still explain the row.
    thoracic = next(d for d in table_cards if "thoracic spine" in d.front)
    assert "The narrowest part of the canal" in thoracic.explanation
    suggests = next(d for d in table_cards if "loss of bladder or bowel control" in d.front)
    assert suggests.front == (
        "In metastatic spinal cord compression, what does loss of bladder or bowel control suggest?"
    )


def test_continuation_rows_are_merged_into_the_row_above():
    _, drafts = drafts_of(ARTICLES / "osteoporosis-merged-cells.txt", "osteoporosis.txt")
    taken = next(d for d in drafts if d.front == "In osteoporosis, how is denosumab taken?")
    assert taken.back == "Injection every 6 months; Must not be stopped without a plan"
    assert taken.source_excerpt.splitlines() == [
        "| Denosumab | Injection every 6 months | Slows bone loss | Low calcium |",
        "| | Must not be stopped without a plan | | Rebound fractures if stopped |",
    ]
    assert not any(text == "Must not be stopped" for d in drafts for text, _ in d.choices)
    assert not any(d.front.endswith(" for ?") or "for  " in d.front for d in drafts)
    # The empty header column gives no card (and a warning, tested with the parser).
    assert not any(d.back in {"Low", "Raised", "High"} for d in drafts)


def test_word_merged_cells_continue_the_row_above():
    _, drafts = drafts_of(ARTICLES / "febrile-neutropenia.docx")
    pip = next(d for d in drafts if "no penicillin allergy" in d.front)
    assert pip.back == "Piperacillin with tazobactam"
    assert len(pip.source_excerpt.splitlines()) == 2


def test_a_cloze_only_when_its_sentence_names_its_subject():
    _, drafts = drafts_of(ARTICLES / "osteoporosis.txt")
    clozes = [d.front for d in drafts if d.kind == CLOZE]
    assert "About {{c1::1 in 3}} women over 50 will break a bone because of osteoporosis." in clozes
    # "Trials last 2-3 years." and "Treatment lowers the chance … by 30-70%": of what?
    assert not any("Trials last" in front or front.startswith("Treatment") for front in clozes)
    _, drafts = drafts_of(ARTICLES / "hypercalcaemia.md")
    assert not any(d.front.startswith("Most patients need") for d in drafts)


def test_faq_cards_sit_on_the_lesson_that_answers_them():
    _, drafts = drafts_of(ARTICLES / "spinal-cord-compression.html")
    links = {d.front: d.lesson_key for d in drafts if "faq" in d.tags}
    assert links == {
        "In metastatic spinal cord compression, why is whole-spine MRI needed?": "introduction",
        "What is the first drug given for suspected spinal cord compression?": "first-steps",
        "In metastatic spinal cord compression, can a person walk again after treatment?": (
            "definitive-treatment"
        ),
    }
    _, drafts = drafts_of(ARTICLES / "hypercalcaemia.md")
    painful = next(d for d in drafts if d.front == "Is hypercalcaemia painful?")
    assert (painful.topic_key, painful.lesson_key) == (
        "key-fact-recognising-hypercalcaemia",
        "classic-signs",
    )


def test_lists_without_a_colon_lead_in_still_give_drafts():
    _, drafts = drafts_of(ARTICLES / "febrile-neutropenia.docx")
    phone = next(d for d in drafts if d.front.startswith("Name all 3: Patients should phone"))
    assert phone.back.splitlines() == [
        "- a temperature of 38 °C or above",
        "- shivering or rigors",
        "- feeling suddenly unwell",
    ]
    _, drafts = drafts_of(ARTICLES / "spinal-cord-compression.html")
    steps = next(d for d in drafts if d.front == "List the first steps (3).")
    assert steps.kind == BASIC and not steps.needs_edit
    _, drafts = drafts_of(ARTICLES / "hypercalcaemia.md")
    assert "Name all 3: Each mechanism leads to …" in fronts(drafts)  # a bold lead-in


def test_urgent_passages_give_drafts_suggested_critical():
    _, drafts = drafts_of(ARTICLES / "spinal-cord-compression.html")
    critical = [d for d in drafts if d.critical]
    assert {d.kind for d in critical} >= {"cloze", "basic", "true_false"}
    assert all(SUGGESTED_CRITICAL_TAG in d.tags for d in critical)
    mri = next(d for d in critical if d.kind == CLOZE)
    assert "{{c1::24 hours}}" in mri.front and "immediately" in mri.front
    _, drafts = drafts_of(ARTICLES / "hypercalcaemia.md")
    emergency = next(
        d for d in drafts if d.front == "Severe hypercalcaemia is a medical emergency."
    )
    assert emergency.critical and emergency.choices == (("True", True), ("False", False))
    assert not any(d.critical for d in drafts if "table" in d.tags)


def test_a_draft_that_fails_the_checks_says_why():
    _, drafts = drafts_of(SEED)
    joined = next(d for d in drafts if d.front.startswith("What is stage 4 cancer, and how"))
    assert joined.needs_edit.startswith("The question joins two questions")
