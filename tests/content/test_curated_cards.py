"""The curated card set meets docs/item-writing.md wherever a program can tell.

Reads content/bone-metastases.cards.json (format version 2) and the article it cites, through pure
modules only: no database, so it runs before the importer learns version 2.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from quizzes.content.itemcheck import item_problems
from quizzes.content.parsing.text import parse_article
from quizzes.content.parsing.tree import ParsedArticle, ParsedLesson
from quizzes.content.validation import card_problems

CONTENT = Path(__file__).resolve().parents[2] / "content"
ARTICLE = CONTENT / "bone-metastases.txt"
CARDS = CONTENT / "bone-metastases.cards.json"

VERSION_1_FIELDS = {
    "key",
    "topic",
    "lesson",
    "kind",
    "front",
    "back",
    "explanation",
    "critical",
    "tags",
    "choices",
    "accepted_answers",
    "source",
}
VERSION_2_FIELDS = VERSION_1_FIELDS | {"clinical_note", "note_reference"}
KINDS = {"basic", "cloze", "mcq", "true_false", "multi_select"}
KEY_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
MIN_CARDS_PER_KEY_FACT = 8
# Fronts this similar (after case and punctuation are ignored) test the same fact twice.
NEAR_IDENTICAL_FRONTS = 0.85
# Keys of version 1 cards that were dropped or merged: learners' progress on them is not carried
# over, so no new card may take one of them (docs/item-writing.md, review log).
RETIRED_KEYS = {
    "ov-two-routes-to-bone",
    "kf1-cancers-often-spreading-to-bone",
    "kf1-lung-lesion-type",
    "kf1-kidney-thyroid-less-often",
    "kf1-lung-team-effort",
    "kf2-symptoms-vary",
    "kf2-pain-quality",
    "kf2-pain-features-list",
    "kf2-pathological-fracture-term",
    "kf2-cord-compression-urgency",
    "kf3-types-affect-differently",
    "kf3-osteolytic-cancers",
    "kf3-osteoblastic-prostate",
    "kf3-osteoblastic-characteristics",
    "kf3-oncologist-quote",
    "kf3-personalized-approach",
    "kf4-imaging-plus-lab",
    "kf4-main-imaging-methods",
    "kf4-combine-imaging",
    "kf4-biochemical-markers-purpose",
    "kf4-biopsy-definition",
    "kf5-bone-mets-common",
    "kf5-most-advanced-stage",
    "kf5-stage4-characteristics",
    "kf5-why-bone-only-matters",
    "kf5-better-chance-group",
    "kf5-multi-organ-complexity",
    "kf6-treatment-depends-on",
    "kf6-bone-targeted-effects",
    "kf6-bisphosphonates-pharmacological",
    "kf7-complications-impact",
    "kf7-fracture-prevention",
    "kf7-cord-compression-cause",
    "kf7-cord-compression-symptoms",
    "kf7-hypercalcemia-mechanism",
    "kf8-survival-depends-on",
    "kf8-consider-factors-together",
    "kf8-prostate-survival",
    "kf8-lung-survival",
    "kf8-quality-of-life",
}


@cache
def curated() -> dict:
    return json.loads(CARDS.read_text(encoding="utf-8"))


@cache
def article() -> ParsedArticle:
    return parse_article(ARTICLE.read_text(encoding="utf-8"), source_name=ARTICLE.name)


def cards() -> list[dict]:
    return curated()["cards"]


def collapsed(text: str) -> str:
    return " ".join(text.split())


def lesson_of(card: dict) -> ParsedLesson | None:
    """The lesson a card names: its topic's introduction when "lesson" is null."""
    topics = [t for t in article().topics if collapsed(t.title) == collapsed(card["topic"])]
    if len(topics) != 1:
        return None
    for lesson in topics[0].lessons:
        if card["lesson"] is None and lesson.is_intro:
            return lesson
        if (
            card["lesson"] is not None
            and not lesson.is_intro
            and collapsed(lesson.title) == collapsed(card["lesson"])
        ):
            return lesson
    return None


def choices_of(card: dict) -> list[tuple[str, bool]]:
    return [(choice["text"], choice["correct"]) for choice in card["choices"]]


def by_key():
    return pytest.mark.parametrize("card", cards(), ids=[card["key"] for card in cards()])


# --- the file ----------------------------------------------------------------------------------
def test_file_is_version_2():
    assert set(curated()) == {"version", "cards"}
    assert curated()["version"] == 2


@by_key()
def test_card_has_exactly_the_version_2_fields(card):
    assert set(card) == VERSION_2_FIELDS
    assert isinstance(card["clinical_note"], str)
    assert isinstance(card["note_reference"], str)


