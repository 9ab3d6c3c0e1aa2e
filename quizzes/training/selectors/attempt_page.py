"""Reads for an open attempt: one page of its questions, the question panel (answered, flagged,
current) and the summary before submitting, as Moodle's "Summary of attempt"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from quizzes.training.models import Attempt, AttemptQuestion, FeedbackPolicy
from quizzes.training.selectors.learner import (
    attempt_questions,
    attempts_left,
    open_question_item,
)


def page_count(*, questions: int, per_page: int) -> int:
    """How many pages the attempt's questions fill (0 per page: all on one page)."""
    if per_page <= 0 or questions <= 0:
        return 1
    return -(-questions // per_page)


def page_of(*, position: int, per_page: int) -> int:
    """The page (from 1) that shows the question at `position` (from 1)."""
    if per_page <= 0:
        return 1
    return (position - 1) // per_page + 1


@dataclass(frozen=True)
class PanelEntry:
    position: int
    page: int
    answered: bool
    flagged: bool
    current: bool

    @property
    def label(self) -> str:
        """What a screen reader hears for the panel button."""
        state = "answered" if self.answered else "not answered"
        return f"Question {self.position}, {state}{', flagged' if self.flagged else ''}"


class PanelCounts:
    """How many of the attempt's questions are answered, unanswered and flagged (its panel)."""

    panel: list[PanelEntry]

    @property
    def answered(self) -> int:
        return sum(1 for entry in self.panel if entry.answered)

    @property
    def unanswered(self) -> int:
        return len(self.panel) - self.answered

    @property
    def flagged(self) -> int:
        return sum(1 for entry in self.panel if entry.flagged)


@dataclass
class AttemptPage(PanelCounts):
    attempt: Attempt
    items: list[dict[str, Any]]
    panel: list[PanelEntry]
    page: int
    pages: int

    @property
    def previous_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None

    @property
    def positions(self) -> list[int]:
        return [item["question"].position for item in self.items]


def question_panel(*, attempt: Attempt, page: int | None = None) -> list[PanelEntry]:
    """Every question of the attempt with its state, for the panel (one query)."""
    per_page = attempt.module.questions_per_page
    return [
        PanelEntry(
            position=position,
            page=page_of(position=position, per_page=per_page),
            answered=response is not None,
            flagged=flagged,
            current=page is not None and page_of(position=position, per_page=per_page) == page,
        )
        for position, response, flagged in AttemptQuestion.objects.filter(attempt=attempt)
        .order_by("position")
        .values_list("position", "response", "flagged")
    ]


def attempt_page(*, attempt: Attempt, page: int) -> AttemptPage:
    """One page of the open attempt (pages out of range show the nearest one): its questions as
    the page shows them and the panel (three queries at any size)."""
    panel = question_panel(attempt=attempt)
    per_page = attempt.module.questions_per_page
    pages = page_count(questions=len(panel), per_page=per_page)
    page = min(max(1, page), pages)
    positions = [entry.position for entry in panel if entry.page == page]
    questions = attempt_questions(attempt=attempt, positions=positions)
    return AttemptPage(
        attempt=attempt,
        items=[open_question_item(question, module=attempt.module) for question in questions],
        panel=[
            PanelEntry(
                position=entry.position,
                page=entry.page,
                answered=entry.answered,
                flagged=entry.flagged,
                current=entry.page == page,
            )
            for entry in panel
        ],
        page=page,
        pages=pages,
    )


@dataclass
class AttemptSummary(PanelCounts):
    attempt: Attempt
    panel: list[PanelEntry]
    attempts_left_after: int | None
    ends_at: datetime | None

    @property
    def confirmation(self) -> str:
        """The sentence the learner confirms before submitting."""
        unanswered = self.unanswered
        parts = [
            "All questions are answered."
            if not unanswered
            else f"{unanswered} question{'s are' if unanswered != 1 else ' is'} not answered "
            "and will score zero."
        ]
        left = self.attempts_left_after
        if left is not None:
            parts.append(
                f"After this you have {left} attempt{'s' if left != 1 else ''} left."
                if left
                else "This is your last attempt."
            )
        parts.append("Once submitted, your answers can no longer change.")
        return " ".join(parts)


def attempt_summary(*, attempt: Attempt, ends_at: datetime | None) -> AttemptSummary:
    """The summary before submitting: each question's state and what submitting uses up."""
    return AttemptSummary(
        attempt=attempt,
        panel=question_panel(attempt=attempt),
        attempts_left_after=attempts_left(attempt.module, used=attempt.number),
        ends_at=ends_at,
    )


def is_immediate(attempt: Attempt) -> bool:
    return attempt.module.feedback_policy == FeedbackPolicy.IMMEDIATE
