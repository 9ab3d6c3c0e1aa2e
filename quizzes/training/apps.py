from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "quizzes.training"
    label = "training"
    verbose_name = "Training modules"
