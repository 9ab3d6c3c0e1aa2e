"""Forms behind the instructor admin: the card form, its choices, and the article upload steps."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core import signing
from django.forms.models import BaseInlineFormSet

from quizzes.content.models import Card, CardStatus
from quizzes.content.services.curated import curated_json
from quizzes.content.services.importing import ArticleImportError, decode_text
from quizzes.content.validation import card_field_problems, choice_problems

MAX_ARTICLE_BYTES = 2 * 1024 * 1024
UPLOAD_SALT = "bonelearn.admin.article-upload"
# The instructor confirms within an hour of the dry run, or uploads again.
UPLOAD_MAX_AGE_SECONDS = 60 * 60


class CardAdminForm(forms.ModelForm):
    """The card's own fields; ChoiceInlineFormSet checks the choice rules with the choices."""

    class Meta:
        model = Card
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lesson = self.fields.get("lesson")
        if lesson is not None:
            # Lesson titles repeat across topics; naming the topic makes the choice unambiguous.
            lesson.queryset = lesson.queryset.select_related("topic")
            lesson.label_from_instance = lambda item: f"{item.topic} › {item.title}"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind is None:
            return cleaned
        topic = cleaned.get("topic")
        lesson = cleaned.get("lesson")
        if topic is not None and lesson is not None and lesson.topic_id != topic.pk:
            self.add_error(
                "lesson",
                f"The lesson “{lesson}” belongs to another topic; "
                "pick one of this topic's lessons.",
            )
            lesson = None
        problems = card_field_problems(
            kind=kind,
            front=cleaned.get("front", ""),
            explanation=cleaned.get("explanation", ""),
            has_lesson=lesson is not None or "lesson" in self.errors,
            publishing=cleaned.get("status") == CardStatus.PUBLISHED,
            back=cleaned.get("back", ""),
        )
        for field, messages in problems.items():
            if field in self.errors:
                continue  # the field's own error (e.g. "required") already says it
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        return cleaned


class ChoiceInlineFormSet(BaseInlineFormSet):
    """Checks the submitted choices against the kind submitted in the card form.

    The admin validates the card form before the formsets, so `self.instance` already carries the
    submitted kind when clean() runs.
    """

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        choices = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or (self.can_delete and self._should_delete_form(form)):
                continue
            choices.append((data.get("text") or "", bool(data.get("is_correct"))))
        problems = choice_problems(kind=self.instance.kind, choices=choices)
        if problems:
            raise forms.ValidationError(problems)


def is_imported(row: Any) -> bool:
    """True for a topic or lesson the importer wrote: re-imports find it again by its key."""
    return bool(row is not None and row.pk and getattr(row, "import_fingerprint", ""))


IMPORTED_KEY_HELP = "Set by the importer, which finds this row again by it on the next import."


class LessonInlineForm(forms.ModelForm):
    """A lesson on its topic's page; an imported lesson's key is shown but cannot be changed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        key = self.fields.get("key")
        if key is not None and is_imported(self.instance):
            # A disabled field ignores whatever is posted for it, so a forged POST changes nothing.
            key.disabled = True
            key.help_text = IMPORTED_KEY_HELP


class ArticleUploadForm(forms.Form):
    article = forms.FileField(
        label="Article file",
        help_text="The article as UTF-8 text (.txt or .md), at most 2 MB.",
    )
    curated_cards = forms.FileField(
        label="Curated cards (optional)",
        required=False,
        help_text="A .cards.json file with hand-written cards for this article.",
    )

    def _read_text(self, upload: Any, what: str) -> str:
        if upload.size > MAX_ARTICLE_BYTES:
            raise forms.ValidationError(f"The {what} is larger than 2 MB.")
        # The same decoding as `manage.py import_article`: BOM, binary and empty files alike.
        try:
            return decode_text(upload.read(), name=f"The {what}")
        except ArticleImportError as error:
            raise forms.ValidationError(f"{error}.") from None

    def clean_article(self) -> str:
        upload = self.cleaned_data["article"]
        self.uploaded_name = upload.name[:300]
        return self._read_text(upload, "article file")

    def clean_curated_cards(self) -> str | None:
        upload = self.cleaned_data.get("curated_cards")
        if not upload:
            return None
        text = self._read_text(upload, "curated cards file")
        try:
            curated_json(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                f"The curated cards file is not valid JSON (line {error.lineno}: {error.msg})."
            ) from None
        return text

    def signed_payload(self) -> str:
        """The dry-run's exact input, signed, so the confirm step imports what was previewed."""
        return signing.dumps(
            {
                "source_name": self.uploaded_name,
                "text": self.cleaned_data["article"],
                "curated_cards": self.cleaned_data.get("curated_cards"),
            },
            salt=UPLOAD_SALT,
            compress=True,
        )


class ArticleConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)

    def clean_payload(self) -> dict[str, Any]:
        try:
            data = signing.loads(
                self.cleaned_data["payload"], salt=UPLOAD_SALT, max_age=UPLOAD_MAX_AGE_SECONDS
            )
        except signing.SignatureExpired:
            raise forms.ValidationError(
                "This preview is more than an hour old; upload the file again."
            ) from None
        except signing.BadSignature:
            raise forms.ValidationError(
                "The confirmed upload does not match the preview; upload the file again."
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise forms.ValidationError("The upload could not be read; upload the file again.")
        return data
