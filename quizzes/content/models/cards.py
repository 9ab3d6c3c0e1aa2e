"""Content: an imported article, its topics and lessons, and the cards drawn from them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords


def new_card_key() -> str:
    """A stable key for a card written by hand (admin or CSV): exports and imports find it again."""
    return f"authored-{uuid.uuid4().hex[:12]}"


class Article(models.Model):
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120, unique=True)
    source_name = models.CharField(
        max_length=300, help_text="File name the article was imported from."
    )
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the imported text.")
    faq = models.JSONField(default=list, blank=True, help_text="List of {question, answer}.")
    references = models.JSONField(default=list, blank=True, help_text="List of reference strings.")
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class TopicKind(models.TextChoices):
    OVERVIEW = "overview", "Overview"
    KEY_FACT = "key_fact", "Key fact"
    CLOSING = "closing", "Closing section"
    # A section of an article without key facts (its top-level heading).
    SECTION = "section", "Section"


class TopicQuerySet(models.QuerySet):
    def in_reading_order(self) -> TopicQuerySet:
        """Topics as the article presents them, with the article joined for headings."""
        return self.select_related("article").order_by("article__title", "position")


class Topic(models.Model):
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="topics")
    key = models.SlugField(max_length=120, help_text="Stable key used by re-imports.")
    kind = models.CharField(max_length=16, choices=TopicKind.choices, default=TopicKind.KEY_FACT)
    number = models.PositiveIntegerField(null=True, blank=True, help_text="Key fact number.")
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120, unique=True)
    position = models.PositiveIntegerField(default=0)
    # What the importer last wrote (SHA-256); empty for topics added in the admin. A mismatch
    # means an instructor changed the topic since, so re-imports leave it alone.
    import_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="topic_unique_key_per_article"),
        ]

    def __str__(self) -> str:
        if self.number:
            return f"Key fact {self.number}: {self.title}"
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("review:topic", kwargs={"slug": self.slug})


class Lesson(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="lessons")
    key = models.SlugField(max_length=120, help_text="Stable key used by re-imports.")
    title = models.CharField(max_length=300)
    position = models.PositiveIntegerField(default=0)
    body = models.TextField(help_text="Markdown; rendered through the sanitiser.")
    source_passage = models.TextField(
        blank=True, help_text="The article text this lesson was built from, verbatim."
    )
    # As on Topic: what the importer last wrote; empty for lessons written in the admin.
    import_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["topic", "position"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "key"], name="lesson_unique_key_per_topic"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def anchor(self) -> str:
        return f"lesson-{self.key}"

    def get_absolute_url(self) -> str:
        return f"{self.topic.get_absolute_url()}#{self.anchor}"


class CardKind(models.TextChoices):
    BASIC = "basic", "Basic (front/back)"
    CLOZE = "cloze", "Cloze deletion"
    MCQ = "mcq", "Single best answer"
    TRUE_FALSE = "true_false", "True/false"
    MULTI_SELECT = "multi_select", "Multiple select"


CHOICE_KINDS = frozenset({CardKind.MCQ, CardKind.TRUE_FALSE, CardKind.MULTI_SELECT})


class CardStatus(models.TextChoices):
    """draft → in review → published → retired (docs/item-writing.md, README "Editorial workflow").

    Retired is stored as "archived", the name it had before the workflow: every reader (the review
    queue, the training pool, the importer) keeps asking for PUBLISHED or ARCHIVED unchanged.
    """

    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Retired"


class CardOrigin(models.TextChoices):
    GENERATED = "generated", "Generated by the importer"
    CURATED = "curated", "Curated card set"
    AUTHORED = "authored", "Authored in the admin"


class CardQuerySet(models.QuerySet):
    def published(self) -> CardQuerySet:
        return self.filter(status=CardStatus.PUBLISHED)

    def with_source(self) -> CardQuerySet:
        """Cards with the lesson and topic joined, for pages that link each card to its passage."""
        return self.select_related("lesson", "topic")


class Card(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="cards")
    lesson = models.ForeignKey(
        Lesson, on_delete=models.PROTECT, related_name="cards", null=True, blank=True
    )
    key = models.SlugField(
        max_length=160,
        unique=True,
        default=new_card_key,
        help_text="Stable key: the importer's for imported cards, a new one for authored cards.",
    )
    # What the importer last wrote (SHA-256 of the card's fields); a mismatch means an instructor
    # changed the card since, so re-imports leave it alone.
    import_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    origin = models.CharField(
        max_length=16, choices=CardOrigin.choices, default=CardOrigin.AUTHORED
    )
    kind = models.CharField(max_length=16, choices=CardKind.choices, default=CardKind.BASIC)
    status = models.CharField(max_length=16, choices=CardStatus.choices, default=CardStatus.DRAFT)
    front = models.TextField(help_text="Markdown. Cloze cards use {{c1::answer}} deletions.")
    back = models.TextField(blank=True, help_text="Markdown answer (basic cards).")
    explanation = models.TextField(blank=True, help_text="Markdown shown with the answer.")
    clinical_note = models.TextField(
        blank=True,
        help_text="Where the source simplifies or misleads: the correction a clinician would add "
        "(shown with the answer).",
    )
    note_reference = models.CharField(
        max_length=500,
        blank=True,
        help_text="A reference a clinician can look up for the clinical note (guideline, chapter).",
    )
    accepted_answers = models.TextField(
        blank=True, help_text="Cloze: other accepted typings of the answer, one per line."
    )
    source_excerpt = models.TextField(
        blank=True, help_text="The article's words this card rests on."
    )
    tags = models.CharField(max_length=300, blank=True, help_text="Comma-separated.")
    critical = models.BooleanField(
        default=False,
        help_text="A fact a clinician must never forget; reviewed at higher retention.",
    )
    needs_edit = models.TextField(
        blank=True,
        help_text="Why this generated draft cannot be published as it is (set by the importer "
        "from the item-writing checks). Publishing skips the card until you fix it and clear "
        "this field.",
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The editorial workflow (quizzes.content.services.publishing): who sent the current wording
    # for review, and whose sign-off published it. No signer with a note is a system act (the
    # import of a reviewed curated file); the sign-off date is the learner's "last reviewed".
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    signed_off_at = models.DateTimeField(null=True, blank=True, editable=False)
    signoff_note = models.CharField(max_length=300, blank=True, editable=False)
    # Set while an open "source changed" flag waits for an instructor (kept on the card so every
    # page that shows the card can say so without another query).
    source_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CardQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["import_fingerprint", "updated_at"])

    class Meta:
        ordering = ["topic__position", "lesson__position", "position", "id"]
        indexes = [models.Index(fields=["status", "topic"], name="card_status_topic")]
        permissions = [("signoff_card", "Can sign off cards for publishing")]

    def __str__(self) -> str:
        return self.front[:80]

    @property
    def has_choices(self) -> bool:
        return self.kind in CHOICE_KINDS

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]

    def get_source_url(self) -> str:
        if self.lesson_id:
            return self.lesson.get_absolute_url()
        return self.topic.get_absolute_url()


class Choice(models.Model):
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(max_length=500)
    is_correct = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    # A card's wording includes its choices, so their changes are part of the card's history.
    history = HistoricalRecords()

    class Meta:
        ordering = ["card", "position", "id"]

    def __str__(self) -> str:
        return self.text
