"""Mechanical item-writing checks: a good item of each kind passes, each fault gives one code."""

from __future__ import annotations

import pytest

from quizzes.content import itemcheck
from quizzes.content.itemcheck import ItemProblem, item_problems, problem_codes

EXPLANATION = "Zoledronic acid and denosumab reduce skeletal-related events."
GOOD_MCQ = {
    "kind": "mcq",
    "front": "Which test shows compression of the spinal cord best?",
    "explanation": "MRI shows the cord, the marrow and epidural tumour.",
    "choices": [
        ("Plain radiograph", False),
        ("Magnetic resonance imaging", True),
        ("Bone scintigraphy", False),
        ("Ultrasound scan", False),
    ],
}
GOOD_MULTI = {
    "kind": "multi_select",
    "front": "Which medicines reduce skeletal-related events? (Select all that apply.)",
    "explanation": EXPLANATION,
    "choices": [
        ("Zoledronic acid", True),
        ("Teriparatide", False),
        ("Denosumab", True),
        ("Raloxifene", False),
    ],
}
GOOD_TRUE_FALSE = {
    "kind": "true_false",
    "front": "Primary bone cancer is more common than bone metastases.",
    "explanation": "Metastases to bone far outnumber cancers that start in bone.",
    "choices": [("True", False), ("False", True)],
}
GOOD_CLOZE = {
    "kind": "cloze",
    "front": "Most hypercalcemia of malignancy is caused by tumour secretion of {{c1::PTHrP}}.",
    "explanation": "Humoral hypercalcemia accounts for about 80% of cases.",
}
GOOD_BASIC = {
    "kind": "basic",
    "front": "Why can a normal plain X-ray not rule out a bone metastasis?",
    "back": "A lesion shows only after a large part of the bone mineral is lost.",
    "explanation": "Radiographs are insensitive to early medullary disease.",
}


def codes(**card) -> list[str]:
    return problem_codes(item_problems(**card))


def with_choices(card: dict, choices: list[tuple[str, bool]]) -> dict:
    return {**card, "choices": choices}


@pytest.mark.parametrize("card", [GOOD_MCQ, GOOD_MULTI, GOOD_TRUE_FALSE, GOOD_CLOZE, GOOD_BASIC])
def test_a_well_written_item_of_each_kind_has_no_problems(card):
    assert item_problems(**card) == []


def test_a_problem_is_a_code_and_a_sentence():
    [problem] = item_problems(**{**GOOD_BASIC, "explanation": " "})
    assert problem == ItemProblem(code="empty-explanation", message=problem.message)
    assert problem.message.endswith(".")


# --- the stem ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "front",
    [
        "According to the article, which test shows compression of the spinal cord best?",
        "Which test does the article say shows compression of the spinal cord best?",
        "Which test, as stated above, shows compression of the spinal cord best?",
        "Which test in this article shows compression of the spinal cord best?",
        "Which test does the article recommend for compression of the spinal cord?",
    ],
)
def test_stem_that_leans_on_the_article(front):
    assert codes(**{**GOOD_MCQ, "front": front}) == ["stem-refers-to-source"]


def test_a_true_false_statement_must_stand_alone_too():
    front = "According to the article, primary bone cancer is rare."
    assert codes(**{**GOOD_TRUE_FALSE, "front": front}) == ["stem-refers-to-source"]


def test_two_question_marks_are_two_questions():
    front = "What does a bone scan detect? Which lesions can it miss?"
    assert codes(**{**GOOD_BASIC, "front": front}) == ["two-questions"]


def test_questions_joined_by_and_are_two_questions():
    front = "What are bone metastases, and how do the cancer cells reach the bones?"
    assert codes(**{**GOOD_BASIC, "front": front}) == ["two-questions"]


def test_mcq_stem_must_be_a_question_or_a_statement_to_complete():
    assert codes(**{**GOOD_MCQ, "front": "Tests for compression of the spinal cord"}) == [
        "stem-not-a-question"
    ]
    assert codes(**{**GOOD_MCQ, "front": "Compression of the spinal cord is best shown by:"}) == []
    assert codes(**{**GOOD_MCQ, "front": "Compression of the cord is best shown by ___."}) == []


def test_basic_front_may_be_an_instruction():
    assert codes(**{**GOOD_BASIC, "front": "Name three skeletal-related events."}) == []
    assert codes(**{**GOOD_BASIC, "front": "Skeletal-related events."}) == ["stem-not-a-question"]


