from django.urls import path

from quizzes.training.views import attempts, certificates, pages, questions

app_name = "training"

urlpatterns = [
    path("welcome/", pages.after_login, name="after_login"),
    path("training/", pages.training, name="training"),
    path("training/attempts/<int:attempt_id>/", attempts.attempt_detail, name="attempt"),
    path("training/attempts/<int:attempt_id>/page/", attempts.attempt_save, name="attempt_save"),
    path(
        "training/attempts/<int:attempt_id>/questions/<int:position>/",
        questions.attempt_answer,
        name="attempt_answer",
    ),
    path(
        "training/attempts/<int:attempt_id>/questions/<int:position>/flag/",
        questions.attempt_flag,
        name="attempt_flag",
    ),
    path(
        "training/attempts/<int:attempt_id>/summary/",
        attempts.attempt_summary_page,
        name="attempt_summary",
    ),
    path(
        "training/attempts/<int:attempt_id>/submit/",
        attempts.attempt_finish,
        name="attempt_submit",
    ),
    path(
        "training/attempts/<int:attempt_id>/result/",
        pages.attempt_result,
        name="attempt_result",
    ),
    path("training/<slug:slug>/", pages.module_detail, name="module"),
    path(
        "training/<slug:slug>/lessons/<int:lesson_id>/",
        pages.module_lesson,
        name="module_lesson",
    ),
    path("training/<slug:slug>/start/", attempts.attempt_begin, name="attempt_start"),
    path("training/<slug:slug>/certificate/", certificates.certificate, name="certificate"),
    path(
        "training/<slug:slug>/certificate/qr.svg",
        certificates.certificate_qr,
        name="certificate_qr",
    ),
    path("verify/", certificates.verify_lookup, name="verify_lookup"),
    path("verify/<str:code>/", certificates.verify, name="verify"),
]
