"""Forms of training: a quiz answer, the report filter, the admin forms, the learner upload."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from quizzes.content.models import CardStatus
from quizzes.training.models import Assignment, AttemptQuestion, TrainingModule
from quizzes.training.services.answers import GivenAnswer

LEARNER_COLUMNS = ("username", "name", "email", "group")
MAX_UPLOAD_BYTES = 1_000_000
MAX_LEARNER_ROWS = 2000


class AnswerForm(forms.Form):
    """One answer: the choice ids picked (choice cards) or the typed text (cloze cards)."""

    choice = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        error_messages={
            "invalid_choice": "That choice is not part of this question. Reload the page.",
            "invalid_list": "That choice is not part of this question. Reload the page.",
        },
    )
    typed = forms.CharField(max_length=500, required=False, strip=True)

    def __init__(self, *args, question: AttemptQuestion, **kwargs) -> None:
        kwargs.setdefault("prefix", answer_prefix(question.position))
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = [(str(pk), str(pk)) for pk in question.choice_order]

    def given(self) -> GivenAnswer:
        return GivenAnswer(
            position=int(self.prefix[1:]),
            choice_ids=self.cleaned_data["choice"],
            typed=self.cleaned_data["typed"],
        )

    def first_error(self) -> str:
        return next(iter(self.errors.values()))[0]


def answer_prefix(position: int) -> str:
    """Every question's fields carry its position (q3-typed), so one form holds a whole page."""
    return f"q{position}"


def given_answers(
    data: Mapping[str, Any], *, questions: Iterable[AttemptQuestion]
) -> tuple[list[GivenAnswer], dict[int, str]]:
    """The answers a page posted (questions with no field on it are left out) and the problem of
    each malformed one, by position."""
    given: list[GivenAnswer] = []
    problems: dict[int, str] = {}
    for question in questions:
        prefix = answer_prefix(question.position) + "-"
        if not any(key.startswith(prefix) for key in data):
            continue
        form = AnswerForm(data, question=question)
        if form.is_valid():
            given.append(form.given())
        else:
            problems[question.position] = form.first_error()
    return given, problems


POSITION = r"\d{1,4}"


class AttemptPageForm(forms.Form):
    """What a page of the attempt asks for besides its answers: where to go next (a page, a
    question, the summary), a question to flag or unflag, a question to save or check."""

    page = forms.IntegerField(min_value=1, max_value=9999, required=False)
    go = forms.RegexField(
        rf"^(page-{POSITION}|question-{POSITION}|summary)$",
        required=False,
        error_messages={"invalid": "That page does not exist. Reload the attempt."},
    )
    flag = forms.RegexField(
        rf"^(on|off)-{POSITION}$",
        required=False,
        error_messages={"invalid": "That question does not exist. Reload the attempt."},
    )
    save = forms.IntegerField(min_value=1, max_value=9999, required=False)
    check = forms.IntegerField(min_value=1, max_value=9999, required=False)

    def flag_request(self) -> tuple[int, bool] | None:
        """(position, flagged) when a flag button was pressed."""
        value = self.cleaned_data.get("flag")
        if not value:
            return None
        state, _, position = value.partition("-")
        return int(position), state == "on"


class FlagForm(forms.Form):
    flag = forms.RegexField(
        rf"^(on|off)-{POSITION}$",
        error_messages={
            "invalid": "That question does not exist. Reload the attempt.",
            "required": "Say whether to flag the question.",
        },
    )

    def flagged(self) -> bool:
        return self.cleaned_data["flag"].startswith("on-")


class VerifyForm(forms.Form):
    code = forms.CharField(
        label="Certificate code",
        max_length=40,
        help_text="The code printed under the QR code, e.g. ABCD-EFGH-IJKL-MNOP.",
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        help_text="Kept with the certificate; the public page only says it was revoked.",
    )


def normalise_code(raw: str) -> str:
    """A typed or scanned certificate code in its stored form (capitals, grouped by four)."""
    letters = "".join(ch for ch in raw.upper() if ch.isalnum())
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


class ReportFilterForm(forms.Form):
    module = forms.ModelChoiceField(
        queryset=TrainingModule.objects.order_by("title"), required=False, empty_label="All modules"
    )
    group = forms.ModelChoiceField(
        queryset=Group.objects.order_by("name"), required=False, empty_label="All groups"
    )


# --- Learner upload --------------------------------------------------------------------------


@dataclass
class LearnerRow:
    line: int
    username: str
    name: str
    email: str
    group: str
    errors: list[str] = field(default_factory=list)
    # Set by check_learners_against_accounts: the username belongs to an account already.
    existing: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def first_name(self) -> str:
        return self.name.partition(" ")[0]

    @property
    def last_name(self) -> str:
        return self.name.partition(" ")[2].strip()


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


