"""Forms of training: a quiz answer, the report filter, the admin forms, the learner upload."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from quizzes.content.models import CardStatus
from quizzes.training.grading import GivenAnswer
from quizzes.training.models import Assignment, AttemptQuestion, TrainingModule

MAX_UPLOAD_BYTES = 1_000_000


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

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if not normalise_code(code):
            raise forms.ValidationError(
                "A certificate code is made of letters and digits, e.g. ABCD-EFGH-IJKL-MNOP."
            )
        return code


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
