"""Forms of training: a quiz answer, the report filter, the admin forms, the learner upload."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from quizzes.content.models import CardStatus
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
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = [(str(pk), str(pk)) for pk in question.choice_order]


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
