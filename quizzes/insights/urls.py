from django.urls import path

from quizzes.insights.views import instructor, progress

app_name = "insights"

urlpatterns = [
    path("progress/", progress.progress, name="progress"),
    path("instructor/", instructor.instructor_dashboard, name="instructor_dashboard"),
    path(
        "instructor/recalculate/",
        instructor.instructor_recalculate,
        name="instructor_recalculate",
    ),
    path(
        "instructor/export/<slug:table>.csv", instructor.instructor_export, name="instructor_export"
    ),
]
