"""CSV export and import of cards with their choices (django-import-export).

One row per card. Columns: key (the card's stable id; leave empty to create a new card), topic
(topic slug), lesson (lesson key within that topic), kind, status, critical (1/0), front, back,
explanation, accepted_answers, tags, source_excerpt, clinical_note, note_reference, choice_1 …
choice_10 (choice texts in order) and correct (the numbers of the correct choices, separated by
semicolons, e.g. "1;3"). Every row is checked with the same rules as the admin form, and a row
that publishes a card with the publishing rules, the item-writing checks and the sign-off rule;
any bad row stops the whole import. A status change goes through the editorial workflow, and a
published card whose wording a row changes goes back to review, as in the admin.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from import_export import fields, resources, widgets

from quizzes.content.admin.imports import StylelessDiff
from quizzes.content.models import Card, CardStatus, Choice, Lesson, Topic, new_card_key
from quizzes.content.services.publishing import (
    card_reworded,
    cards_publish,
    cards_set_status,
    cards_submit_for_review,
    content_problems,
    second_signoff_required,
    signoff_refusal,
    wording_of,
)
from quizzes.content.validation import card_problems

# The curated set has cards with 8 choices; a card with more than the CSV holds is refused at
# export rather than losing choices on the way back in.
MAX_CHOICES = 10
CHOICE_COLUMNS = [f"choice_{number}" for number in range(1, MAX_CHOICES + 1)]
# Choices are not card fields, so the model's own length check (full_clean) never sees them.
CHOICE_MAX_LENGTH = Choice._meta.get_field("text").max_length


class ColumnError(ValueError):
    """A bad value in the flattened choice columns, shown under the column it is about."""

    def __init__(self, message: str, *, column: str = "correct") -> None:
        super().__init__(message)
        self.column = column


class TopicSlugWidget(widgets.ForeignKeyWidget):
    """A topic named by its slug; an unknown slug is a row error, not a crash."""

    def __init__(self) -> None:
        super().__init__(Topic, field="slug")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Topic | None:
        if not value:
            raise ValueError("Every card needs a topic: give the topic's slug.")
        try:
            return super().clean(value, row=row, **kwargs)
        except Topic.DoesNotExist:
            raise ValueError(f"There is no topic with the slug “{value}”.") from None


def _text_field(name: str) -> fields.Field:
    # Plain attributes on the card instance carry the flattened columns between the hooks.
    return fields.Field(attribute=f"csv_{name}", column_name=name, widget=widgets.CharWidget())


class CardResource(resources.ModelResource):
    topic = fields.Field(attribute="topic", column_name="topic", widget=TopicSlugWidget())
    lesson = _text_field("lesson")
    critical = fields.Field(
        attribute="critical", column_name="critical", widget=widgets.BooleanWidget(), default=False
    )
    choice_1 = _text_field("choice_1")
    choice_2 = _text_field("choice_2")
    choice_3 = _text_field("choice_3")
    choice_4 = _text_field("choice_4")
    choice_5 = _text_field("choice_5")
    choice_6 = _text_field("choice_6")
    choice_7 = _text_field("choice_7")
    choice_8 = _text_field("choice_8")
    choice_9 = _text_field("choice_9")
    choice_10 = _text_field("choice_10")
    correct = _text_field("correct")

    class Meta:
        model = Card
        import_id_fields = ["key"]
        fields = (
            "key",
            "topic",
            "lesson",
            "kind",
            "status",
            "critical",
            "front",
            "back",
            "explanation",
            "accepted_answers",
            "tags",
            "source_excerpt",
            "clinical_note",
            "note_reference",
            *CHOICE_COLUMNS,
            "correct",
        )
        export_order = fields
        import_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def get_diff_class(self) -> type:
        return StylelessDiff

    # --- export -------------------------------------------------------------------------------

    def filter_export(self, queryset: QuerySet[Card], **kwargs: Any) -> QuerySet[Card]:
        return queryset.select_related("topic", "lesson").prefetch_related("choices")

    def export_resource(self, instance: Card, selected_fields: Any = None, **kwargs: Any) -> list:
        _load_columns(instance)
        return super().export_resource(instance, selected_fields=selected_fields, **kwargs)

    # --- import -------------------------------------------------------------------------------

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        if not (row.get("key") or "").strip():
            # A new card gets a stable key now so later exports and imports find it again.
            row["key"] = new_card_key()

    def after_init_instance(self, instance: Card, new: bool, row: Any, **kwargs: Any) -> None:
        if new:
            for name in ["lesson", *CHOICE_COLUMNS, "correct"]:
                setattr(instance, f"csv_{name}", "")
        else:
            _load_columns(instance)

    def import_instance(self, instance: Card, row: Any, **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)

        lesson_key = (getattr(instance, "csv_lesson", "") or "").strip()
        instance.lesson = None
        if lesson_key and instance.topic_id is not None:
            lesson = Lesson.objects.filter(topic_id=instance.topic_id, key=lesson_key).first()
            if lesson is None:
                errors["csv_lesson"] = [f"The topic has no lesson with the key “{lesson_key}”."]
            instance.lesson = lesson

        try:
            instance.csv_choices = _parse_choices(instance)
        except ColumnError as error:
            errors[f"csv_{error.column}"] = [str(error)]
            instance.csv_choices = []

        problems = card_problems(
            kind=instance.kind,
            front=instance.front,
            explanation=instance.explanation,
            has_lesson=instance.lesson is not None,
            choices=instance.csv_choices,
            publishing=False,
            back=instance.back,
        )
        problems += self._publishing_problems(instance, user=kwargs.get("user"))
        if problems:
            errors.setdefault(NON_FIELD_ERRORS, []).extend(dict.fromkeys(problems))
        if errors:
            raise ValidationError(errors)

    def _publishing_problems(self, instance: Card, *, user: Any) -> list[str]:
        """For a row that publishes a card: what the publishing service would refuse, shown in
        the preview before anything is written."""
        saved = Card.objects.filter(pk=instance.pk).values("status", "submitted_by_id").first()
        if instance.status != CardStatus.PUBLISHED or (
            saved and saved["status"] == CardStatus.PUBLISHED
        ):
            return []
        problems = content_problems(
            kind=instance.kind,
            front=instance.front,
            back=instance.back,
            explanation=instance.explanation,
            has_lesson=instance.lesson is not None,
            choices=instance.csv_choices,
            critical=instance.critical,
        )
        refusal = signoff_refusal(
            status=saved["status"] if saved else CardStatus.DRAFT,
            submitted_by_id=saved["submitted_by_id"] if saved else None,
            by=user,
            second_required=user is not None and second_signoff_required(),
        )
        return problems + ([refusal] if refusal else [])

    def before_save_instance(self, instance: Card, row: Any, **kwargs: Any) -> None:
        # A status change goes through the workflow once the choices are saved too
        # (after_save_instance); until then the card keeps the status it has (new: draft).
        saved = Card.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
        instance.csv_status_asked = instance.status if instance.status != saved else None
        instance.csv_wording_before = wording_of(instance) if saved else None
        instance.status = saved or CardStatus.DRAFT

    def after_save_instance(self, instance: Card, row: Any, **kwargs: Any) -> None:
        if instance.pk is None:
            return
        _sync_choices(instance, instance.csv_choices)
        user, now = kwargs.get("user"), timezone.now()
        before = instance.csv_wording_before
        if before is not None:
            card_reworded(card=instance, before=before, by=user, now=now)
        asked = instance.csv_status_asked
        if asked is None or asked == instance.status:
            return
        if asked == CardStatus.PUBLISHED:
            cards_publish(cards=[instance], now=now, by=user)
        elif asked == CardStatus.IN_REVIEW:
            cards_submit_for_review(cards=[instance], by=user, now=now)
        else:
            cards_set_status(cards=[instance], status=asked, now=now, by=user)


def _load_columns(card: Card) -> None:
    """Flatten the card's lesson and choices into the csv_* attributes the columns read."""
    choices = list(card.choices.all())
    if len(choices) > MAX_CHOICES:
        raise ValueError(
            f"The card “{card.key}” has {len(choices)} choices; the CSV holds at most "
            f"{MAX_CHOICES}. Edit it in the admin instead."
        )
    card.csv_lesson = card.lesson.key if card.lesson_id else ""
    for index, name in enumerate(CHOICE_COLUMNS):
        setattr(card, f"csv_{name}", choices[index].text if index < len(choices) else "")
    card.csv_correct = ";".join(
        str(number) for number, choice in enumerate(choices, start=1) if choice.is_correct
    )


