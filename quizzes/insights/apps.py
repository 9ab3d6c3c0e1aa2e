from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "quizzes.insights"
    label = "insights"
    verbose_name = "Insights: progress and cohort statistics"
