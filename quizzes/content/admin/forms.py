"""Forms behind the instructor admin: the card form, its choices, and the article upload steps."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.forms.models import BaseInlineFormSet

from quizzes.content.models import Article, Card, CardStatus
from quizzes.content.services.curated import curated_json
from quizzes.content.services.importing import ArticleImportError, decode_text
from quizzes.content.validation import card_field_problems, choice_problems

MAX_ARTICLE_BYTES = 2 * 1024 * 1024


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


NEW_ARTICLE = "new"


class ArticleUploadForm(forms.Form):
    article = forms.FileField(
        label="Article file",
        help_text="Plain text (.txt), Markdown (.md), a saved web page (.html) or a Word "
        "document (.docx), at most 2 MB.",
    )
    target = forms.ChoiceField(
        label="Update which article?",
        help_text="Pick the article this file is a version of, or “A new article”. The file "
        "name does not decide it.",
    )
    curated_cards = forms.FileField(
        label="Curated cards (optional)",
        required=False,
        help_text="A .cards.json file with hand-written cards for this article.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        articles = Article.objects.order_by("title").values_list("pk", "title", "slug")
        self.fields["target"].choices = [
            ("", "— choose —"),
            (NEW_ARTICLE, "A new article"),
            *[(str(pk), f"{title} ({slug})") for pk, title, slug in articles],
        ]

    def _read(self, upload: Any, what: str) -> bytes:
        if upload.size > MAX_ARTICLE_BYTES:
            raise forms.ValidationError(f"The {what} is larger than 2 MB.")
        return upload.read()

    def _read_text(self, upload: Any, what: str) -> str:
        # The same decoding as `manage.py import_article`: BOM, binary and empty files alike.
        try:
            return decode_text(self._read(upload, what), name=f"The {what}")
        except ArticleImportError as error:
            raise forms.ValidationError(f"{error}.") from None

    def clean_article(self) -> bytes:
        upload = self.cleaned_data["article"]
        self.uploaded_name = upload.name[:300]
        data = self._read(upload, "article file")
        if data[:4] != b"PK\x03\x04":  # a Word file is a ZIP archive; everything else is text
            try:
                decode_text(data, name="The article file")
            except ArticleImportError as error:
                raise forms.ValidationError(f"{error}.") from None
        return data

    def clean_target(self) -> tuple[Article | None, bool]:
        """(the article to update, whether to make a new one)."""
        value = self.cleaned_data["target"]
        if value == NEW_ARTICLE:
            return None, True
        article = Article.objects.filter(pk=value).first() if value.isdigit() else None
        if article is None:
            raise forms.ValidationError("Choose the article to update, or “A new article”.")
        return article, False

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


class ArticleConfirmForm(forms.Form):
    upload = forms.UUIDField(widget=forms.HiddenInput)
    prune = forms.BooleanField(
        required=False,
        label="Also delete or archive what left the file (listed above)",
        help_text="Cards that learners studied are archived, never deleted.",
    )
