"""Parsed article → draft cards (pure; no Django).

Every card's answer is copied from the article, never composed: table cells, FAQ answers, list
items and the numbers in sentences. Four generators:

- tables: each row × each non-label column → "<column header> for <row label>?"; single best
  answer with the other rows' distinct values of that column as distractors, or a basic card when
  fewer than two distinct distractors exist;
- FAQ pairs → basic cards, linked to the lesson whose words best overlap the question;
- bullet lists: "Term: definition" items → one basic card per term; other lists introduced by a
  lead-in line ending in ":" → one basic card, lead-in → the items;
- sentences with numeric facts (percentages, durations, ranges such as "2-3 years") → one cloze
  card per number.

Card keys are ``<article slug>-<generator>-<hash>``; the hash covers what identifies the fact, not
its answer (table header + row label + column; FAQ question; list lead-in; term; the sentence with
its number blanked), so editing an answer in the article updates the same card.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from quizzes.content.parsing.tree import (
    BulletList,
    Paragraph,
    ParsedArticle,
    ParsedLesson,
    ParsedTopic,
    Quote,
    Table,
    list_to_markdown,
    table_to_markdown,
)

BASIC = "basic"
CLOZE = "cloze"
MCQ = "mcq"
MAX_DISTRACTORS = 3
MAX_CHOICE_LENGTH = 500  # Choice.text's limit; longer cells make a basic card instead

_NUMBER = r"\d+(?:[.,]\d+)?"
_RANGE = rf"{_NUMBER}(?:\s?(?:-|\u2013|\u2014|to)\s?{_NUMBER})?"
_UNIT = (
    r"(?:\s?%|\s?percent\b|\s?(?:years?|months?|weeks?|days?|hours?|minutes?|"
    r"mg|mcg|kg|g|ml|mL|mmol|cm|mm)\b)"
)
NUMERIC_FACT_RE = re.compile(rf"(?<![\w#.,]){_RANGE}{_UNIT}|(?<![\w#.,]){_NUMBER} in {_NUMBER}\b")
SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+(?=[\"\u201c(]?[A-Z0-9])")
TERM_RE = re.compile(r"^([^:]{1,60}?):\s+(\S.*)$")
WORD_RE = re.compile(r"[a-z0-9]+")
_STOPWORDS_TEXT = """
a about after all also an and any are as at be been being but by can could do does for from had has
have how if in into is it its it's may might more most my not of on or our should so such than that
the their them there these they this those to was we were what when where which while who why will
with would you your
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


@dataclass(frozen=True)
class CardDraft:
    key: str
    topic_key: str
    lesson_key: str | None
    kind: str
    front: str
    back: str
    explanation: str
    source_excerpt: str
    choices: tuple[tuple[str, bool], ...] = ()
    accepted_answers: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    critical: bool = False
    clinical_note: str = ""
    note_reference: str = ""


def generate_cards(article: ParsedArticle) -> list[CardDraft]:
    """All generated drafts of an article, in reading order, with unique keys."""
    drafts: list[CardDraft] = []
    for topic in article.topics:
        for lesson in topic.lessons:
            drafts += _lesson_cards(article.slug, topic, lesson)
    drafts += _faq_cards(article)
    return _unique_keys(drafts)


def card_key(article_slug: str, generator: str, *identity: str) -> str:
    digest = hashlib.sha256("\x1f".join((article_slug, generator, *identity)).encode()).hexdigest()
    return f"{article_slug[:60]}-{generator}-{digest[:16]}"


def _unique_keys(drafts: list[CardDraft]) -> list[CardDraft]:
    # Two identical facts in one article (same table row twice, say) get -2, -3 in reading order.
    seen: dict[str, int] = {}
    result = []
    for draft in drafts:
        count = seen.get(draft.key, 0) + 1
        seen[draft.key] = count
        if count > 1:
            draft = CardDraft(**{**draft.__dict__, "key": f"{draft.key}-{count}"})
        result.append(draft)
    return result


def _lesson_cards(slug: str, topic: ParsedTopic, lesson: ParsedLesson) -> list[CardDraft]:
    drafts: list[CardDraft] = []
    previous = None
    for block in lesson.blocks:
        if isinstance(block, Table):
            drafts += _table_cards(slug, topic, lesson, block)
        elif isinstance(block, BulletList):
            lead_in = previous.text if isinstance(previous, Paragraph) else None
            if lead_in is not None and not lead_in.endswith(":"):
                lead_in = None
            drafts += _list_cards(slug, topic, lesson, block, lead_in)
            for item, line in zip(block.items, block.lines, strict=True):
                drafts += _cloze_cards(slug, topic, lesson, item, line.strip())
        elif isinstance(block, Paragraph | Quote):
            drafts += _cloze_cards(slug, topic, lesson, block.text, block.text)
        previous = block
    return drafts


# --- tables -------------------------------------------------------------------------------------
def _table_cards(
    slug: str, topic: ParsedTopic, lesson: ParsedLesson, table: Table
) -> list[CardDraft]:
    drafts = []
    label_header = table.header[0]
    for row, row_line in zip(table.rows, table.row_lines, strict=True):
        label = row[0].strip()
        if not label:
            continue
        explanation = table_to_markdown(table.header, (row,))
        for column in range(1, len(table.header)):
            header, answer = table.header[column].strip(), row[column].strip()
            if not header or not answer:
                continue
            distractors = _distinct_others(answer, [other[column] for other in table.rows])
            key = card_key(slug, "row", " | ".join(table.header), label, header)
            common = {
                "key": key,
                "topic_key": topic.key,
                "lesson_key": lesson.key,
                "front": f"{header} for {label.rstrip('.:')}?",
                "back": answer,
                "explanation": explanation,
                "source_excerpt": row_line.strip(),
                "tags": ("generated", "table", _tag(label_header)),
            }
            fits = all(
                len(text) <= MAX_CHOICE_LENGTH for text in [answer, *distractors[:MAX_DISTRACTORS]]
            )
            if len(distractors) >= 2 and fits:
                choices = [(answer, True)] + [
                    (text, False) for text in distractors[:MAX_DISTRACTORS]
                ]
                drafts.append(CardDraft(kind=MCQ, choices=_stable_order(choices, key), **common))
            else:
                drafts.append(CardDraft(kind=BASIC, **common))
    return drafts


