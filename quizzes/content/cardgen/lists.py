"""Lists → cards (pure; no Django): a "Term: definition" list gives one card per term; any other
list gives one card asking for the whole list, named by its lead-in ("Risk factors include:",
with or without the colon) or by a heading that names what it lists ("Warning Signs")."""

from __future__ import annotations

import re

from quizzes.content.cardgen.draft import BASIC, CardDraft, card_key, checked
from quizzes.content.cardgen.wording import list_prompt, term_context
from quizzes.content.parsing.checks import unemphasised
from quizzes.content.parsing.tree import BulletList, ParsedLesson, ParsedTopic, list_to_markdown

# "Term: definition", "**Term:** definition" and "**Term**: definition".
TERM_RE = re.compile(r"^\*{0,2}([^:*]{1,60}?)\*{0,2}:\*{0,2}\s+(\S.*)$")
MIN_LIST_ITEMS = 2


def list_cards(
    slug: str, topic: ParsedTopic, lesson: ParsedLesson, block: BulletList, lead_in: str | None
) -> list[CardDraft]:
    terms = [TERM_RE.match(item.strip()) for item in block.items]
    if all(terms) and all(len(match.group(1).split()) <= 6 for match in terms):
        return _term_cards(slug, topic, lesson, block, lead_in, terms)
    if len(block.items) < MIN_LIST_ITEMS:
        return []
    prompt = list_prompt(lead_in, lesson, len(block.items), ordered=block.ordered)
    if prompt is None:
        return []
    lead = unemphasised(lead_in) if lead_in else ""
    list_source = "\n".join(line.strip() for line in block.lines)
    markdown = list_to_markdown(block.items, ordered=block.ordered)
    source = f"{lead_in}\n{list_source}" if lead_in else list_source
    draft = CardDraft(
        key=card_key(slug, "list", lead or lesson.title),
        topic_key=topic.key,
        lesson_key=lesson.key,
        kind=BASIC,
        front=prompt,
        back=markdown,
        explanation=f"{lead_in}\n\n{markdown}" if lead_in else markdown,
        source_excerpt=source,
        tags=("generated", "list"),
    )
    return [checked(draft, urgent_text=f"{lead} {lesson.title}")]


def _term_cards(
    slug: str,
    topic: ParsedTopic,
    lesson: ParsedLesson,
    block: BulletList,
    lead_in: str | None,
    terms: list,
) -> list[CardDraft]:
    context = term_context(lead_in, lesson)
    drafts = []
    for match, item, line in zip(terms, block.items, block.lines, strict=True):
        term = match.group(1).strip()
        draft = CardDraft(
            key=card_key(slug, "term", term),
            topic_key=topic.key,
            lesson_key=lesson.key,
            kind=BASIC,
            front=f"Describe **{term}** ({context}).",
            back=match.group(2).strip(),
            explanation=f"{lead_in}\n\n- {item}" if lead_in else f"- {item}",
            source_excerpt=line.strip(),
            tags=("generated", "list"),
        )
        drafts.append(checked(draft, urgent_text=item))
    return drafts
