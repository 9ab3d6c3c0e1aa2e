"""Mechanical item-writing checks for a card, in words an instructor understands. Pure: no Django.

These are the parts of docs/item-writing.md a program can check: a stem that stands alone and asks
one question, options without give-away cues, a true/false statement without double negatives, a
cloze deletion worth recalling, an explanation. They complement quizzes.validation, which decides
whether a card can be saved or published at all (one correct MCQ choice, True/False texts, cloze
syntax); a card that passes both still needs a human reviewer for everything that needs judgement
(is the key right, are the distractors plausible, is "critical" deserved).

Each check is a small function returning the problems it finds; ``item_problems`` runs them all.
A problem has a short code (stable, for tests, filters and reports) and a message for the admin.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

BASIC = "basic"
CLOZE = "cloze"
MCQ = "mcq"
TRUE_FALSE = "true_false"
MULTI_SELECT = "multi_select"
OPTION_KINDS = frozenset({MCQ, MULTI_SELECT})

# The same deletion syntax quizzes.validation publishes ({{c1::answer}} or {{c1::answer::hint}}).
# Repeated here so this module stays importable without Django; a test keeps the two identical.
CLOZE_DELETION = re.compile(
    r"\{\{c(?P<number>[1-9][0-9]*)::(?P<answer>[^{}\n]*?)(?:::(?P<hint>[^{}\n]*))?\}\}"
)

# A key more than this many times longer than the longest distractor is a length cue (test-wise
# learners pick the longest, most qualified option). 1.5 is the ratio item reviewers commonly flag;
# the absolute margin keeps very short options ("CT" / "MRI") from tripping it.
LENGTH_CUE_RATIO = 1.5
LENGTH_CUE_MIN_MARGIN = 12
# Option forms: up to 3 words reads as a term; 8 words or more, or a full stop, reads as a sentence.
TERM_MAX_WORDS = 3
SENTENCE_MIN_WORDS = 8
# A cloze sentence needs this many words besides its deletions to name its subject and context.
CLOZE_MIN_CONTEXT_WORDS = 6
# Multiple-select needs enough options that each one is a real decision.
MULTI_SELECT_MIN_OPTIONS = 4


@dataclass(frozen=True)
class ItemProblem:
    """One item-writing fault: a stable short code and a sentence for the instructor."""

    code: str
    message: str


# --- words ---------------------------------------------------------------------------------------
# Words that carry no fact of their own: a cloze deletion made only of these tests nothing.
_STOP_WORDS_TEXT = (
    "a an the of in on at to for from by with and or but nor as is are was were be been being "
    "it its this that these those which who whom what when where why how than then so such "
    "into onto over under up down out off not no do does did has have had can could may might "
    "will would shall should must very more most less least also too just their there they "
    "them he she his her you your we our i me my us any some each whose about after before "
    "during until while within without between because through"
)
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
# Absolute terms: options that carry them are usually wrong, so they cue test-wise learners.
# "only" joined by a hyphen ("bone-only") is a compound adjective, not an absolute.
ABSOLUTE_RE = re.compile(
    r"(?<![\w-])(?:always|never|only|all|none|nothing|every|everyone|everything|completely|"
    r"entirely|totally|absolutely|invariably|solely|exclusively|impossible|guaranteed)"
    r"(?![\w-])",
    re.IGNORECASE,
)
NEGATION_RE = re.compile(
    r"(?<![\w-])(?:not|no|never|none|nothing|neither|nor|cannot)(?![\w-])|n['\u2019]t\b",
    re.IGNORECASE,
)
# Phrases that tie a stem to a text the learner may not have in front of them.
SOURCE_REFERENCE_RE = re.compile(
    r"\baccording to (?:the|this|our) (?:article|text|passage|lesson|page|reading|author|section)"
    r"|\b(?:the|this) (?:article|text|passage|lesson|page|section)(?:'s)? (?:says?|said|states?|"
    r"stated|lists?|listed|mentions?|mentioned|describes?|described|names?|named|gives?|"
    r"stress(?:es)?|recommends?|class(?:es)?|defines?|explains?|associates?|table)\b"
    r"|\bas (?:stated|mentioned|described|discussed|noted|shown) (?:above|below|earlier|before)"
    r"|\bin (?:this|the) (?:article|text|passage|section)\b"
    r"|\bquoted in the (?:article|text)",
    re.IGNORECASE,
)
# Catch-all options: "all/none/both of the above", "Neither: ...", "All of these".
CATCH_ALL_RE = re.compile(
    r"^(?:(?:all|none|both|neither|any) of (?:the )?(?:above|below|these|those|them|options|"
    r"answers|choices)\b|neither\b|both\s+[a-d]\s+and\s+[a-d]\b|[a-d]\s+and\s+[a-d]\b)",
    re.IGNORECASE,
)
IMPERATIVE_RE = re.compile(
    r"^(?:name|list|state|give|describe|explain|define|outline|identify)\b", re.IGNORECASE
)
# Two questions joined into one stem: "What is X, and how does Y?"
JOINED_QUESTIONS_RE = re.compile(
    r",?\s+(?:and|or)\s+(?:how|what|why|which|when|where|who)\b[^?]*\?", re.IGNORECASE
)
TRAILING_INSTRUCTION_RE = re.compile(r"\s*\([^()]*\)\s*$")
BLANK_RE = re.compile(r"_{3,}|\.\.\.|\u2026")
# A critical flag belongs on an emergency, not on a term: "What is a pathological fracture?"
DEFINITION_STEM_RE = re.compile(
    r"^\s*what\s+(?:is|are)\s+(?:a|an|the\s+)?\s*[\w'-]+(?:\s+[\w'-]+){0,3}\s*\?\s*$",
    re.IGNORECASE,
)
DEFINITION_CLOZE_RE = re.compile(
    r"\b(?:called|termed|known as|defined as|is named)\s+(?:a|an|the)?\s*\{\{c\d+::", re.IGNORECASE
)
STEM_ARTICLE_END_RE = re.compile(r"(?<![\w-])(?:a|an)\s*(?:_{3,}|:)?\s*$", re.IGNORECASE)


def _plain(text: str) -> str:
    """Lower case, no accents, no Markdown emphasis or punctuation, single spaces."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s]", " ", text.lower())
    return " ".join(text.split())


