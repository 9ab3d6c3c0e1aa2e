from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "BoneLearn content"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import ensure_instructor_group

        post_migrate.connect(ensure_instructor_group, sender=self)
