"""Sentences with numbers → cloze cards, only where the sentence names its subject (pure); a
sentence that states an emergency without a number → a true/false card suggested critical.

"Treatment should start within {{24 hours}}" asks "of what?": a sentence that opens with "It" or
"These", or never names what its article or topic is about, gives no card."""

from __future__ import annotations

import re

from quizzes.content.cardgen.draft import (
    CLOZE,
    TRUE_FALSE,
    URGENT_RE,
    CardDraft,
    card_key,
    checked,
)
from quizzes.content.cardgen.wording import names_its_subject
from quizzes.content.parsing.tree import ParsedLesson, ParsedTopic

_NUMBER = r"\d+(?:[.,]\d+)?"
_RANGE = rf"{_NUMBER}(?:\s?(?:-|\u2013|\u2014|to)\s?{_NUMBER})?"
_UNIT = (
    r"(?:\s?%|\s?percent\b|\s?(?:years?|months?|weeks?|days?|hours?|minutes?|"
    r"mg|mcg|kg|g|ml|mL|mmol|cm|mm)(?:/[A-Za-z]{1,3})?\b)"
)
NUMERIC_FACT_RE = re.compile(rf"(?<![\w#.,]){_RANGE}{_UNIT}|(?<![\w#.,]){_NUMBER} in {_NUMBER}\b")
SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+(?=[\"\u201c(]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    return [sentence.strip() for sentence in SENTENCE_SPLIT_RE.split(text) if sentence.strip()]


def cloze_cards(
    slug: str,
    topic: ParsedTopic,
    lesson: ParsedLesson,
    text: str,
    explanation: str,
    subject: set[str],
) -> list[CardDraft]:
    drafts = []
    for sentence in split_sentences(text):
        if not names_its_subject(sentence, subject):
            continue
        if URGENT_RE.search(sentence) and not NUMERIC_FACT_RE.search(sentence):
            drafts.append(_urgent_card(slug, topic, lesson, sentence, explanation))
        for match in NUMERIC_FACT_RE.finditer(sentence):
            answer = match.group(0)
            start, end = match.span()
            blanked = f"{sentence[:start]}\x00{sentence[end:]}"
            draft = CardDraft(
                key=card_key(slug, "num", blanked),
                topic_key=topic.key,
                lesson_key=lesson.key,
                kind=CLOZE,
                front=f"{sentence[:start]}{{{{c1::{answer}}}}}{sentence[end:]}",
                back=answer,
                explanation=explanation,
                source_excerpt=sentence,
                accepted_answers=_answer_variants(answer),
                tags=("generated", "numbers"),
            )
            drafts.append(checked(draft, urgent_text=sentence))
    return drafts


def _urgent_card(
    slug: str, topic: ParsedTopic, lesson: ParsedLesson, sentence: str, explanation: str
) -> CardDraft:
    """An emergency the passage states without a number: a true/false card to recognise it."""
    draft = CardDraft(
        key=card_key(slug, "urgent", sentence),
        topic_key=topic.key,
        lesson_key=lesson.key,
        kind=TRUE_FALSE,
        front=sentence.rstrip(":;,"),
        back="True",
        explanation=explanation,
        source_excerpt=sentence,
        choices=(("True", True), ("False", False)),
        tags=("generated", "urgent"),
    )
    return checked(draft, urgent_text=sentence)


def _answer_variants(answer: str) -> tuple[str, ...]:
    variants = [answer]
    for old, new in (("\u2013", "-"), ("-", "\u2013"), ("-", " to "), ("%", " percent")):
        variant = answer.replace(old, new)
        if variant not in variants:
            variants.append(variant)
    return tuple(variants)
