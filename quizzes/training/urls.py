from django.urls import path

from quizzes.training import views

app_name = "training"

urlpatterns = [
    path("training/", views.training, name="training"),
    path("training/attempts/<int:attempt_id>/", views.attempt_detail, name="attempt"),
    path(
        "training/attempts/<int:attempt_id>/questions/<int:position>/",
        views.attempt_answer,
        name="attempt_answer",
    ),
    path("training/attempts/<int:attempt_id>/submit/", views.attempt_finish, name="attempt_submit"),
    path("training/attempts/<int:attempt_id>/result/", views.attempt_result, name="attempt_result"),
    path("training/<slug:slug>/", views.module_detail, name="module"),
    path("training/<slug:slug>/start/", views.attempt_begin, name="attempt_start"),
    path("training/<slug:slug>/certificate/", views.certificate, name="certificate"),
]
