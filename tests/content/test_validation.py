"""Every card rule, checked on the pure function the admin, bulk publish and CSV import share."""

from __future__ import annotations

import pytest

from quizzes.content.models import CardKind
from quizzes.content.validation import card_field_problems, card_problems, cloze_deletions

GOOD = {
    "front": "Which lesion destroys bone?",
    "explanation": "Osteolytic metastases destroy bone tissue.",
    "has_lesson": True,
    "publishing": True,
}
MCQ_CHOICES = [("Osteolytic", True), ("Osteoblastic", False), ("Mixed", False)]


def problems(kind: str = CardKind.BASIC, choices=(), **overrides) -> list[str]:
    return card_problems(kind=kind, choices=list(choices), **{**GOOD, **overrides})


@pytest.mark.parametrize(
    ("kind", "choices", "extra"),
    [
        (CardKind.BASIC, [], {"back": "Osteolytic"}),
        (CardKind.MCQ, MCQ_CHOICES, {}),
        (CardKind.MULTI_SELECT, [("Breast", True), ("Prostate", True), ("Skin", False)], {}),
        (CardKind.MULTI_SELECT, [("Breast", True), ("Skin", False)], {}),
        (CardKind.TRUE_FALSE, [("True", True), ("False", False)], {}),
        (CardKind.TRUE_FALSE, [("false", True), ("true", False)], {}),
        (CardKind.CLOZE, [], {"front": "Bone is the {{c1::third}} most common site."}),
        (CardKind.CLOZE, [], {"front": "{{c1::Breast::organ}} and {{c2::prostate}} cancers."}),
    ],
)
def test_valid_cards_have_no_problems(kind, choices, extra):
    assert problems(kind, choices, **extra) == []


def test_mcq_needs_exactly_one_correct_choice():
    none = problems(CardKind.MCQ, [("A", False), ("B", False), ("C", False)])
    two = problems(CardKind.MCQ, [("A", True), ("B", True), ("C", False), ("D", False)])
    assert any("exactly one correct choice; this one has 0" in p for p in none)
    assert any("exactly one correct choice; this one has 2" in p for p in two)


def test_mcq_needs_at_least_two_distractors():
    found = problems(CardKind.MCQ, [("Osteolytic", True), ("Osteoblastic", False)])
    assert found == [
        "A single-best-answer question needs at least two wrong choices (distractors); "
        "this one has 1."
    ]


def test_multi_select_needs_a_correct_choice():
    found = problems(CardKind.MULTI_SELECT, [("A", False), ("B", False)])
    assert found == ["A multiple-select question needs at least one correct choice."]


def test_multi_select_needs_something_to_choose_from():
    found = problems(CardKind.MULTI_SELECT, [("A", True)])
    assert found == ["A multiple-select question needs at least two choices to pick from."]


@pytest.mark.parametrize(
    "choices",
    [
        [("True", True)],
        [("True", True), ("False", False), ("Maybe", False)],
        [("Yes", True), ("No", False)],
        [],
    ],
)
def test_true_false_has_exactly_the_two_choices(choices):
    found = problems(CardKind.TRUE_FALSE, choices)
    assert len(found) == 1
    assert "exactly two choices, “True” and “False”" in found[0]


def test_true_false_marks_one_of_them_correct():
    found = problems(CardKind.TRUE_FALSE, [("True", True), ("False", True)])
    assert found == ["Mark exactly one of “True” and “False” as correct."]


@pytest.mark.parametrize(
    "front",
    [
        "Bone is the third most common site.",
        "Bone is the {{c1:third}} most common site.",
        "Bone is the {{c1::}} most common site.",
        "Bone is the {{c1::third most common site.",
        "Bone is the {{x1::third}} most common site.",
        "Bone is the {{c0::third}} most common site.",
    ],
)
def test_cloze_needs_a_well_formed_deletion(front):
    found = problems(CardKind.CLOZE, front=front)
    assert found
    assert all("cloze" in p for p in found)


def test_cloze_with_one_good_and_one_broken_deletion_names_the_broken_one():
    found = problems(CardKind.CLOZE, front="{{c1::Breast}} and {{c2:prostate}} cancers.")
    assert found == [
        "This cloze deletion is not written correctly: “{{c2:prostate}}”. "
        "Write it as {{c1::answer}} or {{c1::answer::hint}}."
    ]


def test_cloze_deletions_reads_answer_and_hint():
    deletions = cloze_deletions("{{c1::Breast::organ}} and {{c2::prostate}}")
    assert [(d.number, d.answer, d.hint) for d in deletions] == [
        (1, "Breast", "organ"),
        (2, "prostate", ""),
    ]


def test_front_is_required():
    assert problems(front="   ") == [
        "Write the front of the card: it is the question the learner sees."
    ]


def test_published_card_needs_explanation_and_lesson():
    found = problems(explanation="", has_lesson=False)
    assert found == [
        "A published card needs an explanation: say why the answer is right.",
        "A published card needs a source lesson, so learners can go back to the passage.",
    ]


def test_a_draft_may_lack_explanation_and_lesson():
    assert problems(explanation="", has_lesson=False, publishing=False) == []


def test_published_basic_card_needs_a_back_when_given():
    assert problems(back=" ") == ["A published basic card needs an answer on the back."]
    assert problems() == []  # back not given: not checked


def test_cards_without_choices_must_not_have_any():
    found = problems(CardKind.BASIC, [("Stray", True)])
    assert found == [
        "A “Basic (front/back)” card has no choices: delete them or change the kind of card."
    ]


def test_choices_need_text_and_must_differ():
    found = problems(CardKind.MCQ, [("Osteolytic", True), (" ", False), ("osteolytic", False)])
    assert "Every choice needs some text." in found
    assert "Two choices say “osteolytic”: each choice must be different." in found


def test_unknown_kind_is_reported():
    assert card_field_problems(
        kind="essay", front="Q", explanation="E", has_lesson=True, publishing=False
    ) == {"kind": ["“essay” is not a kind of card BoneLearn knows."]}


def test_field_problems_are_keyed_for_the_form():
    found = card_field_problems(
        kind=CardKind.CLOZE, front="No deletion", explanation="", has_lesson=True, publishing=True
    )
    assert set(found) == {"front", "explanation"}
