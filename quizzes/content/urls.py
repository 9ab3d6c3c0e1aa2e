from django.urls import path

from quizzes.content import views

app_name = "content"

urlpatterns = [
    path("articles/<slug:slug>/", views.article_detail, name="article"),
    path("cards/report/", views.report_create, name="report_create"),
    path("reports/", views.my_reports, name="my_reports"),
    path("reports/unread/", views.unread_replies, name="unread_replies"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
]
