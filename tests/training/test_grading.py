"""Grading of every question kind (pure functions, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizzes.training.grading import (
    CHANGED_NOTE,
    attempt_score,
    cloze_accepted,
    grade_question,
    grade_response,
    is_fully_right,
    is_pass,
    question_changed,
)


def choice(kind, response, correct=(1,), partial=False):
    return grade_response(
        kind=kind, correct_choice_ids=correct, response=response, partial_credit=partial
    )


@pytest.mark.parametrize(
    ("response", "expected"),
    [([1], 1), ([2], 0), ([1, 2], 0), ([], 0), (None, 0)],
)
def test_single_answer_is_right_or_wrong(response, expected):
    assert choice("mcq", response) == expected


def test_true_false_is_right_or_wrong():
    assert choice("true_false", [7], correct=(7,)) == 1
    assert choice("true_false", [8], correct=(7,)) == 0


def test_partial_credit_setting_does_not_apply_to_single_answer():
    assert choice("mcq", [1, 2], partial=True) == 0


@pytest.mark.parametrize(
    ("response", "expected"),
    [([1, 2], 1), ([2, 1], 1), ([1], 0), ([1, 2, 3], 0), ([3], 0)],
)
def test_multi_select_all_or_nothing(response, expected):
    assert choice("multi_select", response, correct=(1, 2)) == expected


def multi(response, *, correct, shown):
    return grade_response(
        kind="multi_select",
        correct_choice_ids=correct,
        response=response,
        partial_credit=True,
        shown_choice_ids=shown,
    )


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ([1, 2], "1"),
        ([1], "0.5"),
        ([1, 3], "0"),  # +1/2 for the right one, -1/2 for one of the two wrong ones
        ([1, 2, 3], "0.5"),
        ([1, 2, 3, 4], "0"),  # ticking every box earns nothing
        ([3, 4], "0"),  # floored at zero, never negative
        ([], "0"),
    ],
)
def test_multi_select_partial_credit_two_right_of_four(response, expected):
    assert multi(response, correct=(1, 2), shown=(1, 2, 3, 4)) == Decimal(expected)


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ([1, 2, 3], "1"),
        ([1, 2], "0.6667"),
        ([1], "0.3333"),
        ([1, 2, 4], "0"),  # 2/3 right, minus the only wrong choice (1/1)
        ([1, 2, 3, 4], "0"),  # ticking every box earns nothing
        ([4], "0"),
        ([], "0"),
        (None, "0"),
    ],
)
def test_multi_select_partial_credit_three_right_of_four(response, expected):
    assert multi(response, correct=(1, 2, 3), shown=(1, 2, 3, 4)) == Decimal(expected)


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ([1, 2, 3, 4], "1"),
        ([1, 2, 3], "0.75"),
        ([1, 2, 3, 4, 5], "0"),  # ticking every box earns nothing
        ([1, 2, 3, 5], "0"),
        ([5], "0"),
        ([], "0"),
    ],
)
def test_multi_select_partial_credit_four_right_of_five(response, expected):
    assert multi(response, correct=(1, 2, 3, 4), shown=(1, 2, 3, 4, 5)) == Decimal(expected)


def test_partial_credit_thirds_are_rounded_to_four_places():
    assert multi([1], correct=(1, 2, 3), shown=(1, 2, 3, 4)) == Decimal("0.3333")


def test_a_picked_choice_that_was_not_shown_counts_as_wrong():
    assert multi([1, 2, 9], correct=(1, 2), shown=(1, 2, 3)) == Decimal("0.5")


@given(
    correct=st.sets(st.integers(1, 8), min_size=1),
    wrong=st.sets(st.integers(9, 16)),
    picks=st.lists(st.integers(0, 15), max_size=16),
)
def test_partial_credit_always_between_zero_and_one(correct, wrong, picks):
    shown = sorted(correct | wrong)
    picked = {shown[index % len(shown)] for index in picks}
    credit = multi(list(picked), correct=correct, shown=shown)
    assert Decimal(0) <= credit <= Decimal(1)
    assert (credit == 1) == (picked == correct)
    if wrong:
        assert multi(shown, correct=correct, shown=shown) == 0  # every box ticked


def cloze(response, front="Pain that is worse at {{c1::night}}.", accepted=""):
    return grade_response(
        kind="cloze",
        response=response,
        accepted_answers=cloze_accepted(front=front, accepted_answers=accepted),
    )


@pytest.mark.parametrize("typed", ["night", "NIGHT", "  Night ", "night.", "Night\t"])
def test_cloze_ignores_case_and_whitespace(typed):
    assert cloze(typed) == 1


def test_cloze_accepts_listed_alternatives_case_insensitively():
    assert cloze("Night  time", accepted="night time\nnocturnal") == 1
    assert cloze("NOCTURNAL", accepted="night time\nnocturnal") == 1
    assert cloze("morning", accepted="night time\nnocturnal") == 0


def test_cloze_inner_whitespace_is_collapsed():
    front = "Call the {{c1::spinal cord compression}} team."
    assert cloze("spinal   cord\ncompression", front=front) == 1
    assert cloze("spinalcord compression", front=front) == 0


def test_cloze_with_two_gaps_accepts_both_words_in_order():
    front = "{{c1::Breast}} and {{c2::prostate}} cancers spread to bone."
    assert cloze("breast prostate", front=front) == 1
    assert cloze("Breast, Prostate", front=front) == 1
    assert cloze("prostate breast", front=front) == 0


@pytest.mark.parametrize("response", ["", "   ", None, ["night"], 5])
def test_cloze_blank_or_malformed_earns_nothing(response):
    assert cloze(response) == 0


@pytest.mark.parametrize("response", ["1", [True], ["1"], {"a": 1}, 1])
def test_choice_malformed_response_earns_nothing(response):
    assert choice("mcq", response, correct=(1,)) == 0


def test_basic_cards_are_not_gradable():
    with pytest.raises(ValueError):
        grade_response(kind="basic", response="anything")


def test_attempt_score_is_percent_of_questions_asked():
    assert attempt_score([Decimal(1), Decimal(0), Decimal(1)], questions=3) == Decimal("66.67")
    assert attempt_score([Decimal(1), None], questions=2) == Decimal("50.00")
    assert attempt_score([Decimal("0.5")], questions=1) == Decimal("50.00")
    assert attempt_score([], questions=0) == Decimal("0.00")


def test_pass_mark_is_inclusive():
    assert is_pass(Decimal("80.00"), pass_mark=80)
    assert not is_pass(Decimal("79.99"), pass_mark=80)
    assert is_pass(Decimal("0"), pass_mark=0)


def test_fully_right_only_at_full_credit():
    assert is_fully_right(Decimal(1))
    assert not is_fully_right(Decimal("0.5"))
    assert not is_fully_right(None)


# --- A card changed after it was drawn -------------------------------------------------------


@dataclass
class FakeChoice:
    pk: int
    is_correct: bool


class FakeChoices:
    def __init__(self, choices):
        self._choices = choices

    def all(self):
        return self._choices


@dataclass
class FakeCard:
    kind: str
    choices: FakeChoices
    front: str = "Bone pain is worse at {{c1::night}}."
    accepted_answers: str = ""


@dataclass
class FakeQuestion:
    card: FakeCard
    card_kind: str
    choice_order: list
    response: object


def mcq_card(kind="mcq"):
    return FakeCard(kind=kind, choices=FakeChoices([FakeChoice(1, True), FakeChoice(2, False)]))


def test_grade_question_grades_an_unchanged_card():
    grade = grade_question(FakeQuestion(mcq_card(), "mcq", [2, 1], [1]), partial_credit=False)
    assert (grade.fraction, grade.changed) == (1, False)


@pytest.mark.parametrize(
    ("card", "drawn_kind", "order", "response"),
    [
        (FakeCard(kind="basic", choices=FakeChoices([])), "mcq", [1, 2], [1]),  # made basic
        (FakeCard(kind="basic", choices=FakeChoices([])), "", [], "night"),  # no kind recorded
        (mcq_card("multi_select"), "mcq", [1, 2], [1]),  # another choice kind
        (mcq_card(), "cloze", [], "night"),  # cloze made a choice card
        (mcq_card(), "", [], "night"),  # the same, drawn before kinds were recorded
        (FakeCard(kind="cloze", choices=FakeChoices([])), "", [1, 2], [1]),  # choice → cloze
        (mcq_card(), "mcq", [1, 2, 3], [1]),  # a shown choice was deleted
    ],
)
def test_a_question_whose_card_changed_earns_nothing_and_is_marked(
    card, drawn_kind, order, response
):
    grade = grade_question(FakeQuestion(card, drawn_kind, order, response), partial_credit=True)
    assert grade.fraction == 0
    assert grade.changed
    assert "changed after the attempt started" in CHANGED_NOTE


def test_question_changed_accepts_cards_drawn_without_a_recorded_kind():
    assert not question_changed(drawn_kind="", kind="mcq", shown_choice_ids=[1], choice_ids=[1, 2])
    assert not question_changed(drawn_kind="", kind="cloze", shown_choice_ids=[], choice_ids=[])
