from django.urls import path

from .views import lessons, system
from .views import review as review_views
from .views import settings as settings_views
from .views import training as training_views
from .views.instructor import instructor_dashboard, instructor_export, instructor_recalculate
from .views.progress import progress

app_name = "quizzes"

urlpatterns = [
    path("", lessons.home, name="home"),
    path("topics/<slug:slug>/", lessons.topic_detail, name="topic"),
    path("articles/<slug:slug>/", lessons.article_detail, name="article"),
    path("healthz", system.healthz, name="healthz"),
    path("review/", review_views.review, name="review"),
    path("review/reveal/", review_views.review_reveal, name="review_reveal"),
    path("review/check/", review_views.review_check, name="review_check"),
    path("review/answer/", review_views.review_answer, name="review_answer"),
    path("review/undo/", review_views.review_undo_view, name="review_undo"),
    path("review/bury/", review_views.review_bury, name="review_bury"),
    path("review/suspend/", review_views.review_suspend, name="review_suspend"),
    path("review/suspended/", review_views.review_suspended, name="review_suspended"),
    path("review/suspended/restore/", review_views.review_restore, name="review_restore"),
    path("settings/", settings_views.learner_settings, name="settings"),
    path("training/", training_views.training, name="training"),
    path("training/attempts/<int:attempt_id>/", training_views.attempt_detail, name="attempt"),
    path(
        "training/attempts/<int:attempt_id>/questions/<int:position>/",
        training_views.attempt_answer,
        name="attempt_answer",
    ),
    path(
        "training/attempts/<int:attempt_id>/submit/",
        training_views.attempt_finish,
        name="attempt_submit",
    ),
    path(
        "training/attempts/<int:attempt_id>/result/",
        training_views.attempt_result,
        name="attempt_result",
    ),
    path("training/<slug:slug>/", training_views.module_detail, name="module"),
    path("training/<slug:slug>/start/", training_views.attempt_begin, name="attempt_start"),
    path("training/<slug:slug>/certificate/", training_views.certificate, name="certificate"),
    path("progress/", progress, name="progress"),
    path("instructor/", instructor_dashboard, name="instructor_dashboard"),
    path("instructor/recalculate/", instructor_recalculate, name="instructor_recalculate"),
    path("instructor/export/<slug:table>.csv", instructor_export, name="instructor_export"),
]
