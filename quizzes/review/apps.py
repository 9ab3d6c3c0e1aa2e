from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "quizzes.review"
    label = "review"
    verbose_name = "Daily review"

    def ready(self) -> None:
        from quizzes.content.signals import cards_published
        from quizzes.review import sql  # noqa: F401  (gives SQLite the learning-day function)

        from .services.reading import cards_unlock_for_readers

        # Content does not know about learners; a published card reaches those who read its topic.
        cards_published.connect(cards_unlock_for_readers, dispatch_uid="review-unlock-published")
