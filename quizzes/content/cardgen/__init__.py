"""Parsed article → draft cards (pure; no Django).

Every card's answer is copied from the article, never composed: table cells, FAQ answers, list
items and the numbers in sentences. Four generators:

- tables (cardgen.tables): each row × each answer column → a stem naming the row and the column
  ("What is the common lesion type for prostate cancer?"); single best answer with the other
  rows' values of that column as distractors when they make good options, else a basic card.
  Continuation rows are merged into the row above; notes/comments columns are never asked;
- FAQ pairs → basic cards, linked to the lesson whose words best match the question and answer;
  a question that does not name the article's subject is prefixed with it;
- lists (cardgen.lists): "Term: definition" items → one card per term; other lists → one card
  asking for the list, named by the lead-in (with or without ":") or the heading;
- sentences with numeric facts (cardgen.numbers) → one cloze card per number, only when the
  sentence names its subject.

Each draft is then checked (cardgen.draft.checked): passages that say emergency, urgent or
immediately make it suggested critical, and a draft that fails the mechanical item checks
(quizzes.content.itemcheck) is marked "needs edit" with the reasons, so bulk publishing skips it.

Card keys are ``<article slug>-<generator>-<hash>``; the hash covers what identifies the fact, not
its answer (table header + row label + column; FAQ question; list lead-in; term; the sentence with
its number blanked), so editing an answer in the article updates the same card.
"""

from __future__ import annotations

from quizzes.content.cardgen.draft import (
    BASIC,
    CLOZE,
    MCQ,
    CardDraft,
    card_key,
    checked,
)
from quizzes.content.cardgen.lists import list_cards
from quizzes.content.cardgen.numbers import NUMERIC_FACT_RE, cloze_cards, split_sentences
from quizzes.content.cardgen.tables import table_cards
from quizzes.content.cardgen.wording import STOPWORDS, standalone, subject_words, words
from quizzes.content.parsing.tree import (
    BulletList,
    Paragraph,
    ParsedArticle,
    ParsedLesson,
    ParsedTopic,
    Quote,
    Table,
)

__all__ = [
    "BASIC",
    "CLOZE",
    "MCQ",
    "NUMERIC_FACT_RE",
    "STOPWORDS",
    "CardDraft",
    "best_lesson",
    "card_key",
    "generate_cards",
    "split_sentences",
]


def generate_cards(article: ParsedArticle) -> list[CardDraft]:
    """All generated drafts of an article, in reading order, with unique keys."""
    drafts: list[CardDraft] = []
    for topic in article.topics:
        subject = subject_words(article, topic)
        for lesson in topic.lessons:
            drafts += _lesson_cards(article, topic, lesson, subject)
    drafts += _faq_cards(article)
    return _unique_keys(drafts)


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


def _lesson_cards(
    article: ParsedArticle, topic: ParsedTopic, lesson: ParsedLesson, subject: set[str]
) -> list[CardDraft]:
    slug = article.slug
    drafts: list[CardDraft] = []
    previous = None
    for block in lesson.blocks:
        if isinstance(block, Table):
            context = (subject, article.title)
            drafts += table_cards(slug, topic, lesson, block, context=context)
        elif isinstance(block, BulletList):
            lead_in = previous.text if isinstance(previous, Paragraph) else None
            drafts += list_cards(slug, topic, lesson, block, lead_in)
            for item, line in zip(block.items, block.lines, strict=True):
                drafts += cloze_cards(slug, topic, lesson, item, line.strip(), subject)
        elif isinstance(block, Paragraph | Quote):
            drafts += cloze_cards(slug, topic, lesson, block.text, block.text, subject)
        previous = block
    return drafts


# --- FAQ ----------------------------------------------------------------------------------------
def best_lesson(
    article: ParsedArticle, question: str, answer: str = ""
) -> tuple[ParsedTopic, ParsedLesson] | None:
    """The lesson that answers a question: its heading and text share most words with it.

    The heading counts as a Dice coefficient, so a short heading that says just what the question
    asks beats a long one that merely contains its words; the text adds the share of the
    answer's words it holds (they say where the answer is) and half the share of the question's.
    """
    # The article's own subject is in every lesson: it cannot say which lesson answers.
    asked = words(question) - words(article.title) or words(question)
    answered = words(answer) - asked - words(article.title)
    if not asked:
        return None
    best, best_score = None, 0.0
    for topic in article.topics:
        for lesson in topic.lessons:
            heading = words(lesson.title)
            text = words(lesson.source)
            title_score = 2 * len(asked & heading) / (len(asked) + len(heading))
            score = title_score + len(asked & text) / len(asked) / (2 if answered else 1)
            if answered:
                score += len(answered & text) / len(answered)
            if score > best_score:
                best, best_score = (topic, lesson), score
    return best


def _fallback_lesson(article: ParsedArticle) -> tuple[ParsedTopic, ParsedLesson | None]:
    topics = [topic for topic in article.topics if topic.kind == "overview"] or article.topics
    topic = topics[0]
    return topic, (topic.lessons[0] if topic.lessons else None)


def _faq_cards(article: ParsedArticle) -> list[CardDraft]:
    drafts = []
    subject = words(article.title)
    for entry in article.faq:
        topic, lesson = best_lesson(article, entry.question, entry.answer) or _fallback_lesson(
            article
        )
        # "Who has a low risk of complications?" needs the condition it is asked about.
        front = standalone(entry.question, subject, article.title)
        draft = CardDraft(
            key=card_key(article.slug, "faq", entry.question),
            topic_key=topic.key,
            lesson_key=lesson.key if lesson else None,
            kind=BASIC,
            front=front,
            back=entry.answer,
            explanation=entry.answer,
            source_excerpt=entry.source,
            tags=("generated", "faq"),
        )
        drafts.append(checked(draft, urgent_text=f"{entry.question} {entry.answer}"))
    return drafts
