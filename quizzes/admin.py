"""The instructor admin: articles, topics with their lessons, cards with their choices."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, FloatField, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Coalesce, NullIf
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats

from .admin_forms import (
    ArticleConfirmForm,
    ArticleUploadForm,
    CardAdminForm,
    ChoiceInlineFormSet,
    LessonInlineForm,
    is_imported,
)
from .models import Article, Card, CardStatus, Choice, Lesson, MemoryState, ReviewLog, Topic
from .resources import CardResource
from .services.authoring import (
    card_deletion_refusal,
    card_history_q,
    cards_mark_critical,
    cards_publish,
    cards_set_status,
    cards_unlock_for_readers,
    deletion_refusals,
    topic_deletion_refusal,
    topic_history_q,
)

admin.site.site_header = "BoneLearn administration"
admin.site.site_title = "BoneLearn admin"
admin.site.index_title = "Content, training and learners"

MAX_LISTED_PROBLEMS = 10


def _cards(count: int) -> str:
    return f"{count} card{'s' if count != 1 else ''}"


def _log_bulk_change(request: HttpRequest, objs: list[Any], message: str) -> None:
    # Bulk actions bypass the change form, so they write the admin history themselves.
    if objs:
        LogEntry.objects.log_actions(
            user_id=request.user.pk, queryset=objs, action_flag=CHANGE, change_message=message
        )


# The importer's report buckets, in the order an instructor reads them; absent ones are skipped.
REPORT_BUCKETS = [
    ("Created", "created"),
    ("Updated", "updated"),
    ("Archived", "archived"),
    ("Deleted", "deleted"),
    ("Kept", "kept"),
    ("Unchanged", "unchanged"),
]


def _report_rows(report: Any) -> list[dict[str, Any]]:
    buckets = [getattr(report, attribute, None) or {} for _, attribute in REPORT_BUCKETS]
    names = list(dict.fromkeys(name for bucket in buckets for name in bucket))
    return [{"name": name, "counts": [bucket.get(name, 0) for bucket in buckets]} for name in names]


class HistoryProtectedDeleteMixin:
    """Refuse to delete what learners have answered; point the instructor to archiving instead."""

    # Each admin names the service that says why one of its objects must not be deleted.
    deletion_refusal: Callable[[Any], str | None]

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        refusal = self.deletion_refusal(obj) if obj is not None else None
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            )
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        refusal = self.deletion_refusal(obj)
        if refusal:
            raise PermissionDenied(refusal)
        super().delete_model(request, obj)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _, name, description = actions["delete_selected"]
            actions["delete_selected"] = (guarded_delete_selected, name, description)
        return actions


def guarded_delete_selected(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet
) -> HttpResponse | None:
    """Django's bulk delete, refused as a whole when any selected object has learner history."""
    refusals = deletion_refusals(queryset)
    if refusals:
        for refusal in refusals[:MAX_LISTED_PROBLEMS]:
            modeladmin.message_user(request, refusal, messages.ERROR)
        if len(refusals) > MAX_LISTED_PROBLEMS:
            modeladmin.message_user(
                request, f"… and {len(refusals) - MAX_LISTED_PROBLEMS} more.", messages.ERROR
            )
        modeladmin.message_user(request, "Nothing was deleted.", messages.WARNING)
        return None
    return delete_selected(modeladmin, request, queryset)


# --- Articles ----------------------------------------------------------------------------------