def parse_learner_csv(text: str) -> LearnerSheet:
    """Read the sheet and check each row on its own (pure): header, empty or malformed username,
    bad email, missing group, a username twice in the file."""
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip().lower() for cell in next(reader, [])]
    if not any(header):
        return LearnerSheet(rows=[], problems=["The file is empty."])
    unknown = [name for name in header if name not in LEARNER_COLUMNS]
    missing = [name for name in LEARNER_COLUMNS if name not in header]
    problems = []
    if unknown:
        expected = ", ".join(LEARNER_COLUMNS)
        problems.append(f"Unknown column(s): {', '.join(unknown)}. Use {expected}.")
    if missing:
        problems.append(f"Missing column(s): {', '.join(missing)}.")
    if problems:
        return LearnerSheet(rows=[], problems=problems)
    user_model = get_user_model()
    username_field = user_model._meta.get_field("username")
    rows: list[LearnerRow] = []
    seen: dict[str, int] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_LEARNER_ROWS:
            problems.append(f"At most {MAX_LEARNER_ROWS} learners per file.")
            break
        values = dict(zip(header, (cell.strip() for cell in cells), strict=False))
        row = LearnerRow(
            line=line,
            username=values.get("username", ""),
            name=" ".join(values.get("name", "").split()),
            email=values.get("email", ""),
            group=" ".join(values.get("group", "").split()),
        )
        if len(cells) > len(header):
            row.errors.append("More cells than columns.")
        if not row.username:
            row.errors.append("Username is empty.")
        else:
            try:
                username_field.run_validators(row.username)
            except ValidationError:
                row.errors.append(
                    "Username may only hold letters, digits and @ . + - _ (at most 150)."
                )
            key = row.username.casefold()
            if key in seen:
                row.errors.append(f"Username appears twice (also on line {seen[key]}).")
            else:
                seen[key] = line
        if row.email:
            try:
                validate_email(row.email)
            except ValidationError:
                row.errors.append(f"“{row.email}” is not an email address.")
        if not row.group:
            row.errors.append("Group is empty.")
        elif len(row.group) > 150:
            row.errors.append("Group names are at most 150 characters.")
        if len(row.name) > 300:
            row.errors.append("Name is too long.")
        rows.append(row)
    if not rows and not problems:
        problems.append("The file has a header but no learners.")
    return LearnerSheet(rows=rows, problems=problems)


def check_learners_against_accounts(sheet: LearnerSheet) -> LearnerSheet:
    """Add what needs the database (three queries): a username that already has an account is
    that learner, added to the group and otherwise left as she is (an email that disagrees is an
    error, a different name a note); groups that carry permissions (e.g. Instructors) are refused,
    since this upload must never hand them out."""
    user_model = get_user_model()
    names = [row.username for row in sheet.rows if row.username]
    accounts = {
        user.username: user
        for user in user_model.objects.filter(username__in=names).only(
            "username", "email", "first_name", "last_name"
        )
    }
    member_of = set(
        user_model.groups.through.objects.filter(
            user_id__in=[user.pk for user in accounts.values()], group__name__in=sheet.groups
        ).values_list("user_id", "group__name")
    )
    privileged = set(
        Group.objects.filter(name__in=sheet.groups, permissions__isnull=False).values_list(
            "name", flat=True
        )
    )
    for row in sheet.rows:
        account = accounts.get(row.username)
        if account is not None:
            row.existing = True
            if row.email and account.email and row.email.casefold() != account.email.casefold():
                row.errors.append(
                    "An account with this username already exists with a different email "
                    "address; check the username."
                )
            current = account.get_full_name()
            if row.name and current and row.name.casefold() != current.casefold():
                row.notes.append(f"The account keeps its name “{current}”.")
            if (account.pk, row.group) in member_of:
                row.notes.append("Already in this group: nothing changes.")
        if row.group in privileged:
            row.errors.append(
                f"“{row.group}” grants staff permissions; only user administration adds "
                "people to it."
            )
    return sheet


class LearnerUploadForm(forms.Form):
    file = forms.FileField(
        required=False, help_text="CSV with the columns username, name, email, group."
    )
    # The confirm step posts the previewed text back; it is checked again before any write.
    content = forms.CharField(required=False, widget=forms.HiddenInput, max_length=MAX_UPLOAD_BYTES)

    def clean(self) -> dict:
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                raise ValidationError("The file is larger than 1 MB.")
            try:
                cleaned["content"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                message = "Save the file as CSV in UTF-8 and upload it again."
                raise ValidationError(message) from None
        if not cleaned.get("content"):
            raise ValidationError("Choose a CSV file to upload.")
        return cleaned

    def sheet(self) -> LearnerSheet:
        return check_learners_against_accounts(parse_learner_csv(self.cleaned_data["content"]))


# --- Admin -----------------------------------------------------------------------------------


class TrainingModuleAdminForm(forms.ModelForm):
    class Meta:
        model = TrainingModule
        # Lessons go through ModuleLesson (with a position), edited in the inline.
        exclude = ["lessons"]

    def clean(self) -> dict:
        cleaned = super().clean()
        pool = cleaned.get("question_pool")
        per_attempt = cleaned.get("questions_per_attempt")
        if pool is not None and per_attempt:
            size = pool.count()
            published = pool.filter(status=CardStatus.PUBLISHED).count()
            if per_attempt > size:
                self.add_error(
                    "questions_per_attempt",
                    f"The pool holds {size} question{'s' if size != 1 else ''}; "
                    f"an attempt cannot draw {per_attempt}.",
                )
            elif cleaned.get("is_published") and per_attempt > published:
                self.add_error(
                    "questions_per_attempt",
                    f"Only {published} pool question{'s are' if published != 1 else ' is'} "
                    f"published; publish more cards or lower the questions per attempt.",
                )
        opens, closes = cleaned.get("available_from"), cleaned.get("available_until")
        if opens and closes and closes <= opens:
            self.add_error("available_until", "The module must close after it opens.")
        return cleaned


class AssignmentAdminForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = ["module", "group", "user", "due_at"]

    def clean(self) -> dict:
        cleaned = super().clean()
        if bool(cleaned.get("group")) == bool(cleaned.get("user")):
            raise ValidationError("Assign the module either to a group or to one learner.")
        return cleaned