def _parse_choices(card: Card) -> list[tuple[str, bool]]:
    texts = [(getattr(card, f"csv_{name}", "") or "").strip() for name in CHOICE_COLUMNS]
    while texts and not texts[-1]:
        texts.pop()
    if any(not text for text in texts):
        raise ColumnError("Choice columns must be filled in order: leave no gaps before the last.")
    for number, text in enumerate(texts, start=1):
        if len(text) > CHOICE_MAX_LENGTH:
            raise ColumnError(
                f"Choice {number} is {len(text)} characters long; a choice can be at most "
                f"{CHOICE_MAX_LENGTH} characters. Shorten it, or move detail to the explanation.",
                column=f"choice_{number}",
            )
    correct_numbers: set[int] = set()
    raw = (getattr(card, "csv_correct", "") or "").replace(",", ";")
    for part in raw.split(";"):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= len(texts):
            raise ColumnError(
                f"“correct” lists choice numbers like 1;3, and choice “{part}” does not exist."
            )
        correct_numbers.add(int(part))
    return [(text, number in correct_numbers) for number, text in enumerate(texts, start=1)]


def _sync_choices(card: Card, wanted: list[tuple[str, bool]]) -> None:
    """Update choices in place by position, so unchanged choices keep their ids (quiz records)."""
    existing = list(Choice.objects.filter(card=card).order_by("position", "id"))
    for position, (text, is_correct) in enumerate(wanted):
        if position < len(existing):
            choice = existing[position]
            if (choice.text, choice.is_correct, choice.position) != (text, is_correct, position):
                choice.text, choice.is_correct, choice.position = text, is_correct, position
                choice.save(update_fields=["text", "is_correct", "position"])
        else:
            Choice.objects.create(card=card, text=text, is_correct=is_correct, position=position)
    Choice.objects.filter(pk__in=[choice.pk for choice in existing[len(wanted) :]]).delete()
