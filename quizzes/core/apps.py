from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "quizzes.core"
    label = "core"
    verbose_name = "BoneLearn"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import ensure_instructor_group

        # After every app's migrations: the group's permissions span several apps.
        post_migrate.connect(ensure_instructor_group, dispatch_uid="bonelearn-instructors")
