"""The card admin with the cohort's figures: reviews and lapse rate in the list, the item analysis
on the card's page. Insights extends the content app's card admin rather than content reaching up
for figures it does not own (imports run one way)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string

from quizzes.content.admin.cards import CardAdmin
from quizzes.content.models import Card
from quizzes.insights import statistics
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
