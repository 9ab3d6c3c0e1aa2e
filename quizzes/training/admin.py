"""The instructor admin for training: modules with lessons and pool, assignments, read-only attempts
and completions, the completion report (with CSV) and the learner CSV upload."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from quizzes.content.models import Card, CardStatus
from quizzes.core.spreadsheets import csv_response, csv_text

# Certificates, instructors of groups and reminders have their own module (kept under ~400 lines);
# importing it registers them.
from quizzes.training.admin_certificates import ReadOnlyAdmin
from quizzes.training.forms import (
    AssignmentAdminForm,
    LearnerUploadForm,
    ReportFilterForm,
    TrainingModuleAdminForm,
)
from quizzes.training.grading import GRADABLE_KINDS
from quizzes.training.models import (
    Assignment,
    Attempt,
    AttemptQuestion,
    Completion,
    ModuleLesson,
    TrainingModule,
)
from quizzes.training.selectors.report import completion_report
from quizzes.training.services.learners import (
    LearnersCreated,
    LearnerSheetRefused,
    learners_check,
    learners_create,
)

REPORT_PERMISSION = "insights.view_cohort_statistics"
UPLOAD_PERMISSION = "training.upload_learners"


class ModuleLessonInline(admin.TabularInline):
    model = ModuleLesson
    extra = 0
    fields = ["position", "lesson"]
    autocomplete_fields = ["lesson"]
    ordering = ["position", "id"]


class AssignmentInline(admin.TabularInline):
    model = Assignment
    form = AssignmentAdminForm
    extra = 0
    fields = ["group", "user", "due_at"]


@admin.register(TrainingModule)
class TrainingModuleAdmin(admin.ModelAdmin):
    form = TrainingModuleAdminForm
    inlines = [ModuleLessonInline, AssignmentInline]
    list_display = [
        "title",
        "is_published",
        "pool_size",
        "questions_per_attempt",
        "pass_mark",
        "attempts_allowed",
        "time_limit_minutes",
        "available_until",
    ]
    list_filter = ["is_published", "feedback_policy"]
    search_fields = ["title", "description"]
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ["question_pool"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "version", "description", "is_published"]}),
        ("Before the quiz", {"fields": ["lessons_required"]}),
        (
            "Quiz",
            {
                "fields": [
                    "question_pool",
                    "questions_per_attempt",
                    "pass_mark",
                    "attempts_allowed",
                    "time_limit_minutes",
                    "questions_per_page",
                    "shuffle_questions",
                    "shuffle_choices",
                    "partial_credit",
                    "feedback_policy",
                ]
            },
        ),
        ("Availability", {"fields": ["available_from", "available_until"]}),
        ("Certificate", {"fields": ["cpd_hours"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TrainingModule]:
        return super().get_queryset(request).annotate(pool_count=Count("question_pool"))

    @admin.display(description="Pool", ordering="pool_count")
    def pool_size(self, obj: TrainingModule) -> int:
        return obj.pool_count

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "question_pool":
            # Only cards a quiz can grade; archived cards stay out of new pools.
            kwargs["queryset"] = (
                Card.objects.filter(kind__in=GRADABLE_KINDS)
                .exclude(status=CardStatus.ARCHIVED)
                .select_related("topic")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    form = AssignmentAdminForm
    list_display = ["module", "group", "user", "due_at", "assigned_at"]
    list_filter = ["module", "group"]
    list_select_related = ["module", "group", "user"]
    date_hierarchy = "due_at"
    change_list_template = "admin/training/assignment_change_list.html"

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.upload_learners_view)
        return [
            path("upload-learners/", view, name="training_assignment_upload_learners"),
            *super().get_urls(),
        ]

    def upload_learners_view(self, request: HttpRequest) -> HttpResponse:
        """Preview the sheet with every row's errors; create accounts only when all are good."""
        if not request.user.has_perm(UPLOAD_PERMISSION):
            raise PermissionDenied("You may not add learners.")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Upload learners",
        }
        status = 200
        if request.method == "POST":
            form = LearnerUploadForm(request.POST, request.FILES)
            if not form.is_valid():
                status = 400
            elif "confirm" in request.POST:
                try:
                    created = learners_create(text=form.cleaned_data["content"])
                except LearnerSheetRefused as refused:
                    context.update(sheet=refused.sheet, content=form.cleaned_data["content"])
                    status = 400
                else:
                    return self._learners_created(request, context, created)
            else:
                sheet = learners_check(text=form.cleaned_data["content"])
                context.update(sheet=sheet, content=form.cleaned_data["content"])
                status = 400 if sheet.has_errors else 200
        else:
            form = LearnerUploadForm()
        context["form"] = form
        return TemplateResponse(
            request, "admin/training/upload_learners.html", context, status=status
        )

    def _learners_created(
        self, request: HttpRequest, context: dict, created: LearnersCreated
    ) -> HttpResponse:
        new_groups = ", ".join(created.groups_created)
        messages.success(
            request,
            f"{created.users} learner account{pluralize(created.users)} created, "
            f"{created.added} existing account{pluralize(created.added)} added to their groups"
            + (f" (new groups: {new_groups})" if new_groups else "")
            + ".",
        )
        links = set_password_links(request, created.new_accounts)
        context.update(
            created=created,
            links=links,
            links_csv=_links_csv_data_url(links),
            valid_days=max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        )
        # Shown once, never stored: the links are handed to the learners now.
        return TemplateResponse(request, "admin/training/learners_created.html", context)


