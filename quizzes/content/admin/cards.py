"""Cards in the admin: the list with filters and bulk actions, the form with choices inline, the
preview in the learner's layout, and CSV import/export (quizzes.content.admin.resources).

Publishing goes through the publishing service whichever way it happens (form, bulk action, CSV),
so the same rules decide and the learners who read the topic receive the card.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.text import Truncator
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats

from quizzes.content.admin.common import (
    InUseProtectedDeleteMixin,
    log_bulk_change,
    message_problems,
)
from quizzes.content.admin.forms import CardAdminForm, ChoiceInlineFormSet
from quizzes.content.admin.resources import CardResource
from quizzes.content.admin.topics import InUseFilter
from quizzes.content.models import Card, CardStatus, Choice
from quizzes.content.services.publishing import (
    PublishResult,
    cards_mark_critical,
    cards_publish,
    cards_set_status,
)


def cards_phrase(count: int) -> str:
    return f"{count} card{'s' if count != 1 else ''}"


def learners_phrase(count: int) -> str:
    return f"{count} learner{'s' if count != 1 else ''}"


class ChoiceInline(admin.TabularInline):
    model = Choice
    formset = ChoiceInlineFormSet
    fields = ["position", "text", "is_correct"]
    ordering = ["position", "id"]
    extra = 0


class NeedsEditFilter(admin.SimpleListFilter):
    """Drafts the importer's item checks marked: publishing skips them until they are fixed."""

    title = "needs edit"
    parameter_name = "needs_edit"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Needs edit"), ("no", "Passes the item checks")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Card]) -> QuerySet[Card]:
        if self.value() == "yes":
            return queryset.exclude(needs_edit="")
        if self.value() == "no":
            return queryset.filter(needs_edit="")
        return queryset