def test_keys_are_unique_and_well_formed():
    keys = [card["key"] for card in cards()]
    assert [key for key, count in Counter(keys).items() if count > 1] == []
    assert all(KEY_RE.match(key) and len(key) <= 160 for key in keys)


def test_no_card_takes_a_retired_key():
    assert {card["key"] for card in cards()} & RETIRED_KEYS == set()


# --- each card ---------------------------------------------------------------------------------
@by_key()
def test_topic_and_lesson_exist(card):
    assert lesson_of(card) is not None, f"{card['topic']!r} / {card['lesson']!r} not found"


@by_key()
def test_source_is_verbatim_in_its_lesson(card):
    lesson = lesson_of(card)
    assert lesson is not None
    assert card["source"].strip()
    assert collapsed(card["source"]) in collapsed(lesson.source)


@by_key()
def test_card_can_be_published(card):
    problems = card_problems(
        kind=card["kind"],
        front=card["front"],
        explanation=card["explanation"],
        has_lesson=True,
        choices=choices_of(card),
        publishing=True,
        back=card["back"],
    )
    assert problems == []


@by_key()
def test_card_passes_the_item_writing_checks(card):
    problems = item_problems(
        kind=card["kind"],
        front=card["front"],
        back=card["back"],
        explanation=card["explanation"],
        choices=choices_of(card),
        critical=card["critical"],
    )
    assert [f"{problem.code}: {problem.message}" for problem in problems] == []


@by_key()
def test_clinical_note_comes_with_a_reference(card):
    assert bool(card["clinical_note"].strip()) == bool(card["note_reference"].strip())
    assert card["clinical_note"] == card["clinical_note"].strip()
    assert card["note_reference"] == card["note_reference"].strip()


@by_key()
def test_kind_and_choices_fit_together(card):
    assert card["kind"] in KINDS
    correct = sum(1 for choice in card["choices"] if choice["correct"])
    if card["kind"] == "mcq":
        assert correct == 1
        assert len(card["choices"]) - correct >= 2
    elif card["kind"] == "true_false":
        assert [choice["text"] for choice in card["choices"]] == ["True", "False"]
    elif card["kind"] == "multi_select":
        assert correct >= 1 and len(card["choices"]) >= 4
    else:
        assert card["choices"] == []
    if card["kind"] != "cloze":
        assert card["accepted_answers"] == []


@by_key()
def test_critical_cards_are_tagged_as_emergencies(card):
    # "critical" is for same-day action only (docs/item-writing.md); the tag keeps that visible.
    assert card["critical"] == ("emergency" in card["tags"])


# --- the set -----------------------------------------------------------------------------------
def test_every_key_fact_has_enough_cards():
    counts = Counter(card["topic"] for card in cards())
    short = {
        topic.title: counts[topic.title]
        for topic in article().key_facts
        if counts[topic.title] < MIN_CARDS_PER_KEY_FACT
    }
    assert short == {}


def test_every_other_topic_with_lesson_text_has_a_card():
    covered = {card["topic"] for card in cards()}
    missing = [
        topic.title
        for topic in article().topics
        if topic.kind != "key_fact"
        and any(lesson.source.strip() for lesson in topic.lessons)
        and topic.title not in covered
    ]
    assert missing == []


def test_all_five_kinds_are_used():
    assert {card["kind"] for card in cards()} == KINDS


def test_no_two_cards_have_near_identical_fronts():
    fronts = [
        (card["key"], " ".join(re.sub(r"[^\w\s]", " ", card["front"].lower()).split()))
        for card in cards()
    ]
    pairs = [
        (first, second)
        for index, (first, first_front) in enumerate(fronts)
        for second, second_front in fronts[index + 1 :]
        if difflib.SequenceMatcher(None, first_front, second_front).ratio() >= NEAR_IDENTICAL_FRONTS
    ]
    assert pairs == []


def test_single_best_answers_are_not_always_in_the_same_place():
    # Choices are shown in file order, so the key's position must not become a cue.
    positions = Counter(
        next(index for index, choice in enumerate(card["choices"]) if choice["correct"])
        for card in cards()
        if card["kind"] == "mcq"
    )
    assert max(positions.values()) <= 0.4 * sum(positions.values())
    assert {0, 1, 2} <= set(positions)


def test_true_false_cards_are_not_all_true():
    answers = Counter(
        next(choice["text"] for choice in card["choices"] if choice["correct"])
        for card in cards()
        if card["kind"] == "true_false"
    )
    assert answers["True"] and answers["False"]


def test_critical_is_kept_for_a_handful_of_emergencies():
    critical = [card["key"] for card in cards() if card["critical"]]
    assert 3 <= len(critical) <= 10
