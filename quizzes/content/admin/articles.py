"""Articles in the admin: the list, their topics in order, and the upload (preview, then import
once; quizzes.content.services.uploads)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from quizzes.content.admin.common import log_bulk_change
from quizzes.content.admin.forms import ArticleConfirmForm, ArticleUploadForm
from quizzes.content.models import Article, Topic
from quizzes.content.parsing.tree import ArticleFormatError
from quizzes.content.services.import_report import ArticleImportError, ImportReport
from quizzes.content.services.uploads import (
    UploadAlreadyImported,
    upload_confirm,
    upload_preview,
)

UPLOAD_TEMPLATE = "admin/content/article/upload.html"
# Whatever the file holds, the instructor gets a one-line reason, never a server error.
UNREADABLE = (ArticleImportError, ArticleFormatError)

# The importer's report buckets, in the order an instructor reads them; absent ones are skipped.
REPORT_BUCKETS = [
    ("Created", "created"),
    ("Updated", "updated"),
    ("Archived", "archived"),
    ("Deleted", "deleted"),
    ("Kept", "kept"),
    ("Held back", "held"),
    ("Unchanged", "unchanged"),
]


def _report_rows(report: Any) -> list[dict[str, Any]]:
    buckets = [getattr(report, attribute, None) or {} for _, attribute in REPORT_BUCKETS]
    names = list(dict.fromkeys(name for bucket in buckets for name in bucket))
    return [{"name": name, "counts": [bucket.get(name, 0) for bucket in buckets]} for name in names]


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
    list_display = ["title", "slug", "source_name", "topic_count", "imported_at"]
    search_fields = ["title", "source_name"]
    readonly_fields = ["content_hash", "imported_at"]
    prepopulated_fields = {"slug": ("title",)}
    inlines = [TopicInline]
    change_list_template = "admin/content/article/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).annotate(topic_total=Count("topics"))

    @admin.display(description="Topics", ordering="topic_total")
    def topic_count(self, article: Article) -> int:
        return article.topic_total

    def has_upload_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.has_perms(
            [
                "content.add_article",
                "content.change_article",
                "content.add_card",
                "content.change_card",
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
            name="content_article_upload",
        )
        return [upload, *super().get_urls()]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Step 1: upload and see the dry run. Step 2: confirm, and the same file is imported
        once (a second confirm of the same preview writes nothing)."""
        if not self.has_upload_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Upload an article",
            "form": ArticleUploadForm(),
        }
        if request.method == "POST" and "confirm" in request.POST:
            return self._confirm(request, context)
        if request.method == "POST":
            return self._preview(request, context)
        return TemplateResponse(request, UPLOAD_TEMPLATE, context)

    def _preview(self, request: HttpRequest, context: dict) -> HttpResponse:
        form = ArticleUploadForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            return TemplateResponse(request, UPLOAD_TEMPLATE, context, status=400)
        article, new_article = form.cleaned_data["target"]
        try:
            # Whatever the file holds, the instructor gets a one-line reason, never an error page.
            preview = upload_preview(
                user=request.user,
                source_name=form.uploaded_name,
                data=form.cleaned_data["article"],
                curated_cards=form.cleaned_data.get("curated_cards"),
                article=article,
                new_article=new_article,
                now=timezone.now(),
            )
        except UNREADABLE as error:
            form.add_error(None, f"This file cannot be imported: {error}")
            return TemplateResponse(request, UPLOAD_TEMPLATE, context, status=400)
        report = preview.report
        context.update(
            report=report,
            source_name=form.uploaded_name,
            target=article,
            has_curated=bool(form.cleaned_data.get("curated_cards")),
            report_columns=[label for label, _ in REPORT_BUCKETS],
            report_rows=_report_rows(report),
            confirm_form=ArticleConfirmForm(initial={"upload": preview.upload.pk}),
        )
        return TemplateResponse(request, UPLOAD_TEMPLATE, context)

    def _confirm(self, request: HttpRequest, context: dict) -> HttpResponse:
        confirm_form = ArticleConfirmForm(request.POST)
        if not confirm_form.is_valid():
            confirm_form.add_error(
                None, "The confirmed upload does not match any preview of yours; upload again."
            )
            context["confirm_form"] = confirm_form
            return TemplateResponse(request, UPLOAD_TEMPLATE, context, status=400)
        try:
            report = upload_confirm(
                upload_id=confirm_form.cleaned_data["upload"],
                user=request.user,
                prune=confirm_form.cleaned_data["prune"],
                now=timezone.now(),
            )
        except UploadAlreadyImported as error:
            self.message_user(request, str(error), messages.WARNING)
            return HttpResponseRedirect(reverse("admin:content_article_changelist"))
        except UNREADABLE as error:
            self.message_user(request, f"The import failed: {error}", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:content_article_upload"))
        self._log_import(request, report)
        self.message_user(
            request, f"Imported {report.source_name}: {report.summary()}", messages.SUCCESS
        )
        return HttpResponseRedirect(
            reverse("admin:content_card_changelist") + "?status__exact=draft"
        )

    def _log_import(self, request: HttpRequest, report: ImportReport) -> None:
        article = Article.objects.filter(slug=report.article_slug).first()
        if article is not None:
            log_bulk_change(
                request,
                [article],
                f"Imported from the uploaded file {report.source_name}: {report.summary()}",
            )
