"""Checks of a card's stem, and of the kinds that have no options (true/false, cloze)."""

from __future__ import annotations

import re

from quizzes.content.itemcheck.words import (
    ABSOLUTE_RE,
    BASIC,
    BLANK_RE,
    CLOZE,
    CLOZE_DELETION,
    CLOZE_MIN_CONTEXT_WORDS,
    DEFINITION_CLOZE_RE,
    DEFINITION_STEM_RE,
    IMPERATIVE_RE,
    JOINED_QUESTIONS_RE,
    NEGATION_RE,
    OPTION_KINDS,
    SOURCE_REFERENCE_RE,
    STEM_ARTICLE_END_RE,
    STOP_WORDS,
    ItemProblem,
    plain,
    problem,
    stem_text,
    words_of,
)


def stem_stands_alone(front: str) -> list[ItemProblem]:
    """The stem must make sense without the article: no "according to the article"."""
    match = SOURCE_REFERENCE_RE.search(front or "")
    if not match:
        return []
    return problem(
        "stem-refers-to-source",
        f"The question says “{match.group(0)}”: write it so it stands alone, as a fact a "
        "clinician would recognise without the article in front of them.",
    )


def stem_asks_one_question(front: str) -> list[ItemProblem]:
    """One idea per card: one question mark, and no "…, and how/why …?" second question."""
    stem = stem_text(front)
    if stem.count("?") > 1:
        return problem(
            "two-questions",
            "The question asks more than one thing (it has more than one “?”): split it into "
            "cards that each test one fact.",
        )
    if JOINED_QUESTIONS_RE.search(stem):
        return problem(
            "two-questions",
            "The question joins two questions with “and”/“or”: split it into cards that each "
            "test one fact.",
        )
    return []


def stem_is_answerable(kind: str, front: str) -> list[ItemProblem]:
    """A question the learner could answer with the options covered.

    MCQ and multiple select: ends with "?" or ":" or holds a blank. Basic: a question or an
    instruction ("Name three ...").
    """
    stem = stem_text(front)
    if kind in OPTION_KINDS:
        if stem.endswith(("?", ":")) or BLANK_RE.search(stem):
            return []
        return problem(
            "stem-not-a-question",
            "The question should be a complete question (ending in “?”) or a statement to "
            "complete (ending in “:” or with a blank), so it can be answered without the options.",
        )
    if kind == BASIC and not (stem.endswith("?") or IMPERATIVE_RE.match(stem)):
        return problem(
            "stem-not-a-question",
            "The front of a basic card should ask a question (ending in “?”) or give an "
            "instruction such as “Name three …”.",
        )
    return []


def stem_does_not_end_with_article(kind: str, front: str) -> list[ItemProblem]:
    """A stem ending in "a"/"an" tells the learner whether the key starts with a vowel."""
    if kind not in OPTION_KINDS or not STEM_ARTICLE_END_RE.search(stem_text(front)):
        return []
    return problem(
        "stem-ends-with-article",
        "The question ends with “a” or “an”, which hints at the answer's first letter: move the "
        "article into the options.",
    )


# --- the options ---------------------------------------------------------------------------------


def true_false_is_one_statement(front: str) -> list[ItemProblem]:
    """One plain proposition: a statement (not a question), no double negative, no absolutes."""
    stem = (front or "").strip()
    problems: list[ItemProblem] = []
    if stem.endswith("?"):
        problems += problem(
            "true-false-question",
            "A true/false card states something to judge: write a statement, not a question.",
        )
    if len(NEGATION_RE.findall(stem)) >= 2:
        problems += problem(
            "double-negative",
            "The statement has two negatives (for example “not … not”): say it positively.",
        )
    match = ABSOLUTE_RE.search(stem)
    if match:
        problems += problem(
            "true-false-absolute",
            f"The statement uses “{match.group(0)}”: absolute statements are nearly always false, "
            "so the word gives the answer away. Qualify the claim or test it another way.",
        )
    return problems


# --- cloze ---------------------------------------------------------------------------------------
def cloze_deletion_is_worth_recalling(front: str) -> list[ItemProblem]:
    """The deletion is a key term (not a stop word) in a sentence that names its subject."""
    deletions = [match["answer"].strip() for match in CLOZE_DELETION.finditer(front or "")]
    if not deletions:
        return []
    problems: list[ItemProblem] = []
    trivial = [answer for answer in deletions if all(w in STOP_WORDS for w in words_of(answer))]
    if trivial:
        problems += problem(
            "cloze-trivial-deletion",
            f"The deletion “{trivial[0]}” is a small word anyone can guess: delete the key fact "
            "of the sentence instead.",
        )
    context = CLOZE_DELETION.sub(" ", front)
    if len(words_of(context)) < CLOZE_MIN_CONTEXT_WORDS:
        problems += problem(
            "cloze-too-short",
            f"The sentence has fewer than {CLOZE_MIN_CONTEXT_WORDS} words besides the deletion: "
            "name the subject and enough context that only one answer fits.",
        )
    visible = plain(context)
    shown = [a for a in deletions if plain(a) and re.search(rf"\b{re.escape(plain(a))}\b", visible)]
    if shown:
        problems += problem(
            "cloze-answer-visible",
            f"The hidden answer “{shown[0]}” also appears elsewhere in the sentence: the learner "
            "can copy it instead of recalling it.",
        )
    return problems


# --- explanation and the critical flag -----------------------------------------------------------
def has_explanation(explanation: str) -> list[ItemProblem]:
    if (explanation or "").strip():
        return []
    return problem(
        "empty-explanation",
        "Write an explanation: why the answer is right and, for choices, why the others are not.",
    )


def critical_is_not_a_definition(kind: str, front: str, critical: bool) -> list[ItemProblem]:
    """ "Critical" is for emergencies that need same-day action, never for naming a term."""
    if not critical:
        return []
    if DEFINITION_STEM_RE.match(front or "") or (
        kind == CLOZE and DEFINITION_CLOZE_RE.search(front)
    ):
        return problem(
            "critical-definition",
            "This card asks for a definition but is marked critical: keep “critical” for cards "
            "about recognising or acting on an emergency.",
        )
    return []


# --- everything ----------------------------------------------------------------------------------