class TopicInline(admin.TabularInline):
    """The article's topics in reading order; reorder them here, edit them on their own page."""

    model = Topic
    fields = ["position", "title", "kind", "number"]
    readonly_fields = ["title", "kind", "number"]
    ordering = ["position"]
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "source_name", "topic_count", "imported_at"]
    search_fields = ["title", "source_name"]
    readonly_fields = ["content_hash", "imported_at"]
    prepopulated_fields = {"slug": ("title",)}
    inlines = [TopicInline]
    change_list_template = "admin/quizzes/article/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).annotate(topic_total=Count("topics"))

    @admin.display(description="Topics", ordering="topic_total")
    def topic_count(self, article: Article) -> int:
        return article.topic_total

    def has_upload_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.has_perms(
            [
                "quizzes.add_article",
                "quizzes.change_article",
                "quizzes.add_card",
                "quizzes.change_card",
            ]
        )

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        extra_context = {
            **(extra_context or {}),
            "has_upload_permission": self.has_upload_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self) -> list:
        upload = path(
            "upload/",
            self.admin_site.admin_view(self.upload_view),
            name="quizzes_article_upload",
        )
        return [upload, *super().get_urls()]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Step 1: upload and see the dry run. Step 2: confirm, and the same input is imported."""
        from .articles import ArticleFormatError
        from .importing import ArticleImportError, import_article_text

        # Whatever the file holds, the instructor gets a one-line reason, never a server error.
        unreadable = (ArticleImportError, ArticleFormatError)

        if not self.has_upload_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Upload an article",
            "form": ArticleUploadForm(),
        }
        if request.method == "POST" and "confirm" in request.POST:
            confirm_form = ArticleConfirmForm(request.POST)
            if confirm_form.is_valid():
                data = confirm_form.cleaned_data["payload"]
                try:
                    report = import_article_text(
                        text=data["text"],
                        source_name=data["source_name"],
                        curated_cards=data.get("curated_cards"),
                        dry_run=False,
                    )
                except unreadable as error:
                    self.message_user(request, f"The import failed: {error}", messages.ERROR)
                    return HttpResponseRedirect(reverse("admin:quizzes_article_upload"))
                self._log_import(request, data["source_name"], report.summary())
                self.message_user(
                    request, f"Imported {data['source_name']}: {report.summary()}", messages.SUCCESS
                )
                return HttpResponseRedirect(
                    reverse("admin:quizzes_card_changelist") + "?status__exact=draft"
                )
            context["confirm_form"] = confirm_form
            return TemplateResponse(
                request, "admin/quizzes/article/upload.html", context, status=400
            )
        if request.method == "POST":
            form = ArticleUploadForm(request.POST, request.FILES)
            context["form"] = form
            if not form.is_valid():
                return TemplateResponse(
                    request, "admin/quizzes/article/upload.html", context, status=400
                )
            try:
                report = import_article_text(
                    text=form.cleaned_data["article"],
                    source_name=form.uploaded_name,
                    curated_cards=form.cleaned_data.get("curated_cards"),
                    dry_run=True,
                )
            except unreadable as error:
                form.add_error(None, f"This file cannot be imported: {error}")
                return TemplateResponse(
                    request, "admin/quizzes/article/upload.html", context, status=400
                )
            context.update(
                report=report,
                source_name=form.uploaded_name,
                has_curated=bool(form.cleaned_data.get("curated_cards")),
                report_columns=[label for label, _ in REPORT_BUCKETS],
                report_rows=_report_rows(report),
                confirm_form=ArticleConfirmForm(initial={"payload": form.signed_payload()}),
            )
        return TemplateResponse(request, "admin/quizzes/article/upload.html", context)

    def _log_import(self, request: HttpRequest, source_name: str, summary: str) -> None:
        article = Article.objects.filter(source_name=source_name).order_by("-imported_at").first()
        if article is not None:
            _log_bulk_change(
                request, [article], f"Imported from the uploaded file {source_name}: {summary}"
            )


# --- Topics and lessons ------------------------------------------------------------------------


class LessonInline(admin.StackedInline):
    model = Lesson
    form = LessonInlineForm
    fields = [("position", "title", "key"), "body", "source_passage"]
    prepopulated_fields = {"key": ("title",)}
    ordering = ["position", "id"]
    extra = 0
    show_change_link = True


class TopicHistoryFilter(admin.SimpleListFilter):
    title = "learner history"
    parameter_name = "history"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Answered by learners"), ("no", "Not yet answered")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(topic_history_q())
        if self.value() == "no":
            return queryset.exclude(topic_history_q())
        return queryset


@admin.register(Topic)
class TopicAdmin(HistoryProtectedDeleteMixin, admin.ModelAdmin):
    list_display = ["title", "article", "kind", "number", "position", "lesson_count", "card_count"]
    list_editable = ["position"]
    list_filter = ["article", "kind", TopicHistoryFilter]
    list_select_related = ["article"]
    search_fields = ["title", "key", "lessons__title"]
    prepopulated_fields = {"slug": ("title",), "key": ("title",)}
    ordering = ["article__title", "position"]
    inlines = [LessonInline]

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

    def deletion_refusal(self, obj: Topic) -> str | None:
        return topic_deletion_refusal(obj)


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


# --- Cards -------------------------------------------------------------------------------------


class ChoiceInline(admin.TabularInline):
    model = Choice
    formset = ChoiceInlineFormSet
    fields = ["position", "text", "is_correct"]
    ordering = ["position", "id"]
    extra = 0


class CardHistoryFilter(admin.SimpleListFilter):
    title = "learner history"
    parameter_name = "history"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Answered by learners"), ("no", "Not yet answered")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(card_history_q())
        if self.value() == "no":
            return queryset.exclude(card_history_q())
        return queryset


def _reviews_subquery() -> Subquery:
    # Undone answers stay in the append-only log but do not count.
    counted = (
        ReviewLog.objects.filter(card=OuterRef("pk"), undo__isnull=True)
        .order_by()
        .values("card")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Subquery(counted, output_field=IntegerField())


def _memory_sum_subquery(field: str) -> Subquery:
    summed = (
        MemoryState.objects.filter(card=OuterRef("pk"))
        .order_by()
        .values("card")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Subquery(summed, output_field=IntegerField())


@admin.register(Card)
class CardAdmin(HistoryProtectedDeleteMixin, ImportExportMixin, admin.ModelAdmin):
    form = CardAdminForm
    inlines = [ChoiceInline]
    resource_classes = [CardResource]
    formats = [base_formats.CSV]
    list_display = [
        "short_front",
        "kind",
        "status",
        "topic",
        "critical",
        "review_count",
        "lapse_rate",
    ]
    list_filter = [
        "status",
        "kind",
        "critical",
        ("topic", admin.RelatedOnlyFieldListFilter),
        "topic__article",
        CardHistoryFilter,
        "origin",
    ]
    list_select_related = ["topic"]
    search_fields = ["front", "back", "explanation", "key", "tags", "topic__title"]
    list_per_page = 50
    actions = ["publish", "unpublish", "archive", "mark_critical", "unmark_critical"]
    readonly_fields = ["key", "origin", "created_at", "updated_at", "learner_statistics"]

    def get_fieldsets(self, request: HttpRequest, obj: Card | None = None) -> list:
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and request.user.has_perm("quizzes.view_cohort_statistics"):
            fields = {"classes": ["collapse"], "fields": ["learner_statistics"]}
            fieldsets.append(("Learner statistics and quiz item analysis", fields))
        return fieldsets

    @admin.display(description="Across all learners")
    def learner_statistics(self, card: Card) -> str:
        # Imported here: the analytics selectors are only needed on a card's change page.
        from django.template.loader import render_to_string

        from .selectors.analytics import card_item_analysis

        return render_to_string("quizzes/_card_statistics.html", card_item_analysis(card=card))

    fieldsets = [
        (None, {"fields": [("topic", "lesson"), ("kind", "status", "critical")]}),
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Card]:
        reps = Coalesce(_memory_sum_subquery("reps"), 0)
        return (
            super()
            .get_queryset(request)
            .annotate(
                reviews_total=Coalesce(_reviews_subquery(), 0),
                reps_total=reps,
                lapses_total=Coalesce(_memory_sum_subquery("lapses"), 0),
            )
            .annotate(
                lapse_ratio=Cast("lapses_total", FloatField())
                / NullIf(Cast("reps_total", FloatField()), 0.0)
            )
        )

    @admin.display(description="Front", ordering="front")
    def short_front(self, card: Card) -> str:
        return card.front if len(card.front) <= 90 else f"{card.front[:89]}…"

    @admin.display(description="Reviews", ordering="reviews_total")
    def review_count(self, card: Card) -> int:
        return card.reviews_total

    @admin.display(description="Lapse rate", ordering="lapse_ratio")
    def lapse_rate(self, card: Card) -> str:
        # Lapses per answer across learners; shown only once someone has answered the card.
        if not card.reps_total:
            return "—"
        return f"{100 * card.lapses_total / card.reps_total:.0f}%"

    # --- saving ------------------------------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Card, form: Any, change: bool) -> None:
        if not obj.key:
            # A stable key lets CSV export and import find the card again.
            obj.key = f"authored-{uuid.uuid4().hex[:12]}"
        obj._was_published = (
            change and Card.objects.filter(pk=obj.pk, status=CardStatus.PUBLISHED).exists()
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        card = form.instance
        if card.status == CardStatus.PUBLISHED and not getattr(card, "_was_published", False):
            unlocked = cards_unlock_for_readers(cards=[card], now=timezone.now())
            if unlocked:
                self.message_user(
                    request,
                    f"The card is now in the review queue of {unlocked} learner"
                    f"{'s' if unlocked != 1 else ''} who already read its topic.",
                    messages.INFO,
                )

    def deletion_refusal(self, obj: Card) -> str | None:
        return card_deletion_refusal(obj)

    # --- preview -----------------------------------------------------------------------------

    def get_urls(self) -> list:
        preview = path(
            "<path:object_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="quizzes_card_preview",
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
            "admin/quizzes/card/preview.html",
            {"card": card, "choices": list(card.choices.all())},
        )

    # --- import/export permissions -----------------------------------------------------------

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perms(["quizzes.add_card", "quizzes.change_card"])

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("quizzes.view_card")

    # --- bulk actions ------------------------------------------------------------------------

    @admin.action(description="Publish selected cards", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        result = cards_publish(cards=queryset, now=timezone.now())
        _log_bulk_change(request, result.published, "Published (bulk action).")
        if result.published:
            unlocked = (
                f" {result.unlocked} new card{'s' if result.unlocked != 1 else ''} reached the "
                "review queues of learners who already read the topic."
                if result.unlocked
                else ""
            )
            self.message_user(
                request,
                f"Published {_cards(len(result.published))}.{unlocked}",
                messages.SUCCESS,
            )
        if result.already_published:
            self.message_user(
                request,
                f"{len(result.already_published)} card"
                f"{'s were' if len(result.already_published) != 1 else ' was'} already published.",
                messages.INFO,
            )
        for card, problems in result.skipped[:MAX_LISTED_PROBLEMS]:
            self.message_user(
                request, f"Not published: “{card}”. {' '.join(problems)}", messages.ERROR
            )
        if len(result.skipped) > MAX_LISTED_PROBLEMS:
            self.message_user(
                request,
                f"… and {len(result.skipped) - MAX_LISTED_PROBLEMS} more cards were not published; "
                "filter by status “Draft” to find them.",
                messages.ERROR,
            )

    @admin.action(description="Unpublish selected cards (back to draft)", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        changed = cards_set_status(cards=queryset, status=CardStatus.DRAFT, now=timezone.now())
        _log_bulk_change(request, changed, "Unpublished: back to draft (bulk action).")
        self.message_user(
            request,
            f"{_cards(len(changed))} moved back to draft; learners keep their history.",
            messages.SUCCESS,
        )

    @admin.action(description="Archive selected cards", permissions=["change"])
    def archive(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        changed = cards_set_status(cards=queryset, status=CardStatus.ARCHIVED, now=timezone.now())
        _log_bulk_change(request, changed, "Archived (bulk action).")
        self.message_user(
            request,
            f"{_cards(len(changed))} archived; learners keep their history.",
            messages.SUCCESS,
        )

    @admin.action(description="Mark selected cards critical", permissions=["change"])
    def mark_critical(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        changed = cards_mark_critical(cards=queryset, critical=True, now=timezone.now())
        _log_bulk_change(request, changed, "Marked critical (bulk action).")
        self.message_user(
            request,
            f"{_cards(len(changed))} marked critical.",
            messages.SUCCESS,
        )

    @admin.action(description="Mark selected cards not critical", permissions=["change"])
    def unmark_critical(self, request: HttpRequest, queryset: QuerySet[Card]) -> None:
        changed = cards_mark_critical(cards=queryset, critical=False, now=timezone.now())
        _log_bulk_change(request, changed, "Marked not critical (bulk action).")
        self.message_user(
            request,
            f"{_cards(len(changed))} no longer critical.",
            messages.SUCCESS,
        )


from . import training_admin  # noqa: E402, F401
