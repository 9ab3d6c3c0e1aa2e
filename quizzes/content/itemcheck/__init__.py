"""Mechanical item-writing checks for a card, in words an instructor understands. Pure: no Django.

These are the parts of docs/item-writing.md a program can check: a stem that stands alone and asks
one question, options without give-away cues, a true/false statement without double negatives, a
cloze deletion worth recalling, an explanation. They complement quizzes.content.validation, which
decides whether a card can be saved or published at all (one correct MCQ choice, True/False texts,
cloze syntax); a card that passes both still needs a human reviewer for everything that needs
judgement (is the key right, are the distractors plausible, is "critical" deserved).

Each check is a small function returning the problems it finds; ``item_problems`` runs them all.
A problem has a short code (stable, for tests, filters and reports) and a message for the admin.
"""

from __future__ import annotations

from collections.abc import Iterable

from quizzes.content.itemcheck.options import (
    multi_select_is_a_real_choice,
    no_absolute_cue,
    no_catch_all_options,
    no_duplicate_options,
    no_length_cue,
    no_word_repeat_cue,
    options_are_homogeneous,
    options_refer_to_source,
)
from quizzes.content.itemcheck.stems import (
    cloze_deletion_is_worth_recalling,
    critical_is_not_a_definition,
    has_explanation,
    stem_asks_one_question,
    stem_does_not_end_with_article,
    stem_is_answerable,
    stem_stands_alone,
    true_false_is_one_statement,
)
from quizzes.content.itemcheck.words import (
    ABSOLUTE_RE,
    CLOZE,
    CLOZE_DELETION,
    OPTION_KINDS,
    TRUE_FALSE,
    ItemProblem,
)

__all__ = ["ABSOLUTE_RE", "CLOZE_DELETION", "ItemProblem", "item_problems", "problem_codes"]


def item_problems(
    *,
    kind: str,
    front: str,
    back: str = "",
    explanation: str = "",
    choices: Iterable[tuple[str, bool]] = (),
    critical: bool = False,
) -> list[ItemProblem]:
    """Every mechanical item-writing problem of one card, in a stable order; [] when none.

    `choices` are (text, is_correct) pairs, as quizzes.content.validation takes them. `back` is
    accepted so callers can pass a whole card; no check reads it yet.
    """
    choices = list(choices)
    problems = stem_stands_alone(front)
    problems += has_explanation(explanation)
    problems += critical_is_not_a_definition(kind, front, critical)
    if kind == TRUE_FALSE:
        return problems + true_false_is_one_statement(front)
    if kind == CLOZE:
        return problems + cloze_deletion_is_worth_recalling(front)
    problems += stem_asks_one_question(front)
    problems += stem_is_answerable(kind, front)
    if kind in OPTION_KINDS:
        problems += stem_does_not_end_with_article(kind, front)
        problems += options_refer_to_source(choices)
        problems += no_catch_all_options(choices)
        problems += no_duplicate_options(choices)
        problems += no_absolute_cue(kind, choices)
        problems += no_length_cue(kind, choices)
        problems += options_are_homogeneous(kind, choices)
        problems += no_word_repeat_cue(kind, front, choices)
        problems += multi_select_is_a_real_choice(kind, choices)
    return problems


def problem_codes(problems: Iterable[ItemProblem]) -> list[str]:
    """The codes of some problems, for tests and reports."""
    return [problem.code for problem in problems]
