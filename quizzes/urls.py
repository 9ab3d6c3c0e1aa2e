from django.urls import path

from .views import lessons, system

app_name = "quizzes"

urlpatterns = [
    path("", lessons.home, name="home"),
    path("topics/<slug:slug>/", lessons.topic_detail, name="topic"),
    path("articles/<slug:slug>/", lessons.article_detail, name="article"),
    path("healthz", system.healthz, name="healthz"),
]
