"""Grading of every question kind (pure functions, no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizzes.grading import (
    attempt_score,
    cloze_accepted,
    grade_response,
    is_fully_right,
    is_pass,
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


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ([1, 2], "1"),
        ([1], "0.5"),
        ([1, 3], "0"),  # one right, one wrong cancel out
        ([1, 2, 3], "0.5"),
        ([1, 2, 3, 4], "0"),  # ticking everything earns nothing
        ([3, 4], "0"),  # floored at zero, never negative
        ([], "0"),
    ],
)
def test_multi_select_partial_credit_moodle_style(response, expected):
    assert choice("multi_select", response, correct=(1, 2), partial=True) == Decimal(expected)


def test_partial_credit_thirds_are_rounded_to_four_places():
    assert choice("multi_select", [1], correct=(1, 2, 3), partial=True) == Decimal("0.3333")


@given(
    correct=st.sets(st.integers(1, 8), min_size=1),
    picked=st.lists(st.integers(1, 8), max_size=8),
)
def test_partial_credit_always_between_zero_and_one(correct, picked):
    credit = choice("multi_select", picked, correct=correct, partial=True)
    assert Decimal(0) <= credit <= Decimal(1)
    assert (credit == 1) == (set(picked) == correct)


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