def _distinct_others(answer: str, values: list[str]) -> list[str]:
    seen = {answer.strip().casefold()}
    others = []
    for value in values:
        text = value.strip()
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            others.append(text)
    return others


def _stable_order(choices: list[tuple[str, bool]], key: str) -> tuple[tuple[str, bool], ...]:
    # The right answer must not always come first, and re-imports must not reshuffle.
    return tuple(
        sorted(choices, key=lambda choice: hashlib.sha256((key + choice[0]).encode()).digest())
    )


def _tag(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


# --- lists --------------------------------------------------------------------------------------
def _list_cards(
    slug: str, topic: ParsedTopic, lesson: ParsedLesson, block: BulletList, lead_in: str | None
) -> list[CardDraft]:
    terms = [TERM_RE.match(item) for item in block.items]
    list_source = "\n".join(line.strip() for line in block.lines)
    if all(terms) and all(len(match.group(1).split()) <= 6 for match in terms):
        context = lead_in or f"{lesson.title}:"
        return [
            CardDraft(
                key=card_key(slug, "term", match.group(1).strip()),
                topic_key=topic.key,
                lesson_key=lesson.key,
                kind=BASIC,
                front=f"{context} **{match.group(1).strip()}**",
                back=match.group(2).strip(),
                explanation=f"{lead_in}\n\n- {item}" if lead_in else f"- {item}",
                source_excerpt=line.strip(),
                tags=("generated", "list"),
            )
            for match, item, line in zip(terms, block.items, block.lines, strict=True)
        ]
    if lead_in is None:
        return []
    return [
        CardDraft(
            key=card_key(slug, "list", lead_in),
            topic_key=topic.key,
            lesson_key=lesson.key,
            kind=BASIC,
            front=lead_in,
            back=list_to_markdown(block.items),
            explanation=f"{lead_in}\n\n{list_to_markdown(block.items)}",
            source_excerpt=f"{lead_in}\n{list_source}",
            tags=("generated", "list"),
        )
    ]


# --- numbers ------------------------------------------------------------------------------------
def split_sentences(text: str) -> list[str]:
    return [sentence.strip() for sentence in SENTENCE_SPLIT_RE.split(text) if sentence.strip()]


def _cloze_cards(
    slug: str, topic: ParsedTopic, lesson: ParsedLesson, text: str, explanation: str
) -> list[CardDraft]:
    drafts = []
    for sentence in split_sentences(text):
        for match in NUMERIC_FACT_RE.finditer(sentence):
            answer = match.group(0)
            start, end = match.span()
            blanked = f"{sentence[:start]}\x00{sentence[end:]}"
            drafts.append(
                CardDraft(
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
            )
    return drafts


def _answer_variants(answer: str) -> tuple[str, ...]:
    variants = [answer]
    for old, new in (("\u2013", "-"), ("-", "\u2013"), ("-", " to "), ("%", " percent")):
        variant = answer.replace(old, new)
        if variant not in variants:
            variants.append(variant)
    return tuple(variants)


# --- FAQ ----------------------------------------------------------------------------------------
def _words(text: str) -> set[str]:
    words = set()
    for word in WORD_RE.findall(text.lower()):
        if word in STOPWORDS or len(word) < 3:
            continue
        # A crude stem: "diagnosed", "diagnostic" and "diagnosis" should meet as "diagno".
        words.add(word.removesuffix("s")[:6])
    return words


def best_lesson(article: ParsedArticle, question: str) -> tuple[ParsedTopic, ParsedLesson] | None:
    """The lesson whose heading and text share most words with the question.

    The heading counts as a Dice coefficient, so a short heading that says just what the question
    asks beats a long one that merely contains its words; the text adds the share of asked words.
    """
    asked = _words(question)
    if not asked:
        return None
    best, best_score = None, 0.0
    for topic in article.topics:
        for lesson in topic.lessons:
            heading = _words(lesson.title)
            title_score = 2 * len(asked & heading) / (len(asked) + len(heading))
            score = title_score + len(asked & _words(lesson.source)) / len(asked)
            if score > best_score:
                best, best_score = (topic, lesson), score
    return best


def _fallback_lesson(article: ParsedArticle) -> tuple[ParsedTopic, ParsedLesson | None]:
    topics = [topic for topic in article.topics if topic.kind == "overview"] or article.topics
    topic = topics[0]
    return topic, (topic.lessons[0] if topic.lessons else None)


def _faq_cards(article: ParsedArticle) -> list[CardDraft]:
    drafts = []
    for entry in article.faq:
        topic, lesson = best_lesson(article, entry.question) or _fallback_lesson(article)
        drafts.append(
            CardDraft(
                key=card_key(article.slug, "faq", entry.question),
                topic_key=topic.key,
                lesson_key=lesson.key if lesson else None,
                kind=BASIC,
                front=entry.question,
                back=entry.answer,
                explanation=entry.answer,
                source_excerpt=entry.source,
                tags=("generated", "faq"),
            )
        )
    return drafts