@admin.register(Card)
class CardAdmin(InUseProtectedDeleteMixin, ImportExportMixin, admin.ModelAdmin):
    form = CardAdminForm
    inlines = [ChoiceInline]
    resource_classes = [CardResource]
    formats = [base_formats.CSV]
    list_display = ["short_front", "kind", "status", "topic", "critical", "needs_edit_reason"]
    list_filter = [
        "status",
        "kind",
        "critical",
        ("topic", admin.RelatedOnlyFieldListFilter),
        "topic__article",
        InUseFilter,
        "origin",
        NeedsEditFilter,
    ]
    list_select_related = ["topic"]
    search_fields = ["front", "back", "explanation", "key", "tags", "topic__title"]
    list_per_page = 50
    actions = ["publish", "unpublish", "archive", "mark_critical", "unmark_critical"]
    readonly_fields = ["key", "origin", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": [("topic", "lesson"), ("kind", "status", "critical"), "needs_edit"]}),
        (
            "What the learner sees",
            {"fields": ["front", "back", "explanation", "accepted_answers"]},
        ),
        (
            "Source and bookkeeping",
            {
                "classes": ["collapse"],
                "fields": [
                    "source_excerpt",
                    "tags",
                    "position",
                    ("key", "origin"),
                    ("created_at", "updated_at"),
                ],
            },
        ),
    ]

    @admin.display(description="Front", ordering="front")
    def short_front(self, card: Card) -> str:
        return Truncator(card.front).chars(90)

    @admin.display(description="Needs edit", ordering="needs_edit")
    def needs_edit_reason(self, card: Card) -> str:
        return Truncator(card.needs_edit).chars(70) if card.needs_edit else "—"

    # --- saving ------------------------------------------------------------------------------

    def save_model(self, request: HttpRequest, card: Card, form: Any, change: bool) -> None:
        # A card becomes published only through the publishing service, once its choices are
        # saved too (save_related): it is stored with its previous status until then.
        card._publish = card.status == CardStatus.PUBLISHED and not (
            change and Card.objects.filter(pk=card.pk, status=CardStatus.PUBLISHED).exists()
        )
        if card._publish:
            card.status = form.initial.get("status") or CardStatus.DRAFT
            if card.status == CardStatus.PUBLISHED:
                card.status = CardStatus.DRAFT
        super().save_model(request, card, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        card = form.instance
        if getattr(card, "_publish", False):
            result = cards_publish(cards=[card], now=timezone.now())
            card.status = CardStatus.PUBLISHED if result.published else card.status
            self._report_publishing(request, result, bulk=False)

    def _report_publishing(
        self, request: HttpRequest, result: PublishResult, *, bulk: bool
    ) -> None:
        if result.published and bulk:
            self.message_user(
                request, f"Published {cards_phrase(len(result.published))}.", messages.SUCCESS
            )
        if result.unlocked:
            self.message_user(
                request,
                f"{cards_phrase(result.unlocked)} reached the review queues of learners who "
                "already read the topic."
                if bulk
                else f"The card is now in the review queue of {learners_phrase(result.unlocked)} "
                "who already read its topic.",
                messages.INFO,
            )
        if result.already_published:
            count = len(result.already_published)
            self.message_user(
                request,
                f"{count} card{'s were' if count != 1 else ' was'} already published.",
                messages.INFO,
            )
        message_problems(
            self,
            request,
            [f"Not published: “{card}”. {' '.join(problems)}" for card, problems in result.skipped],
            more="more cards were not published; filter by status “Draft” to find them.",
        )

    # --- preview -----------------------------------------------------------------------------

    def get_urls(self) -> list:
        preview = path(
            "<path:object_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="content_card_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The saved card in the learner's own page layout."""
        card = self.get_object(request, unquote(object_id))
        if card is None:
            raise Http404("No such card.")
        if not self.has_view_or_change_permission(request, card):
            raise PermissionDenied
        return render(
            request,
            "admin/content/card/preview.html",
            {"card": card, "choices": list(card.choices.all())},
        )

    # --- import/export permissions -----------------------------------------------------------

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perms(["content.add_card", "content.change_card"])

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("content.view_card")

    # --- bulk actions ------------------------------------------------------------------------

    @admin.action(description="Publish selected cards", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        result = cards_publish(cards=queryset, now=timezone.now())
        log_bulk_change(request, result.published, "Published (bulk action).")
        self._report_publishing(request, result, bulk=True)

    @admin.action(description="Unpublish selected cards (back to draft)", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        changed = cards_set_status(cards=queryset, status=CardStatus.DRAFT, now=timezone.now())
        log_bulk_change(request, changed, "Unpublished: back to draft (bulk action).")
        self.message_user(
            request,
            f"{cards_phrase(len(changed))} moved back to draft; learners keep their history.",
            messages.SUCCESS,
        )

    @admin.action(description="Archive selected cards", permissions=["change"])
    def archive(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        changed = cards_set_status(cards=queryset, status=CardStatus.ARCHIVED, now=timezone.now())
        log_bulk_change(request, changed, "Archived (bulk action).")
        self.message_user(
            request,
            f"{cards_phrase(len(changed))} archived; learners keep their history.",
            messages.SUCCESS,
        )

    @admin.action(description="Mark selected cards critical", permissions=["change"])
    def mark_critical(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        changed = cards_mark_critical(cards=queryset, critical=True, now=timezone.now())
        log_bulk_change(request, changed, "Marked critical (bulk action).")
        self.message_user(
            request,
            f"{cards_phrase(len(changed))} marked critical.",
            messages.SUCCESS,
        )

    @admin.action(description="Mark selected cards not critical", permissions=["change"])
    def unmark_critical(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        changed = cards_mark_critical(cards=queryset, critical=False, now=timezone.now())
        log_bulk_change(request, changed, "Marked not critical (bulk action).")
        self.message_user(
            request,
            f"{cards_phrase(len(changed))} no longer critical.",
            messages.SUCCESS,
        )
