"""The vocabulary of the item checks: card kinds, thresholds, patterns and text helpers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

BASIC = "basic"
CLOZE = "cloze"
MCQ = "mcq"
TRUE_FALSE = "true_false"
MULTI_SELECT = "multi_select"
OPTION_KINDS = frozenset({MCQ, MULTI_SELECT})

# The deletion syntax quizzes.content.validation publishes ({{c1::answer}}, {{c1::answer::hint}}).
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


def plain(text: str) -> str:
    """Lower case, no accents, no Markdown emphasis or punctuation, single spaces."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s]", " ", text.lower())
    return " ".join(text.split())


def words_of(text: str) -> list[str]:
    return plain(text).split()


def word_stem(word: str) -> str:
    """A crude singular, enough to see that "lesion" and "lesions" are the same option word."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def content_words(text: str) -> set[str]:
    return {word_stem(word) for word in words_of(text) if word not in STOP_WORDS and len(word) >= 4}


def option_signature(text: str) -> tuple[str, ...]:
    """Order-free content of an option, so "Lesions, osteolytic" equals "osteolytic lesion"."""
    return tuple(
        sorted(word_stem(word) for word in words_of(text) if word not in {"a", "an", "the"})
    )


def problem(code: str, message: str) -> list[ItemProblem]:
    return [ItemProblem(code=code, message=message)]


def stem_text(front: str) -> str:
    """The stem without a trailing instruction such as "(Select all that apply.)"."""
    return TRAILING_INSTRUCTION_RE.sub("", (front or "").strip()).strip()


# --- the stem ------------------------------------------------------------------------------------