def set_password_links(request: HttpRequest, users: list[Any]) -> list[dict[str, str]]:
    """A one-time "set your password" link for each new account (Django's password-reset token:
    it stops working once the password is set, or after PASSWORD_RESET_TIMEOUT)."""
    links = []
    for user in users:
        link_path = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        links.append(
            {
                "username": user.get_username(),
                "name": user.get_full_name(),
                "group": getattr(user, "sheet_group", ""),
                "url": request.build_absolute_uri(link_path),
            }
        )
    return links


def _links_csv_data_url(links: list[dict[str, str]]) -> str:
    """The links as a CSV file the browser saves itself, so they are never kept on the server."""
    rows = ([link[key] for key in ("username", "name", "group", "url")] for link in links)
    text = csv_text(["username", "name", "group", "set_password_link"], rows)
    return "data:text/csv;charset=utf-8," + quote(text)


class AttemptQuestionInline(admin.TabularInline):
    model = AttemptQuestion
    extra = 0
    fields = ["position", "card", "response", "answered_at", "checked_at", "flagged", "fraction"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = [
        "user",
        "module",
        "number",
        "started_at",
        "submitted_at",
        "score",
        "passed",
        "mistakes_released_at",
    ]
    list_filter = ["module", "passed"]
    list_select_related = ["user", "module"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    inlines = [AttemptQuestionInline]


@admin.register(Completion)
class CompletionAdmin(ReadOnlyAdmin):
    list_display = ["user", "module", "completed_at", "score"]
    list_filter = ["module"]
    list_select_related = ["user", "module"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    change_list_template = "admin/training/completion_change_list.html"

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.report_view)
        return [path("report/", view, name="training_completion_report"), *super().get_urls()]

    def report_view(self, request: HttpRequest) -> HttpResponse:
        """Completion per module and group: passed, overdue, in progress, not started; CSV too."""
        if not request.user.has_perm(REPORT_PERMISSION):
            raise PermissionDenied("You may not see the cohort's completion report.")
        form = ReportFilterForm(request.GET or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Training completion report",
            "form": form,
            "csv_query": _csv_query(request),
        }
        if form.is_bound and not form.is_valid():
            # A filter that matches nothing known must not fall back to exporting everyone.
            context["invalid"] = "The filter is not valid; nothing is shown or exported."
            return TemplateResponse(request, "admin/training/report.html", context, status=400)
        filters = form.cleaned_data if form.is_bound else {}
        report = completion_report(
            now=timezone.now(), module=filters.get("module"), group=filters.get("group")
        )
        if request.GET.get("format") == "csv":
            return report_csv(report)
        context["report"] = report
        return TemplateResponse(request, "admin/training/report.html", context)


def _csv_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query["format"] = "csv"
    return query.urlencode()


REPORT_COLUMNS = [
    "module",
    "groups",
    "username",
    "name",
    "status",
    "due",
    "score",
    "completed",
    "attempts",
    "best_score",
]


def report_csv(report: Any) -> HttpResponseBase:
    rows = (
        [
            row.module_title,
            row.group_label,
            row.username,
            row.name,
            row.status_label,
            row.due_at.isoformat() if row.due_at else "",
            row.score,
            row.completed_at.isoformat() if row.completed_at else "",
            row.attempts,
            row.best_score,
        ]
        for row in report.rows
    )
    return csv_response("training-completion.csv", REPORT_COLUMNS, rows)