def test_multi_select_instruction_in_brackets_is_not_the_stem():
    front = "Which medicines reduce skeletal-related events (Select all that apply.)"
    assert codes(**{**GOOD_MULTI, "front": front}) == ["stem-not-a-question"]


def test_stem_ending_with_an_article_hints_at_the_key():
    front = "Compression of the spinal cord is best shown by an:"
    assert codes(**{**GOOD_MCQ, "front": front}) == ["stem-ends-with-article"]


# --- the options ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "filler",
    ["All of the above", "None of the above", "Both of the above", "Neither: no test helps"],
)
def test_catch_all_options(filler):
    choices = GOOD_MCQ["choices"][:3] + [(filler, False)]
    assert codes(**with_choices(GOOD_MCQ, choices)) == ["catch-all-option"]


def test_option_that_talks_about_the_article():
    choices = GOOD_MCQ["choices"][:3] + [("The article names no test", False)]
    assert codes(**with_choices(GOOD_MCQ, choices)) == ["option-refers-to-source"]


def test_identical_options_after_case_and_punctuation():
    choices = GOOD_MCQ["choices"][:3] + [("BONE-scintigraphy", False)]
    assert codes(**with_choices(GOOD_MCQ, choices)) == ["duplicate-option"]


def test_near_duplicate_options_differ_only_in_order_articles_or_plurals():
    choices = GOOD_MCQ["choices"][:3] + [("The radiographs, plain", False)]
    assert codes(**with_choices(GOOD_MCQ, choices)) == ["near-duplicate-option"]


def test_options_that_differ_by_one_numeral_are_not_duplicates():
    front = "In TNM staging, breast cancer with one distant metastasis is which stage?"
    choices = [("Stage I", False), ("Stage II", False), ("Stage III", False), ("Stage IV", True)]
    assert codes(kind="mcq", front=front, explanation=EXPLANATION, choices=choices) == []


def test_absolutes_only_in_the_distractors_cue_the_key():
    choices = [
        ("Osteolytic and osteoblastic", True),
        ("Only osteolytic", False),
        ("Only osteoblastic", False),
        ("Never visible on imaging", False),
    ]
    front = "Which lesion types can lung cancer metastases produce?"
    assert codes(kind="mcq", front=front, explanation=EXPLANATION, choices=choices) == [
        "absolute-cue"
    ]


def test_an_absolute_in_one_distractor_is_not_a_cue():
    choices = GOOD_MCQ["choices"][:3] + [("Only ultrasound", False)]
    assert codes(**with_choices(GOOD_MCQ, choices)) == []


def test_bone_only_is_not_an_absolute():
    assert itemcheck.ABSOLUTE_RE.search("bone-only metastatic disease") is None
    assert itemcheck.ABSOLUTE_RE.search("only in bone") is not None


def test_multi_select_whose_right_options_alone_lack_absolutes():
    choices = [
        ("Zoledronic acid", True),
        ("Denosumab", True),
        ("Always teriparatide", False),
        ("Never any medicine", False),
    ]
    assert codes(**with_choices(GOOD_MULTI, choices)) == ["absolute-cue"]


def test_a_key_much_longer_than_every_distractor_is_a_length_cue():
    choices = [
        ("A plain radiograph of the spine", False),
        ("Gadolinium-enhanced magnetic resonance tomography, whole spine", True),
        ("A bone scan with technetium", False),
        ("An ultrasound scan of the back", False),
    ]
    assert codes(**with_choices(GOOD_MCQ, choices)) == ["length-cue"]


def test_short_options_of_different_lengths_are_not_a_length_cue():
    front = "Which test shows compression of the spinal cord best?"
    choices = [("MRI", True), ("CT", False), ("US", False)]
    assert codes(kind="mcq", front=front, explanation=EXPLANATION, choices=choices) == []


def test_a_sentence_among_single_terms_is_heterogeneous():
    choices = GOOD_MCQ["choices"][:3] + [
        ("A scan that follows the spread of cancer through every organ of the body.", False)
    ]
    assert codes(**with_choices(GOOD_MCQ, choices)) == ["mixed-option-forms"]


def test_a_stem_word_echoed_only_in_the_key():
    front = "Which imaging test shows the spinal cord best?"
    choices = [
        ("Plain radiograph of the thoracic vertebrae", False),
        ("Magnetic resonance imaging of the spinal cord", True),
        ("Technetium bone scintigraphy of the skeleton", False),
        ("Ultrasound of the paraspinal soft tissue", False),
    ]
    assert codes(kind="mcq", front=front, explanation=EXPLANATION, choices=choices) == [
        "word-repeat-cue"
    ]


