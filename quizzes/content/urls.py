from django.urls import path

from quizzes.content import views

app_name = "content"

urlpatterns = [
    path("articles/<slug:slug>/", views.article_detail, name="article"),
]
