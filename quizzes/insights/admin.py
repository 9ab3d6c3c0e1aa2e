"""The card admin with the cohort's figures: reviews and lapse rate in the list, the item analysis
on the card's page; the Reports queue with a button that flags cards whose figures look wrong.
Insights extends the content app's card admin rather than content reaching up
for figures it does not own (imports run one way)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone

from quizzes.content.admin.cards import CardAdmin
from quizzes.content.admin.reports import CardReportAdmin
from quizzes.content.models import Card, CardReport
from quizzes.insights import statistics
from quizzes.insights.flagging import flag_statistics
from quizzes.insights.selectors.items import card_item_analysis, with_review_counts
from quizzes.insights.templatetags.statistics_tags import percent

STATISTICS_PERMISSION = "insights.view_cohort_statistics"


class CardWithStatisticsAdmin(CardAdmin):
    list_display = [*CardAdmin.list_display, "review_count", "lapse_rate"]
    readonly_fields = [*CardAdmin.readonly_fields, "learner_statistics"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Card]:
        return with_review_counts(super().get_queryset(request))

    def get_fieldsets(self, request: HttpRequest, obj: Card | None = None) -> list:
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and request.user.has_perm(STATISTICS_PERMISSION):
            fields = {"classes": ["collapse"], "fields": ["learner_statistics"]}
            fieldsets.append(("Learner statistics and quiz item analysis", fields))
        return fieldsets

    @admin.display(description="Reviews", ordering="n_reviews")
    def review_count(self, card: Card) -> int:
        return card.n_reviews

    @admin.display(description="Lapse rate", ordering="lapse_ratio")
    def lapse_rate(self, card: Card) -> str:
        # Again among answers once the card was learned: the dashboard's lapse rate.
        return percent(statistics.ratio(card.n_lapses, card.n_review_stage))

    @admin.display(description="Across all learners")
    def learner_statistics(self, card: Card) -> str:
        return render_to_string("insights/_card_statistics.html", card_item_analysis(card=card))


admin.site.unregister(Card)
admin.site.register(Card, CardWithStatisticsAdmin)


class CardReportWithStatisticsAdmin(CardReportAdmin):
    """The Reports queue with a button that flags cards whose item statistics look wrong now
    (the `flag_cards` command does the same on a schedule)."""

    def get_urls(self) -> list:
        check = path(
            "check-statistics/",
            self.admin_site.admin_view(self.check_statistics_view),
            name="content_cardreport_check_statistics",
        )
        return [check, *super().get_urls()]

    def _may_check(self, request: HttpRequest) -> bool:
        return request.user.has_perm(STATISTICS_PERMISSION) and self.has_change_permission(request)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        extra_context = dict(extra_context or {})
        if self._may_check(request):
            extra_context["statistics_check_url"] = reverse(
                "admin:content_cardreport_check_statistics"
            )
        return super().changelist_view(request, extra_context)

    def check_statistics_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self._may_check(request):
            raise PermissionDenied
        total, new = flag_statistics(now=timezone.now())
        self.message_user(
            request,
            f"{total} card{'s' if total != 1 else ''} with item statistics that look wrong "
            f"({new} newly flagged).",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse("admin:content_cardreport_changelist") + "?reason__exact=statistics"
        )


admin.site.unregister(CardReport)
admin.site.register(CardReport, CardReportWithStatisticsAdmin)