def test_a_stem_word_shared_with_a_distractor_is_no_cue():
    front = "Which imaging test shows the spinal cord best?"
    choices = [
        ("Radiographic imaging of the spinal column", False),
        ("Magnetic resonance imaging of the spinal cord", True),
        ("Bone scintigraphy", False),
        ("Ultrasound imaging of the cord", False),
    ]
    assert codes(kind="mcq", front=front, explanation=EXPLANATION, choices=choices) == []


def test_multi_select_needs_four_options():
    choices = [("Zoledronic acid", True), ("Denosumab", True), ("Teriparatide", False)]
    assert codes(**with_choices(GOOD_MULTI, choices)) == ["multi-select-too-few-options"]


def test_multi_select_with_every_option_right():
    choices = [
        (text, True) for text in ("Zoledronic acid", "Denosumab", "Pamidronate", "Ibandronate")
    ]
    assert codes(**with_choices(GOOD_MULTI, choices)) == ["multi-select-all-correct"]


# --- true/false ----------------------------------------------------------------------------------
def test_true_false_must_be_a_statement():
    front = "Is primary bone cancer more common than bone metastases?"
    assert codes(**{**GOOD_TRUE_FALSE, "front": front}) == ["true-false-question"]


@pytest.mark.parametrize(
    "front",
    [
        "It is not true that bone metastases are not common.",
        "Bone scans never miss lesions that are not osteoblastic.",
    ],
)
def test_true_false_double_negative(front):
    assert "double-negative" in codes(**{**GOOD_TRUE_FALSE, "front": front})


def test_true_false_double_negative_alone():
    front = "A normal X-ray does not mean a bone metastasis is not there."
    assert codes(**{**GOOD_TRUE_FALSE, "front": front}) == ["double-negative"]


def test_true_false_absolute():
    front = "Bone metastases from prostate cancer are always osteoblastic."
    assert codes(**{**GOOD_TRUE_FALSE, "front": front}) == ["true-false-absolute"]


# --- cloze ---------------------------------------------------------------------------------------
def test_cloze_deleting_a_small_word():
    front = "Most hypercalcemia of malignancy is caused {{c1::by}} tumour secretion of PTHrP."
    assert codes(**{**GOOD_CLOZE, "front": front}) == ["cloze-trivial-deletion"]


def test_cloze_sentence_too_short_to_name_its_subject():
    assert codes(**{**GOOD_CLOZE, "front": "It is the {{c1::most advanced}} stage."}) == [
        "cloze-too-short"
    ]


def test_cloze_answer_visible_elsewhere_in_the_sentence():
    front = "{{c1::Osteolytic}} lesions, unlike osteoblastic ones, are osteolytic and destroy bone."
    assert codes(**{**GOOD_CLOZE, "front": front}) == ["cloze-answer-visible"]


def test_cloze_pattern_is_the_one_publishing_uses():
    from quizzes.content.validation import CLOZE_DELETION

    assert itemcheck.CLOZE_DELETION.pattern == CLOZE_DELETION.pattern


# --- explanation and the critical flag -----------------------------------------------------------
@pytest.mark.parametrize("card", [GOOD_MCQ, GOOD_MULTI, GOOD_TRUE_FALSE, GOOD_CLOZE, GOOD_BASIC])
def test_every_kind_needs_an_explanation(card):
    assert codes(**{**card, "explanation": ""}) == ["empty-explanation"]


def test_critical_on_a_plain_definition():
    card = {**GOOD_BASIC, "front": "What is a pathological fracture?", "critical": True}
    assert codes(**card) == ["critical-definition"]


def test_critical_on_a_cloze_that_names_a_term():
    front = "A fracture through bone weakened by a metastasis is called a {{c1::pathological}} one."
    assert codes(**{**GOOD_CLOZE, "front": front, "critical": True}) == ["critical-definition"]


def test_critical_on_an_emergency_action_is_fine():
    front = "Which drug is started at once when spinal cord compression is suspected?"
    assert codes(**{**GOOD_BASIC, "front": front, "critical": True}) == []


def test_function_words_shared_by_stem_and_key_are_no_cue():
    front = "Two women have breast cancer metastases. Whose outlook is usually better after a year?"
    choices = [
        ("The woman whose disease stays in bone after relapse", True),
        ("The woman with liver metastases as well", False),
        ("Their outlook is the same at stage IV", False),
    ]
    assert codes(kind="mcq", front=front, explanation=EXPLANATION, choices=choices) == []
