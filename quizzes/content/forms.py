"""Forms learners fill in about content: reporting a problem with a card."""

from __future__ import annotations

from typing import Any

from django import forms

from quizzes.content.models import LEARNER_REASONS, ReportPlace, ReportReason

NOTE_MAX_LENGTH = 1000


class CardReportForm(forms.Form):
    card = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    place = forms.ChoiceField(choices=ReportPlace.choices, widget=forms.HiddenInput)
    # A select, not radio buttons: the review screen's number keys stay out of a focused select.
    reason = forms.ChoiceField(
        label="What is wrong?",
        choices=[("", "Choose…")] + [(reason.value, reason.label) for reason in LEARNER_REASONS],
    )
    note = forms.CharField(
        label="Tell us more",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_LENGTH}),
        help_text="What should the card say? A reference helps.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("reason") == ReportReason.OTHER and not cleaned.get("note"):
            self.add_error("note", "Say what the problem is.")
        return cleaned
