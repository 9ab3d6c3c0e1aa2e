"""Forms of the daily review and the learner's settings: every POST is parsed and validated here."""

from __future__ import annotations

import functools
from zoneinfo import available_timezones

from django import forms
from django.core import signing

from quizzes.review.models import LearnerSettings
from quizzes.review.tokens import CardToken, token_read

# The largest id the database can hold (64-bit): a larger number in a URL is bad input, not a 500.
MAX_ID = 2**63 - 1
TOPIC_SLUG_LENGTH = 120


def _id_field(message: str = "That card number is not valid.", **kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
        **kwargs,
    )


def _topic_field() -> forms.SlugField:
    return forms.SlugField(
        required=False,
        max_length=TOPIC_SLUG_LENGTH,
        error_messages={
            "invalid": "That topic name in the address is not valid.",
            "max_length": "That topic name in the address is not valid.",
        },
    )


class ReviewQueryForm(forms.Form):
    """The review page's query: ?card= (show this card first) and ?topic= (only this topic)."""

    card = _id_field(required=False)
    topic = _topic_field()


class ReviewPostForm(forms.Form):
    """Every review POST carries the topic the session is restricted to, if any."""

    topic = _topic_field()


class ShownCardForm(ReviewPostForm):
    """A card as it was shown: its id and the signed one-time token issued with it."""

    card = _id_field()
    token = forms.CharField(max_length=500)

    def clean(self) -> dict:
        cleaned = super().clean()
        raw = cleaned.get("token")
        if raw:
            try:
                cleaned["shown"] = token_read(raw)
            except signing.BadSignature:
                raise forms.ValidationError(
                    "This card's form was altered or damaged. Reload the review page.",
                    code="forged",
                ) from None
        return cleaned

    @property
    def shown(self) -> CardToken:
        return self.cleaned_data["shown"]


class CheckAnswerForm(ShownCardForm):
    """The learner's answer to a choice card (choice ids) or a cloze card (typed text)."""

    choice = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    typed = forms.CharField(max_length=500, required=False, strip=True)

    def __init__(self, *args, choice_ids: list[int] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = [(str(pk), str(pk)) for pk in choice_ids or []]


class GradeForm(ShownCardForm):
    rating = forms.TypedChoiceField(
        coerce=int,
        choices=[("1", "Again"), ("2", "Hard"), ("3", "Good"), ("4", "Easy")],
        error_messages={"invalid_choice": "Choose a grade from 1 (Again) to 4 (Easy)."},
    )


class UndoForm(ReviewPostForm):
    review = _id_field("That answer number is not valid.")


class RestoreForm(forms.Form):
    """A suspended card to put back into the learner's reviews."""

    card = _id_field()


def _time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(available_timezones() - {"Factory", "localtime"})
    return [(name, name.replace("_", " ")) for name in names]


class LearnerSettingsForm(forms.ModelForm):
    desired_retention = forms.FloatField(
        label="Desired retention",
        min_value=0.70,
        max_value=0.97,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
        help_text="Chance of remembering a card when it comes due, from 0.70 to 0.97 (0.90 = 90%). "
        "Higher means more reviews.",
        error_messages={
            "min_value": "Desired retention must be at least 0.70; lower targets forget too much.",
            "max_value": "Desired retention can be at most 0.97; above that reviews multiply.",
            "invalid": "Enter the retention as a decimal such as 0.90.",
        },
    )
    critical_retention = forms.FloatField(
        label="Retention for critical cards",
        min_value=0.70,
        max_value=0.99,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
        help_text="Critical clinical facts are reviewed to this higher target (default 0.95).",
        error_messages={
            "min_value": "Retention for critical cards must be at least 0.70.",
            "max_value": "Retention for critical cards can be at most 0.99.",
            "invalid": "Enter the retention as a decimal such as 0.95.",
        },
    )
    new_cards_per_day = forms.IntegerField(
        label="New cards per day",
        min_value=0,
        max_value=9999,
        help_text="New cards introduced each learning day (default 20).",
        error_messages={
            "min_value": "New cards per day cannot be negative.",
            "max_value": "New cards per day can be at most 9999.",
        },
    )
    max_reviews_per_day = forms.IntegerField(
        label="Maximum reviews per day",
        min_value=0,
        max_value=9999,
        help_text="Reviews shown each learning day at most (default 200).",
        error_messages={
            "min_value": "Maximum reviews per day cannot be negative.",
            "max_value": "Maximum reviews per day can be at most 9999.",
        },
    )
    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=_time_zone_choices,
        help_text="Your learning day and daily limits follow this time zone.",
        error_messages={
            "invalid_choice": "Choose a time zone from the list, such as Europe/London."
        },
    )
    learn_ahead_minutes = forms.IntegerField(
        label="Learn ahead (minutes)",
        min_value=0,
        max_value=720,
        help_text="When nothing else is due, learning cards due within this many minutes are "
        "shown instead of making you wait (default 20, as in Anki; 0 waits until they are due).",
        error_messages={
            "min_value": "Learn ahead cannot be negative.",
            "max_value": "Learn ahead can be at most 720 minutes (12 hours).",
            "invalid": "Enter the minutes as a whole number, such as 20.",
        },
    )
    day_start_hour = forms.TypedChoiceField(
        label="Learning day starts at",
        coerce=int,
        choices=[(str(hour), f"{hour:02d}:00") for hour in range(24)],
        help_text="Like Anki, a new day starts at 04:00 by default, so late-night study counts "
        "for the day before.",
        error_messages={"invalid_choice": "Choose an hour between 00:00 and 23:00."},
    )

    class Meta:
        model = LearnerSettings
        fields = [
            "desired_retention",
            "critical_retention",
            "new_cards_per_day",
            "max_reviews_per_day",
            "time_zone",
            "day_start_hour",
            "learn_ahead_minutes",
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        ordinary = cleaned.get("desired_retention")
        critical = cleaned.get("critical_retention")
        if ordinary is not None and critical is not None and critical < ordinary:
            self.add_error(
                "critical_retention",
                "Retention for critical cards must be at least your desired retention "
                f"({ordinary:.2f}).",
            )
        return cleaned


def time_zone_known(name: str) -> bool:
    """Whether the zone database knows this zone name (and it is a place, not an alias)."""
    return name in _known_zones()


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(name for name, _label in _time_zone_choices())


class DetectedTimeZoneForm(forms.Form):
    """The time zone the learner's browser reports on their first visit."""

    time_zone = forms.CharField(max_length=64)

    def clean_time_zone(self) -> str:
        name = self.cleaned_data["time_zone"]
        if not time_zone_known(name):
            raise forms.ValidationError("That is not a time zone this site knows.")
        return name
