"""Content: an imported article, its topics and lessons, the cards drawn from them, the problems
reported with them, and uploads waiting for confirmation."""

from quizzes.content.models.cards import (
    CHOICE_KINDS,
    Article,
    Card,
    CardKind,
    CardOrigin,
    CardQuerySet,
    CardStatus,
    Choice,
    Lesson,
    Topic,
    TopicKind,
    TopicQuerySet,
    new_card_key,
)
from quizzes.content.models.reports import (
    FLAG_REASONS,
    LEARNER_REASONS,
    CardReport,
    CardReportQuerySet,
    ReportPlace,
    ReportReason,
    ReportStatus,
)
from quizzes.content.models.uploads import (
    ArticleUpload,
    ImportPreview,
)

__all__ = [
    "Article",
    "ArticleUpload",
    "CHOICE_KINDS",
    "Card",
    "CardKind",
    "CardOrigin",
    "CardQuerySet",
    "CardReport",
    "CardReportQuerySet",
    "CardStatus",
    "Choice",
    "FLAG_REASONS",
    "ImportPreview",
    "LEARNER_REASONS",
    "Lesson",
    "ReportPlace",
    "ReportReason",
    "ReportStatus",
    "Topic",
    "TopicKind",
    "TopicQuerySet",
    "new_card_key",
]
