"""The Reports queue: learners' reports and BoneLearn's own flags about cards, with counts and
filters; an instructor resolves each one (a learner's with a reply the learner reads)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from quizzes.content.models import CardReport, ReportReason, ReportStatus
from quizzes.content.services.reports import ReportRefused, report_resolve


class RaisedByFilter(admin.SimpleListFilter):
    title = "raised by"
    parameter_name = "raised_by"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("learner", "A learner"), ("bonelearn", "BoneLearn (automatic flag)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "learner":
            return queryset.filter(reporter__isnull=False)
        if self.value() == "bonelearn":
            return queryset.filter(reporter__isnull=True)
        return queryset


class ResolveForm(forms.ModelForm):
    """Saving an open report resolves it; the reply is what the learner reads."""

    class Meta:
        model = CardReport
        fields = ["reply"]
        widgets = {"reply": forms.Textarea(attrs={"rows": 5, "cols": 80})}
        labels = {"reply": "Reply"}
        help_texts = {
            "reply": "Saving resolves the report. A learner reads your reply under My reports; "
            "for an automatic flag say what you checked (optional)."
        }

    def clean_reply(self) -> str:
        reply = (self.cleaned_data.get("reply") or "").strip()
        if not self.instance.is_flag and not reply:
            raise forms.ValidationError("Write a reply: the learner reads it under My reports.")
        return reply


@admin.register(CardReport)
class CardReportAdmin(admin.ModelAdmin):
    form = ResolveForm
    list_display = ["card_front", "reason", "raised_by", "status", "created_at", "short_note"]
    list_filter = [
        "status",
        "reason",
        RaisedByFilter,
        "place",
        ("card__topic", admin.RelatedOnlyFieldListFilter),
    ]
    # Counts beside every filter choice: how many reports of each kind wait.
    show_facets = admin.ShowFacets.ALWAYS
    list_select_related = ["card", "reporter"]
    search_fields = ["card__front", "card__key", "note", "reply", "reporter__username"]
    ordering = ["status", "-created_at"]
    actions = ["resolve_flags"]
    change_list_template = "admin/content/cardreport/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CardReport]:
        return super().get_queryset(request).for_queue()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # learners report, BoneLearn flags; instructors resolve

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the queue is a record of what was reported and answered

    def get_fields(self, request: HttpRequest, obj: CardReport | None = None) -> list[str]:
        fields = ["about_the_card", "report_summary"]
        return [*fields, "reply"] if obj is not None and obj.is_open else fields

    def get_readonly_fields(self, request: HttpRequest, obj: CardReport | None = None) -> list:
        return ["about_the_card", "report_summary"]

    @admin.display(description="Card", ordering="card__front")
    def card_front(self, report: CardReport) -> str:
        return Truncator(report.card.front).chars(70)

    @admin.display(description="Raised by", ordering="reporter__username")
    def raised_by(self, report: CardReport) -> str:
        return report.reporter.get_username() if report.reporter else "BoneLearn"

    @admin.display(description="Note")
    def short_note(self, report: CardReport) -> str:
        return Truncator(report.note).chars(80)

    @admin.display(description="Card")
    def about_the_card(self, report: CardReport) -> str:
        return render_to_string("admin/content/cardreport/_card.html", {"card": report.card})

    @admin.display(description="Report")
    def report_summary(self, report: CardReport) -> str:
        return render_to_string("admin/content/cardreport/_report.html", {"report": report})

    def save_model(self, request: HttpRequest, report: CardReport, form: Any, change: bool) -> None:
        if not report.is_open:
            return
        try:
            report_resolve(
                report=report, by=request.user, reply=form.cleaned_data["reply"], now=timezone.now()
            )
        except ReportRefused as error:
            self.message_user(request, str(error), messages.ERROR)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        waiting = CardReport.objects.open().aggregate(
            total=Count("id"),
            learners=Count("id", filter=Q(reporter__isnull=False)),
            statistics=Count("id", filter=Q(reason=ReportReason.STATISTICS)),
            source_changed=Count("id", filter=Q(reason=ReportReason.SOURCE_CHANGED)),
        )
        open_url = reverse("admin:content_cardreport_changelist") + "?status__exact=open"
        context = {**(extra_context or {}), "waiting": waiting, "open_url": open_url}
        return super().changelist_view(request, context)

    @admin.action(description="Resolve selected automatic flags (checked)", permissions=["change"])
    def resolve_flags(self, request: HttpRequest, queryset: QuerySet[CardReport]) -> None:
        now, resolved = timezone.now(), 0
        selected = list(queryset.filter(status=ReportStatus.OPEN))
        for report in selected:
            if report.is_flag:
                report_resolve(report=report, by=request.user, reply="", now=now)
                resolved += 1
        self.message_user(request, f"Resolved {resolved} flag{'s' if resolved != 1 else ''}.")
        if resolved < len(selected):
            self.message_user(
                request,
                format_html(
                    "{} learner report{} left open: open each one to reply to the learner.",
                    len(selected) - resolved,
                    "s" if len(selected) - resolved != 1 else "",
                ),
                messages.WARNING,
            )
