"""Cards in the admin: the list with filters and bulk actions, the form with choices inline, the
preview in the learner's layout, the change history, and CSV import/export
(quizzes.content.admin.resources, imported exactly once by quizzes.content.admin.imports).

Every status change goes through the editorial workflow (quizzes.content.services.publishing)
whichever way it happens (form, bulk action, CSV), so the same rules decide: publishing is a
sign-off, and a published card whose wording changes goes back to review.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin

from quizzes.content.admin.common import (
    InUseProtectedDeleteMixin,
    log_bulk_change,
    message_problems,
)
from quizzes.content.admin.forms import CardAdminForm, ChoiceInlineFormSet
from quizzes.content.admin.imports import ExactlyOnceImportMixin
from quizzes.content.admin.resources import CardResource
from quizzes.content.admin.topics import InUseFilter
from quizzes.content.models import Card, CardStatus, Choice
from quizzes.content.services.publishing import (
    WORDING_FIELDS,
    PublishResult,
    card_reworded,
    cards_mark_critical,
    cards_publish,
    cards_set_status,
    cards_submit_for_review,
    wording_of,
)
from quizzes.content.services.reports import cards_confirm_source

# What the admin log says about each bulk move.
BULK_LOG = {
    CardStatus.DRAFT: "Unpublished: back to draft (bulk action).",
    CardStatus.IN_REVIEW: "Sent for review (bulk action).",
    CardStatus.PUBLISHED: "Signed off and published (bulk action).",
    CardStatus.ARCHIVED: "Retired (bulk action).",
}


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


class SourceChangedFilter(admin.SimpleListFilter):
    """Cards whose cited lesson changed and that an instructor has not confirmed yet."""

    title = "source changed"
    parameter_name = "source_changed"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Waiting for confirmation"), ("no", "Confirmed or unchanged")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(source_changed_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(source_changed_at__isnull=True)
        return queryset


@admin.register(Card)
class CardAdmin(InUseProtectedDeleteMixin, ExactlyOnceImportMixin, SimpleHistoryAdmin):
    form = CardAdminForm
    inlines = [ChoiceInline]
    resource_classes = [CardResource]
    list_display = [
        "short_front",
        "kind",
        "status",
        "topic",
        "critical",
        "last_reviewed",
        "needs_edit_reason",
    ]
    list_filter = [
        "status",
        "kind",
        "critical",
        ("topic", admin.RelatedOnlyFieldListFilter),
        "topic__article",
        SourceChangedFilter,
        InUseFilter,
        "origin",
        NeedsEditFilter,
    ]
    list_select_related = ["topic"]
    search_fields = ["front", "back", "explanation", "key", "tags", "topic__title"]
    list_per_page = 50
    actions = [
        "submit_for_review",
        "publish",
        "unpublish",
        "archive",
        "confirm_source",
        "mark_critical",
        "unmark_critical",
    ]
    readonly_fields = ["key", "origin", "created_at", "updated_at", "editorial_state"]
    fieldsets = [
        (None, {"fields": [("topic", "lesson"), ("kind", "status", "critical"), "needs_edit"]}),
        ("Editorial workflow", {"fields": ["editorial_state"]}),
        # The wording a sign-off covers (the kind is chosen above).
        ("What the learner sees", {"fields": [f for f in WORDING_FIELDS if f != "kind"]}),
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
    object_history_template = "admin/content/card/object_history.html"

    @admin.display(description="Front", ordering="front")
    def short_front(self, card: Card) -> str:
        return Truncator(card.front).chars(90)

    @admin.display(description="Needs edit", ordering="needs_edit")
    def needs_edit_reason(self, card: Card) -> str:
        return Truncator(card.needs_edit).chars(70) if card.needs_edit else "—"

    @admin.display(description="Last reviewed", ordering="signed_off_at")
    def last_reviewed(self, card: Card) -> str:
        flag = " · source changed" if card.source_changed_at else ""
        return f"{date_format(card.signed_off_at, 'j M Y') if card.signed_off_at else '–'}{flag}"

    @admin.display(description="Where the card stands")
    def editorial_state(self, card: Card) -> str:
        return render_to_string("admin/content/card/_editorial_state.html", {"card": card})

    # --- saving ------------------------------------------------------------------------------

    def save_model(self, request: HttpRequest, card: Card, form: Any, change: bool) -> None:
        # The status asked for is applied through the workflow once the choices are saved too
        # (save_related); until then the card keeps the status it has (a new card: draft).
        asked = card.status
        card._status_asked = asked if (not change or "status" in form.changed_data) else None
        card._wording_before = wording_of(card) if change else None
        card.status = form.initial.get("status", CardStatus.DRAFT) if change else CardStatus.DRAFT
        super().save_model(request, card, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        card, now = form.instance, timezone.now()
        before = getattr(card, "_wording_before", None)
        if before is not None and card_reworded(card=card, before=before, by=request.user, now=now):
            self.message_user(
                request,
                "The wording of this published card changed, so it went back to review: learners "
                "no longer see it until an instructor signs it off again.",
                messages.WARNING,
            )
        asked = getattr(card, "_status_asked", None)
        if asked and asked != card.status:
            self._move(request, [card], asked, bulk=False)

    def _move(self, request: HttpRequest, cards: Any, status: str, *, bulk: bool) -> list[Card]:
        """Apply a status an instructor asked for through the workflow's own service; returns
        the cards that moved (bulk actions also write them to the admin log)."""
        now = timezone.now()
        if status == CardStatus.PUBLISHED:
            result = cards_publish(cards=cards, now=now, by=request.user)
            self._report_publishing(request, result, bulk=bulk)
            changed = result.published
        elif status == CardStatus.IN_REVIEW:
            submitted = cards_submit_for_review(cards=cards, by=request.user, now=now)
            changed = submitted.submitted
            if changed:
                self.message_user(
                    request,
                    f"{cards_phrase(len(changed))} sent for review.",
                    messages.SUCCESS,
                )
            message_problems(
                self,
                request,
                [f"Not sent for review: “{c}”. {' '.join(p)}" for c, p in submitted.skipped],
                more="more cards were not sent for review.",
            )
        else:
            changed = cards_set_status(cards=cards, status=status, now=now, by=request.user)
            label = CardStatus(status).label.lower()
            self.message_user(
                request,
                f"{cards_phrase(len(changed))} now {label}; learners keep their history.",
                messages.SUCCESS,
            )
        if bulk:
            log_bulk_change(request, changed, BULK_LOG[status])
        return changed

    def _report_publishing(
        self, request: HttpRequest, result: PublishResult, *, bulk: bool
    ) -> None:
        if result.published:
            self.message_user(
                request,
                f"Signed off and published {cards_phrase(len(result.published))}.",
                messages.SUCCESS,
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
            more="more cards were not published; filter by status to find them.",
        )

    # --- history -----------------------------------------------------------------------------

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        """The card's history, and below it the history of its choices (part of its wording)."""
        choice_changes = (
            Choice.history.filter(card_id=unquote(object_id))
            .select_related("history_user")
            .order_by("-history_date")[:200]
        )
        context = {**(extra_context or {}), "choice_changes": choice_changes}
        return super().history_view(request, object_id, extra_context=context)

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

    @admin.action(description="Send selected cards for review", permissions=["change"])
    def submit_for_review(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        self._move(request, queryset, CardStatus.IN_REVIEW, bulk=True)

    @admin.action(description="Sign off and publish selected cards", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        self._move(request, queryset, CardStatus.PUBLISHED, bulk=True)

    @admin.action(description="Back to draft (unpublish) selected cards", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        self._move(request, queryset, CardStatus.DRAFT, bulk=True)

    @admin.action(description="Retire selected cards", permissions=["change"])
    def archive(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        self._move(request, queryset, CardStatus.ARCHIVED, bulk=True)

    @admin.action(
        description="Confirm the changed source of selected cards", permissions=["change"]
    )
    def confirm_source(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        count = cards_confirm_source(cards=queryset, by=request.user, now=timezone.now())
        self.message_user(
            request,
            f"Confirmed {cards_phrase(count)} against their changed source.",
            messages.SUCCESS,
        )

    @admin.action(description="Mark selected cards critical", permissions=["change"])
    def mark_critical(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        self._mark_critical(request, queryset, critical=True)

    @admin.action(description="Mark selected cards not critical", permissions=["change"])
    def unmark_critical(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        self._mark_critical(request, queryset, critical=False)

    def _mark_critical(self, request: HttpRequest, queryset: QuerySet[Card], *, critical: bool):
        changed = cards_mark_critical(
            cards=queryset, critical=critical, now=timezone.now(), by=request.user
        )
        what = "marked critical" if critical else "no longer critical"
        log_bulk_change(request, changed, f"{what.capitalize()} (bulk action).")
        self.message_user(request, f"{cards_phrase(len(changed))} {what}.", messages.SUCCESS)