def _words(text: str) -> list[str]:
    return _plain(text).split()


def _stem(word: str) -> str:
    """A crude singular, enough to see that "lesion" and "lesions" are the same option word."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _content_words(text: str) -> set[str]:
    return {_stem(word) for word in _words(text) if word not in STOP_WORDS and len(word) >= 4}


def _option_signature(text: str) -> tuple[str, ...]:
    """Order-free content of an option, so "Lesions, osteolytic" equals "osteolytic lesion"."""
    return tuple(sorted(_stem(word) for word in _words(text) if word not in {"a", "an", "the"}))


def _problem(code: str, message: str) -> list[ItemProblem]:
    return [ItemProblem(code=code, message=message)]


def _stem_text(front: str) -> str:
    """The stem without a trailing instruction such as "(Select all that apply.)"."""
    return TRAILING_INSTRUCTION_RE.sub("", (front or "").strip()).strip()


# --- the stem ------------------------------------------------------------------------------------
def stem_stands_alone(front: str) -> list[ItemProblem]:
    """The stem must make sense without the article: no "according to the article"."""
    match = SOURCE_REFERENCE_RE.search(front or "")
    if not match:
        return []
    return _problem(
        "stem-refers-to-source",
        f"The question says “{match.group(0)}”: write it so it stands alone, as a fact a "
        "clinician would recognise without the article in front of them.",
    )


def stem_asks_one_question(front: str) -> list[ItemProblem]:
    """One idea per card: one question mark, and no "…, and how/why …?" second question."""
    stem = _stem_text(front)
    if stem.count("?") > 1:
        return _problem(
            "two-questions",
            "The question asks more than one thing (it has more than one “?”): split it into "
            "cards that each test one fact.",
        )
    if JOINED_QUESTIONS_RE.search(stem):
        return _problem(
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
    stem = _stem_text(front)
    if kind in OPTION_KINDS:
        if stem.endswith(("?", ":")) or BLANK_RE.search(stem):
            return []
        return _problem(
            "stem-not-a-question",
            "The question should be a complete question (ending in “?”) or a statement to "
            "complete (ending in “:” or with a blank), so it can be answered without the options.",
        )
    if kind == BASIC and not (stem.endswith("?") or IMPERATIVE_RE.match(stem)):
        return _problem(
            "stem-not-a-question",
            "The front of a basic card should ask a question (ending in “?”) or give an "
            "instruction such as “Name three …”.",
        )
    return []


def stem_does_not_end_with_article(kind: str, front: str) -> list[ItemProblem]:
    """A stem ending in "a"/"an" tells the learner whether the key starts with a vowel."""
    if kind not in OPTION_KINDS or not STEM_ARTICLE_END_RE.search(_stem_text(front)):
        return []
    return _problem(
        "stem-ends-with-article",
        "The question ends with “a” or “an”, which hints at the answer's first letter: move the "
        "article into the options.",
    )


# --- the options ---------------------------------------------------------------------------------
def options_refer_to_source(choices: Sequence[tuple[str, bool]]) -> list[ItemProblem]:
    for text, _ in choices:
        match = SOURCE_REFERENCE_RE.search(text) or re.search(
            r"\bthe (?:article|text|passage)\b", text, re.IGNORECASE
        )
        if match:
            return _problem(
                "option-refers-to-source",
                f"The option “{text}” talks about the article: options should be facts, not "
                "statements about what a text says.",
            )
    return []


def no_catch_all_options(choices: Sequence[tuple[str, bool]]) -> list[ItemProblem]:
    """No "all of the above", "none of the above", "both", "neither" fillers."""
    for text, _ in choices:
        if CATCH_ALL_RE.match(text.strip()):
            return _problem(
                "catch-all-option",
                f"The option “{text}” is a catch-all (all/none/both/neither of the above): "
                "replace it with a plausible answer of the same kind as the others.",
            )
    return []


def no_duplicate_options(choices: Sequence[tuple[str, bool]]) -> list[ItemProblem]:
    """Options that read the same once case, punctuation, articles and plurals are ignored."""
    seen: dict[tuple[str, ...], str] = {}
    for text, _ in choices:
        signature = _option_signature(text)
        if signature in seen:
            same = _plain(seen[signature]) == _plain(text)
            return _problem(
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
        return _problem(
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
        return _problem(
            "length-cue",
            f"The right answer is much longer ({shortest_right} characters) than every wrong "
            f"option (at most {longest_wrong}): make the options similar in length and detail.",
        )
    return []


def _option_form(text: str) -> str:
    words = len(_words(text))
    if text.strip().endswith((".", "!", "?")) or words >= SENTENCE_MIN_WORDS:
        return "sentence"
    return "term" if words <= TERM_MAX_WORDS else "phrase"


def options_are_homogeneous(kind: str, choices: Sequence[tuple[str, bool]]) -> list[ItemProblem]:
    """Options of one form: all terms, or all phrases/sentences, never a sentence among words."""
    if kind not in OPTION_KINDS:
        return []
    forms = {_option_form(text) for text, _ in choices}
    if {"term", "sentence"} <= forms:
        return _problem(
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
    in_wrong = set().union(*(_content_words(text) for text in wrong))
    echoed = (_content_words(right[0]) & _content_words(_stem_text(front))) - in_wrong
    if echoed:
        word = sorted(echoed)[0]
        return _problem(
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
        return _problem(
            "multi-select-too-few-options",
            f"A multiple-select question needs at least {MULTI_SELECT_MIN_OPTIONS} options, "
            f"each to be judged true or false on its own; this one has {len(choices)}.",
        )
    if all(correct for _, correct in choices):
        return _problem(
            "multi-select-all-correct",
            "Every option is correct: add plausible wrong options, so each box is a decision.",
        )
    return []


# --- true/false ----------------------------------------------------------------------------------
def true_false_is_one_statement(front: str) -> list[ItemProblem]:
    """One plain proposition: a statement (not a question), no double negative, no absolutes."""
    stem = (front or "").strip()
    problems: list[ItemProblem] = []
    if stem.endswith("?"):
        problems += _problem(
            "true-false-question",
            "A true/false card states something to judge: write a statement, not a question.",
        )
    if len(NEGATION_RE.findall(stem)) >= 2:
        problems += _problem(
            "double-negative",
            "The statement has two negatives (for example “not … not”): say it positively.",
        )
    match = ABSOLUTE_RE.search(stem)
    if match:
        problems += _problem(
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
    trivial = [answer for answer in deletions if all(w in STOP_WORDS for w in _words(answer))]
    if trivial:
        problems += _problem(
            "cloze-trivial-deletion",
            f"The deletion “{trivial[0]}” is a small word anyone can guess: delete the key fact "
            "of the sentence instead.",
        )
    context = CLOZE_DELETION.sub(" ", front)
    if len(_words(context)) < CLOZE_MIN_CONTEXT_WORDS:
        problems += _problem(
            "cloze-too-short",
            f"The sentence has fewer than {CLOZE_MIN_CONTEXT_WORDS} words besides the deletion: "
            "name the subject and enough context that only one answer fits.",
        )
    visible = _plain(context)
    shown = [
        a for a in deletions if _plain(a) and re.search(rf"\b{re.escape(_plain(a))}\b", visible)
    ]
    if shown:
        problems += _problem(
            "cloze-answer-visible",
            f"The hidden answer “{shown[0]}” also appears elsewhere in the sentence: the learner "
            "can copy it instead of recalling it.",
        )
    return problems


# --- explanation and the critical flag -----------------------------------------------------------
def has_explanation(explanation: str) -> list[ItemProblem]:
    if (explanation or "").strip():
        return []
    return _problem(
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
        return _problem(
            "critical-definition",
            "This card asks for a definition but is marked critical: keep “critical” for cards "
            "about recognising or acting on an emergency.",
        )
    return []


# --- everything ----------------------------------------------------------------------------------
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

    `choices` are (text, is_correct) pairs, as quizzes.validation takes them. `back` is accepted
    so callers can pass a whole card; no check reads it yet.
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
