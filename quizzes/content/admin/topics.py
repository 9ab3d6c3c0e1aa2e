"""Topics with their lessons, and lessons on their own, in the admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from quizzes.content.admin.common import InUseProtectedDeleteMixin
from quizzes.content.admin.forms import LessonInlineForm, is_imported
from quizzes.content.models import Lesson, Topic
from quizzes.content.services.reports import cards_flag_source_changed
from quizzes.content.usage import in_use_q

# What a card cites: an edit to either sends every card of the lesson to the reports queue.
SOURCE_FIELDS = {"body", "source_passage"}


def flag_edited_sources(modeladmin: Any, request: HttpRequest, lessons: list[Lesson]) -> None:
    """Flag the cards of lessons whose text an instructor just changed, and say how many."""
    if not lessons:
        return
    result = cards_flag_source_changed(lessons=lessons, now=timezone.now())
    flagged = len(result.raised) + len(result.refreshed)
    if flagged:
        modeladmin.message_user(
            request,
            f"{flagged} card{'s' if flagged != 1 else ''} cite{'s' if flagged == 1 else ''} the "
            "changed text and now show “source changed” until an instructor confirms them "
            "(Reports).",
            messages.WARNING,
        )


def _source_edited(form: Any) -> bool:
    return bool(form.instance.pk and form.initial and SOURCE_FIELDS & set(form.changed_data))


class InUseFilter(admin.SimpleListFilter):
    """Rows learners or training modules use (which can only be archived) and the others."""

    title = "in use"
    parameter_name = "in_use"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Used by learners or modules"), ("no", "Not used yet")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(in_use_q(queryset.model))
        if self.value() == "no":
            return queryset.exclude(in_use_q(queryset.model))
        return queryset


class LessonInline(admin.StackedInline):
    model = Lesson
    form = LessonInlineForm
    fields = [("position", "title", "key"), "body", "source_passage"]
    prepopulated_fields = {"key": ("title",)}
    ordering = ["position", "id"]
    extra = 0
    show_change_link = True


@admin.register(Topic)
class TopicAdmin(InUseProtectedDeleteMixin, admin.ModelAdmin):
    list_display = ["title", "article", "kind", "number", "position", "lesson_count", "card_count"]
    list_editable = ["position"]
    list_filter = ["article", "kind", InUseFilter]
    list_select_related = ["article"]
    search_fields = ["title", "key", "lessons__title"]
    prepopulated_fields = {"slug": ("title",), "key": ("title",)}
    ordering = ["article__title", "position"]
    inlines = [LessonInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        edited = [
            f.instance for f in formset.forms if formset.model is Lesson and _source_edited(f)
        ]
        super().save_formset(request, form, formset, change)
        flag_edited_sources(self, request, edited)

    def get_readonly_fields(self, request: HttpRequest, obj: Topic | None = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if is_imported(obj):
            # Re-imports find the topic by its key; a changed key or slug would clash with them.
            readonly += ["key", "slug"]
        return readonly

    def get_prepopulated_fields(self, request: HttpRequest, obj: Topic | None = None) -> dict:
        return {} if is_imported(obj) else super().get_prepopulated_fields(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Topic]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                lesson_total=Count("lessons", distinct=True),
                card_total=Count("cards", distinct=True),
            )
        )

    @admin.display(description="Lessons", ordering="lesson_total")
    def lesson_count(self, topic: Topic) -> int:
        return topic.lesson_total

    @admin.display(description="Cards", ordering="card_total")
    def card_count(self, topic: Topic) -> int:
        return topic.card_total


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["title", "topic", "position"]
    list_filter = ["topic__article", "topic"]
    list_select_related = ["topic"]
    search_fields = ["title", "key", "body"]
    ordering = ["topic__article__title", "topic__position", "position"]

    def get_readonly_fields(self, request: HttpRequest, obj: Lesson | None = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "key"] if is_imported(obj) else readonly

    def save_model(self, request: HttpRequest, lesson: Lesson, form: Any, change: bool) -> None:
        edited = change and _source_edited(form)
        super().save_model(request, lesson, form, change)
        flag_edited_sources(self, request, [lesson] if edited else [])
