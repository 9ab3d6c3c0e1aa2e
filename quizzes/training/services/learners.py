"""Learner accounts from an instructor's sheet: checked in full first (nothing written), then
created in one transaction. The rules are those of quizzes.training.resources.LearnerResource."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import tablib
from django.contrib.auth.models import Group
from django.db import transaction

from quizzes.training.resources import LearnerResource


class LearnerSheetRefused(Exception):
    """The sheet has problems; nothing was written. `sheet` says what, row by row."""

    def __init__(self, sheet: LearnerSheet) -> None:
        super().__init__("The learner sheet has problems; nothing was created.")
        self.sheet = sheet


@dataclass
class LearnerRow:
    line: int
    username: str
    name: str
    email: str
    group: str
    errors: list[str] = field(default_factory=list)
    existing: bool = False  # the username belongs to an account already
    notes: list[str] = field(default_factory=list)
    account: Any = None


@dataclass
class LearnerSheet:
    rows: list[LearnerRow]
    problems: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.problems) or any(row.errors for row in self.rows)

    @property
    def error_rows(self) -> list[LearnerRow]:
        return [row for row in self.rows if row.errors]

    @property
    def groups(self) -> list[str]:
        return sorted({row.group for row in self.rows})

    @property
    def new_count(self) -> int:
        return sum(1 for row in self.rows if not row.existing)

    @property
    def existing_count(self) -> int:
        return sum(1 for row in self.rows if row.existing)


@dataclass(frozen=True)
class LearnersCreated:
    users: int
    groups_created: list[str]
    added: int = 0
    new_accounts: list[Any] = field(default_factory=list)


def _dataset(text: str) -> tablib.Dataset | str:
    """The sheet as a dataset, or why it cannot be read."""
    if not text.strip():
        return "The file is empty."
    try:
        return tablib.Dataset().load(text, format="csv")
    except Exception as error:  # tablib reports ragged or broken CSV in several ways
        return f"The file is not a readable CSV sheet ({type(error).__name__})."


def _sheet(text: str, *, dry_run: bool) -> LearnerSheet:
    dataset = _dataset(text)
    if isinstance(dataset, str):
        return LearnerSheet(rows=[], problems=[dataset])
    result = LearnerResource().import_data(dataset, dry_run=dry_run)
    problems = [str(error.error) for error in result.base_errors]
    problems += [str(error.error) for row in result.row_errors() for error in row[1]]
    rows = []
    for number, row_result in enumerate(result.rows, start=2):
        values = row_result.row_values
        row = LearnerRow(
            line=number,
            username=values.get("username", ""),
            name=values.get("name", ""),
            email=values.get("email", ""),
            group=values.get("group", ""),
            existing=row_result.is_update(),
            account=row_result.instance,
        )
        if row_result.validation_error is not None:
            row.errors = [m for ms in row_result.validation_error.message_dict.values() for m in ms]
        elif row_result.instance is not None:
            row.notes = list(getattr(row_result.instance, "sheet_notes", []))
        rows.append(row)
    return LearnerSheet(rows=rows, problems=problems)


def learners_check(*, text: str) -> LearnerSheet:
    """Every row of the sheet checked against the rules and the existing accounts; writes
    nothing (a dry run, rolled back)."""
    return _sheet(text, dry_run=True)


@transaction.atomic
def learners_create(*, text: str) -> LearnersCreated:
    """Create the sheet's new accounts and add every learner to her group, or nothing at all:
    raises LearnerSheetRefused when any row has a problem."""
    groups_before = set(Group.objects.values_list("name", flat=True))
    sheet = _sheet(text, dry_run=False)
    if sheet.has_errors:
        transaction.set_rollback(True)
        raise LearnerSheetRefused(sheet)
    new_accounts = [row.account for row in sheet.rows if not row.existing]
    return LearnersCreated(
        users=len(new_accounts),
        groups_created=[name for name in sheet.groups if name not in groups_before],
        added=sheet.existing_count,
        new_accounts=new_accounts,
    )
