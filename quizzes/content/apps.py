from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "quizzes.content"
    label = "content"
    verbose_name = "Content: articles, lessons and cards"
