"""Articles in the admin: the list, their topics in order, and the upload (dry run, then import)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from quizzes.content.admin.common import log_bulk_change
from quizzes.content.admin.forms import ArticleConfirmForm, ArticleUploadForm
from quizzes.content.models import Article, Topic
from quizzes.content.parsing.tree import ArticleFormatError
from quizzes.content.services.importing import ArticleImportError, import_article_text

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
        """Step 1: upload and see the dry run. Step 2: confirm, and the same input is imported."""
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
                        uploaded_by=request.user,
                    )
                except unreadable as error:
                    self.message_user(request, f"The import failed: {error}", messages.ERROR)
                    return HttpResponseRedirect(reverse("admin:content_article_upload"))
                self._log_import(request, data["source_name"], report.summary())
                self.message_user(
                    request, f"Imported {data['source_name']}: {report.summary()}", messages.SUCCESS
                )
                return HttpResponseRedirect(
                    reverse("admin:content_card_changelist") + "?status__exact=draft"
                )
            context["confirm_form"] = confirm_form
            return TemplateResponse(
                request, "admin/content/article/upload.html", context, status=400
            )
        if request.method == "POST":
            form = ArticleUploadForm(request.POST, request.FILES)
            context["form"] = form
            if not form.is_valid():
                return TemplateResponse(
                    request, "admin/content/article/upload.html", context, status=400
                )
            try:
                report = import_article_text(
                    text=form.cleaned_data["article"],
                    source_name=form.uploaded_name,
                    curated_cards=form.cleaned_data.get("curated_cards"),
                    dry_run=True,
                    uploaded_by=request.user,
                )
            except unreadable as error:
                form.add_error(None, f"This file cannot be imported: {error}")
                return TemplateResponse(
                    request, "admin/content/article/upload.html", context, status=400
                )
            context.update(
                report=report,
                source_name=form.uploaded_name,
                has_curated=bool(form.cleaned_data.get("curated_cards")),
                report_columns=[label for label, _ in REPORT_BUCKETS],
                report_rows=_report_rows(report),
                confirm_form=ArticleConfirmForm(initial={"payload": form.signed_payload()}),
            )
        return TemplateResponse(request, "admin/content/article/upload.html", context)

    def _log_import(self, request: HttpRequest, source_name: str, summary: str) -> None:
        article = Article.objects.filter(source_name=source_name).order_by("-imported_at").first()
        if article is not None:
            log_bulk_change(
                request, [article], f"Imported from the uploaded file {source_name}: {summary}"
            )
