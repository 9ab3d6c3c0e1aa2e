"""Words for stems that stand alone: a heading as a phrase, what an article is about, whether a
sentence names its subject, and a list's lead-in as an instruction (pure; no Django)."""

from __future__ import annotations

import re

from quizzes.content.parsing.checks import unemphasised
from quizzes.content.parsing.tree import ParsedArticle, ParsedLesson, ParsedTopic

WORD_RE = re.compile(r"[a-z0-9]+")
_STOPWORDS_TEXT = """
a about after all also an and any are as at be been being but by can could do does for from had has
have how if in into is it its it's may might more most my not of on or our should so such than that
the their them there these they this those to was we were what when where which while who why will
with would you your
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
# Heading words that name no subject: "Treating X" is about X, "Warning Signs" about nothing yet.
_GENERIC_TEXT = """
about ahead answers ask assessing basics brief care causes choices closing common conclusion
diagnosis diagnosing facts first happens introduction key know living looking main management
more next options overview people prevention questions recognising recognizing risk risks signs
steps summary symptoms things treating treatment treatments types understanding warning what why
patients most many some people trials studies research doctors usually often
"""
GENERIC = frozenset(_GENERIC_TEXT.split())
GENERIC_STEMS = frozenset(word.removesuffix("s")[:6] for word in GENERIC)
# A sentence opening with one of these leaves its subject to the paragraph around it.
_VAGUE_TEXT = """
treatment treatments therapy patients patient people most many some several few trials studies
research doctors symptoms signs pain it about around nearly approximately almost up over under
in at after before within during for with when if once while this these those the a an each every
all both one two three usually often typically around between prevention
give take keep check call start stop reassess prescribe avoid use ask tell phone repeat measure
monitor
"""
VAGUE_OPENERS = frozenset(_VAGUE_TEXT.split())
ANAPHORA = frozenset(
    [
        "it",
        "this",
        "these",
        "they",
        "that",
        "those",
        "such",
        "its",
        "their",
        "he",
        "she",
        "there",
        "both",
    ]
)
LEAD_IN_RE = re.compile(
    r"^(?:(?:some|the)\s+)*(?P<subject>.+?)\s+"
    r"(?P<verb>include|includes|including|can include|may include|are|is|such as|"
    r"are as follows|involves?|consists? of)$",
    re.IGNORECASE,
)
_VERBS_TEXT = """
is are was were be has have had can may might should must will would need needs include includes
lead leads cause causes make makes help helps show shows
"""
VERBS = frozenset(_VERBS_TEXT.split())
CLAUSE_RE = re.compile(r"\b(?:when|if|that|which|who|because|while|until|unless)\b", re.I)
PLURAL_RE = re.compile(r"[a-z]{3,}(?<!s)(?<!u)(?<!i)s$")


def words(text: str) -> set[str]:
    """Content words with a crude stem: "diagnosed", "diagnostic" and "diagnosis" meet."""
    found = set()
    for word in WORD_RE.findall(text.lower()):
        if word in STOPWORDS or len(word) < 3:
            continue
        found.add(word.removesuffix("s")[:6])
    return found


def phrase(text: str) -> str:
    """A title-cased heading as a phrase inside a sentence: "Common Lesion Type" → "common lesion
    type"; acronyms and mixed words ("MRI", "T-score") stay as written."""
    return " ".join(
        word.lower() if word.isalpha() and word[:1].isupper() and word[1:].islower() else word
        for word in unemphasised(text).split()
    )


def subject_words(article: ParsedArticle, topic: ParsedTopic) -> set[str]:
    """What the article and the topic are about, without words every heading uses."""
    return {w for w in words(f"{article.title} {topic.title}") if w not in GENERIC_STEMS}


def names_its_subject(sentence: str, subject: set[str]) -> bool:
    """True when a sentence makes sense on a card of its own: it does not open with "It" or
    "These", and it either names what the article or topic is about or opens with a subject of
    its own ("Weight-bearing exercise …", not "Treatment …" or "Most patients …")."""
    first = WORD_RE.findall(sentence.lower()[:40])
    if not first or first[0] in ANAPHORA:
        return False
    return bool(words(sentence) & subject) or first[0] not in VAGUE_OPENERS


def is_plural_phrase(text: str) -> bool:
    return any(PLURAL_RE.search(word) for word in phrase(text).lower().split())


def list_prompt(
    lead_in: str | None, lesson: ParsedLesson, count: int, *, ordered: bool = False
) -> str | None:
    """The instruction of a card that asks for a whole list, or None when nothing names it."""
    lead = unemphasised(lead_in or "").strip()
    if lead.endswith(".") and ordered:
        return f"Name the {count} steps, in order: {lead}"
    lead = lead.rstrip(" :").strip()
    if lead:
        sentences = re.split(r"(?<=[.!?])\s+", lead)
        last_sentence = sentences[-1]
        match = LEAD_IN_RE.match(last_sentence)
        if match and _names_a_list(match.group("subject")):
            subject = phrase(match.group("subject"))
            if match.group("verb").lower().startswith("involve"):
                return f"List what {subject} involves ({count})."
            return f"List the {subject} ({count})."
        if _is_noun_phrase(last_sentence):
            return f"List the {phrase(last_sentence)} ({count})."
        if len(sentences) > 1 and (_opens_with_anaphora(last_sentence) or len(lead) < 40):
            last_sentence = " ".join(sentences[-2:])
        ending = "" if last_sentence.endswith((".", "?", "!")) else " …"
        return f"Name all {count}: {last_sentence}{ending}"
    if is_plural_phrase(lesson.title) and not lesson.is_intro:
        return f"List the {phrase(lesson.title)} ({count})."
    return None


def _opens_with_anaphora(text: str) -> bool:
    first = WORD_RE.findall(text.lower()[:30])
    return not first or first[0] in ANAPHORA or first[:2] == ["for", "example"]


def _is_noun_phrase(text: str) -> bool:
    """ "Characteristics of Osteolytic Lesions" names a list; "Each mechanism leads to" does not."""
    found = WORD_RE.findall(text.lower())
    return (
        0 < len(found) <= 8
        and not (set(found) & VERBS)
        and found[-1] not in STOPWORDS
        and not _opens_with_anaphora(text)
    )


def standalone(stem: str, subject: set[str], title: str) -> str:
    """A stem that never names what the article is about gets it in front: "In febrile
    neutropenia, who has a low risk of complications?"."""
    if not subject or words(stem) & subject or not stem.endswith("?"):
        return stem
    first = stem[:1].lower() if stem[1:2].islower() else stem[:1]
    return f"In {phrase(title)}, {first}{stem[1:]}"


def _names_a_list(subject: str) -> bool:
    """ "Risk factors you can change" names a list; "back pain … when it" is half a clause."""
    first = subject.split()[0].lower()
    return first not in ANAPHORA and not CLAUSE_RE.search(subject)


def term_context(lead_in: str | None, lesson: ParsedLesson) -> str:
    """What a "Term: definition" list is about, short enough for a stem."""
    lead = unemphasised(lead_in or "").rstrip(" :").strip()
    match = LEAD_IN_RE.match(lead) if lead else None
    if match and len(match.group("subject").split()) <= 8 and _names_a_list(match.group("subject")):
        return phrase(match.group("subject"))
    if lead and len(lead.split()) <= 6:
        return phrase(lead)
    return phrase(lesson.title)
