"""Checking a learner's answer to a choice or cloze card, and showing cloze gaps. Pure: no database.

A cloze deletion is written `{{c1::answer}}` or `{{c1::answer::hint}}`. The front shows `[...]` (or
`[hint]`) in its place; the back shows the whole sentence with the answer highlighted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from quizzes.markdown import render_markdown

CLOZE = re.compile(r"\{\{c\d+::(?P<answer>.*?)(?:::(?P<hint>.*?))?\}\}", re.DOTALL)
# Letters Markdown leaves alone and authors never type, so a gap survives rendering untouched.
_GAP_MARK = "BONELEARNGAP{}X"


@dataclass(frozen=True)
class Deletion:
    answer: str
    hint: str


def cloze_deletions(front: str) -> list[Deletion]:
    return [
        Deletion(answer=m.group("answer").strip(), hint=(m.group("hint") or "").strip())
        for m in CLOZE.finditer(front or "")
    ]


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


def cloze_html(front: str, *, reveal: bool) -> SafeString:
    """The cloze sentence as safe HTML: gaps shown as [...]/[hint], or filled and highlighted."""
    deletions = cloze_deletions(front)
    counter = iter(range(len(deletions)))
    marked = CLOZE.sub(lambda _m: _GAP_MARK.format(next(counter)), front or "")
    html = str(render_markdown(marked))
    for index, deletion in enumerate(deletions):
        if reveal:
            gap = f'<mark class="cloze-answer">{escape(deletion.answer)}</mark>'
        else:
            label = f"[{escape(deletion.hint)}]" if deletion.hint else "[...]"
            gap = f'<span class="cloze-gap">{label}</span>'
        html = html.replace(_GAP_MARK.format(index), gap)
    return mark_safe(html)  # noqa: S308 - authored text went through the sanitiser; gaps are escaped
