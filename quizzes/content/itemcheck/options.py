"""Checks of a card's options: no give-away cues, no catch-alls, no duplicates, one form."""

from __future__ import annotations

import re
from collections.abc import Sequence

from quizzes.content.itemcheck.words import (
    ABSOLUTE_RE,
    CATCH_ALL_RE,
    LENGTH_CUE_MIN_MARGIN,
    LENGTH_CUE_RATIO,
    MCQ,
    MULTI_SELECT,
    MULTI_SELECT_MIN_OPTIONS,
    OPTION_KINDS,
    SENTENCE_MIN_WORDS,
    SOURCE_REFERENCE_RE,
    TERM_MAX_WORDS,
    ItemProblem,
    content_words,
    option_signature,
    plain,
    problem,
    stem_text,
    words_of,
)


def options_refer_to_source(choices: Sequence[tuple[str, bool]]) -> list[ItemProblem]:
    for text, _ in choices:
        match = SOURCE_REFERENCE_RE.search(text) or re.search(
            r"\bthe (?:article|text|passage)\b", text, re.IGNORECASE
        )
        if match:
            return problem(
                "option-refers-to-source",
                f"The option “{text}” talks about the article: options should be facts, not "
                "statements about what a text says.",
            )
    return []


def no_catch_all_options(choices: Sequence[tuple[str, bool]]) -> list[ItemProblem]:
    """No "all of the above", "none of the above", "both", "neither" fillers."""
    for text, _ in choices:
        if CATCH_ALL_RE.match(text.strip()):
            return problem(
                "catch-all-option",
                f"The option “{text}” is a catch-all (all/none/both/neither of the above): "
                "replace it with a plausible answer of the same kind as the others.",
            )
    return []


def no_duplicate_options(choices: Sequence[tuple[str, bool]]) -> list[ItemProblem]:
    """Options that read the same once case, punctuation, articles and plurals are ignored."""
    seen: dict[tuple[str, ...], str] = {}
    for text, _ in choices:
        signature = option_signature(text)
        if signature in seen:
            same = plain(seen[signature]) == plain(text)
            return problem(
                "duplicate-option" if same else "near-duplicate-option",
                f"The options “{seen[signature]}” and “{text}” say the same thing: each option "
                "must be a different answer.",
            )
        seen[signature] = text
    return []


def no_absolute_cue(kind: str, choices: Sequence[tuple[str, bool]]) -> list[ItemProblem]:
    """Absolutes (always, never, only ...) that separate the right options from the wrong ones."""
    if kind not in OPTION_KINDS:
        return []
    right = [text for text, correct in choices if correct]
    wrong = [text for text, correct in choices if not correct]
    if len(wrong) < 2 or not right:
        return []
    wrong_absolute = all(ABSOLUTE_RE.search(text) for text in wrong)
    right_absolute = any(ABSOLUTE_RE.search(text) for text in right)
    if wrong_absolute and not right_absolute:
        return problem(
            "absolute-cue",
            "Every wrong option uses an absolute word (always, never, only, all, none …) and "
            "the right answer does not: learners can pick the answer without knowing it.",
        )
    return []


def no_length_cue(kind: str, choices: Sequence[tuple[str, bool]]) -> list[ItemProblem]:
    """The key should not stand out by being much longer than the distractors."""
    if kind not in OPTION_KINDS:
        return []
    right = [len(text.strip()) for text, correct in choices if correct]
    wrong = [len(text.strip()) for text, correct in choices if not correct]
    if not right or not wrong:
        return []
    shortest_right, longest_wrong = min(right), max(wrong)
    if (
        shortest_right > LENGTH_CUE_RATIO * longest_wrong
        and shortest_right - longest_wrong >= LENGTH_CUE_MIN_MARGIN
    ):
        return problem(
            "length-cue",
            f"The right answer is much longer ({shortest_right} characters) than every wrong "
            f"option (at most {longest_wrong}): make the options similar in length and detail.",
        )
    return []


def option_form(text: str) -> str:
    words = len(words_of(text))
    if text.strip().endswith((".", "!", "?")) or words >= SENTENCE_MIN_WORDS:
        return "sentence"
    return "term" if words <= TERM_MAX_WORDS else "phrase"


def options_are_homogeneous(kind: str, choices: Sequence[tuple[str, bool]]) -> list[ItemProblem]:
    """Options of one form: all terms, or all phrases/sentences, never a sentence among words."""
    if kind not in OPTION_KINDS:
        return []
    forms = {option_form(text) for text, _ in choices}
    if {"term", "sentence"} <= forms:
        return problem(
            "mixed-option-forms",
            "Some options are single terms and others full sentences: write them in one form "
            "(all short terms, or all phrases of similar length).",
        )
    return []


def no_word_repeat_cue(
    kind: str, front: str, choices: Sequence[tuple[str, bool]]
) -> list[ItemProblem]:
    """A stem word echoed only in the key ("clang association") points at the key."""
    if kind != MCQ:
        return []
    right = [text for text, correct in choices if correct]
    wrong = [text for text, correct in choices if not correct]
    if len(right) != 1 or not wrong:
        return []
    in_wrong = set().union(*(content_words(text) for text in wrong))
    echoed = (content_words(right[0]) & content_words(stem_text(front))) - in_wrong
    if echoed:
        word = sorted(echoed)[0]
        return problem(
            "word-repeat-cue",
            f"The word “{word}” appears in the question and in the right answer only: reword "
            "the key or use the word in the distractors too.",
        )
    return []


def multi_select_is_a_real_choice(
    kind: str, choices: Sequence[tuple[str, bool]]
) -> list[ItemProblem]:
    """Enough options, and not all of them right (ticking every box must not score)."""
    if kind != MULTI_SELECT:
        return []
    if len(choices) < MULTI_SELECT_MIN_OPTIONS:
        return problem(
            "multi-select-too-few-options",
            f"A multiple-select question needs at least {MULTI_SELECT_MIN_OPTIONS} options, "
            f"each to be judged true or false on its own; this one has {len(choices)}.",
        )
    if all(correct for _, correct in choices):
        return problem(
            "multi-select-all-correct",
            "Every option is correct: add plausible wrong options, so each box is a decision.",
        )
    return []


# --- true/false ----------------------------------------------------------------------------------
