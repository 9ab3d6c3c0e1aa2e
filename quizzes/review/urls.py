from django.urls import path

from quizzes.review.views import actions, review, settings, study

app_name = "review"

urlpatterns = [
    path("", study.home, name="home"),
    path("topics/<slug:slug>/", study.topic_detail, name="topic"),
    path("review/", review.review, name="review"),
    path("review/reveal/", review.review_reveal, name="review_reveal"),
    path("review/check/", review.review_check, name="review_check"),
    path("review/override/", review.review_override, name="review_override"),
    path("review/answer/", review.review_answer, name="review_answer"),
    path("review/undo/", actions.review_undo_view, name="review_undo"),
    path("review/bury/", actions.review_bury, name="review_bury"),
    path("review/suspend/", actions.review_suspend, name="review_suspend"),
    path("review/suspended/", actions.review_suspended, name="review_suspended"),
    path("review/suspended/restore/", actions.review_restore, name="review_restore"),
    path("settings/", settings.learner_settings, name="settings"),
    path("settings/time-zone/", settings.time_zone_detect, name="time_zone_detect"),
]
