"""Checking a learner's answer to a choice or cloze card, the grades it allows, and cloze gaps.
Pure: no database.

A cloze deletion is written `{{c1::answer}}` or `{{c1::answer::hint}}` (parsed by
quizzes.validation, the same rules that let a card be published). The front shows `[...]` (or
`[hint]`) in its place; the back shows the whole sentence with the answer highlighted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from quizzes.content.models import CHOICE_KINDS, CardKind
from quizzes.content.validation import CLOZE_DELETION, cloze_deletions
from quizzes.core.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    render_markdown,
)

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
ALL_GRADES = frozenset({AGAIN, HARD, GOOD, EASY})
# A wrong answer is graded Again; a right one Good, which the learner may change to Hard or Easy.
WRONG_GRADES = frozenset({AGAIN})
RIGHT_GRADES = frozenset({HARD, GOOD, EASY})
# A multiple-select answer with some right picks and no wrong one: part of the fact was recalled.
# As an Anki user grades a half-remembered card, Hard (suggested) or Again; never Good or Easy,
# which would schedule an incomplete memory as if it were whole.
PARTLY_GRADES = frozenset({AGAIN, HARD})

# Letters Markdown leaves alone and authors never type, so a gap survives rendering untouched.
_GAP_MARK = "BONELEARNGAP{}X"
_GAP_MARKS = re.compile(r"BONELEARNGAP(\d+)X")
_GAP_TAGS = {"mark": "cloze-answer", "span": "cloze-gap"}


class Verdict(StrEnum):
    """What checking an answer found."""

    RIGHT = "right"
    PARTLY = "partly"  # multiple select: some right choices picked and no wrong one
    WRONG = "wrong"


@dataclass(frozen=True)
class Feedback:
    """What checking an answer tells the learner and which grades they may then give.

    `verdict` is None for a basic card: the learner judges their own recall with any grade.
    """

    verdict: Verdict | None
    suggested: int
    allowed: frozenset[int]

    @property
    def right(self) -> bool | None:
        """True right, False wrong or partly right, None no verdict (a basic card)."""
        return None if self.verdict is None else self.verdict == Verdict.RIGHT


def needs_check(kind: str) -> bool:
    """Choice and cloze cards are answered and checked before they are graded."""
    return kind in CHOICE_KINDS or kind == CardKind.CLOZE


def feedback_for(verdict: Verdict | str | None) -> Feedback:
    """The suggested grade and the grades allowed after a verdict (None: a self-graded card)."""
    if verdict is None:
        return Feedback(verdict=None, suggested=GOOD, allowed=ALL_GRADES)
    verdict = Verdict(verdict)
    if verdict == Verdict.RIGHT:
        return Feedback(verdict=verdict, suggested=GOOD, allowed=RIGHT_GRADES)
    if verdict == Verdict.PARTLY:
        return Feedback(verdict=verdict, suggested=HARD, allowed=PARTLY_GRADES)
    return Feedback(verdict=verdict, suggested=AGAIN, allowed=WRONG_GRADES)


def grade_refusal(*, verdict: Verdict | str | None, rating: int) -> str:
    """Why this grade may not follow this verdict, in the learner's words ('' when it may)."""
    if rating in feedback_for(verdict).allowed:
        return ""
    if verdict == Verdict.RIGHT:
        return "You answered right: grade it Hard, Good or Easy."
    if verdict == Verdict.PARTLY:
        return "You got part of it right: grade it Again or Hard."
    return "You did not answer right, so this card is graded Again."


def answer_verdict(
    *,
    kind: str,
    front: str = "",
    accepted_answers: str = "",
    choices: Sequence[tuple[int, bool]] = (),
    picked: Iterable[int] = (),
    typed: str = "",
) -> Verdict | None:
    """Check an answer to a card of this kind: choices as (id, is correct), or typed cloze text.

    Nothing picked or typed is a wrong answer (the learner gave up); a basic card has no verdict.
    """
    if kind in CHOICE_KINDS:
        return choices_verdict(picked, [pk for pk, correct in choices if correct])
    if kind == CardKind.CLOZE:
        right = cloze_is_right(typed, front=front, accepted_answers=accepted_answers)
        return Verdict.RIGHT if right else Verdict.WRONG
    return None


def answer_feedback(**answer) -> Feedback:
    """The feedback on an answer (the arguments of answer_verdict)."""
    return feedback_for(answer_verdict(**answer))


def normalise(text: str) -> str:
    """Case, spacing and closing punctuation do not make an answer wrong."""
    collapsed = " ".join((text or "").split()).casefold()
    return collapsed.strip(" .;,!")


def cloze_expected(front: str, accepted_answers: str = "") -> list[str]:
    """Every typing that counts as right: the deleted text (gaps in order) or an accepted line."""
    deletions = cloze_deletions(front)
    expected = []
    if deletions:
        expected.append(" ".join(d.answer for d in deletions))
        expected.append(", ".join(d.answer for d in deletions))
    expected.extend(line for line in (accepted_answers or "").splitlines() if line.strip())
    return expected


def cloze_is_right(given: str, *, front: str, accepted_answers: str = "") -> bool:
    wanted = normalise(given)
    if not wanted:
        return False
    return any(wanted == normalise(option) for option in cloze_expected(front, accepted_answers))


def choices_are_right(selected: Iterable[int], correct: Iterable[int]) -> bool:
    """Right only when exactly the correct choices are picked (all of them for multi-select)."""
    picked = set(selected)
    return bool(picked) and picked == set(correct)


def choices_verdict(selected: Iterable[int], correct: Iterable[int]) -> Verdict:
    """Right: exactly the correct choices; partly: some of them and nothing else; else wrong."""
    picked, wanted = set(selected), set(correct)
    if choices_are_right(picked, wanted):
        return Verdict.RIGHT
    if picked and picked < wanted:
        return Verdict.PARTLY
    return Verdict.WRONG


def cloze_html(front: str, *, reveal: bool) -> SafeString:
    """The cloze sentence as safe HTML: gaps shown as [...]/[hint], or filled and highlighted.

    The gaps are marked before the one Markdown renderer runs. A mark inside an attribute (a gap
    in a link's address) becomes plain text there; only marks in text become elements, and the
    result is sanitised once more, so a gap can never break the markup around it.
    """
    gaps: list[tuple[str, str]] = []

    def mark(match: re.Match) -> str:
        if not match["answer"].strip():
            return match[0]
        gaps.append((match["answer"].strip(), (match["hint"] or "").strip()))
        return _GAP_MARK.format(len(gaps) - 1)

    marked = CLOZE_DELETION.sub(mark, front or "")

    def gap_text(index: int) -> str:
        answer, hint = gaps[index]
        if reveal:
            return answer
        return f"[{hint}]" if hint else "[...]"

    def in_attribute(_element: str, _attribute: str, value: str) -> str:
        return _GAP_MARKS.sub(lambda m: gap_text(int(m[1])), value)

    html = nh3.clean(
        str(render_markdown(marked)),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=in_attribute,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )

    def gap_element(match: re.Match) -> str:
        tag = "mark" if reveal else "span"
        return f'<{tag} class="{_GAP_TAGS[tag]}">{escape(gap_text(int(match[1])))}</{tag}>'

    filled = _GAP_MARKS.sub(gap_element, html)
    final = nh3.clean(
        filled,
        tags=ALLOWED_TAGS | set(_GAP_TAGS),
        attributes={**ALLOWED_ATTRIBUTES, "mark": {"class"}, "span": {"class"}},
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(final)  # noqa: S308 - sanitised by nh3 after the gaps were filled
