"""What instructors upload, kept on the server between preview and confirm: an article file, and
the one-time claim of a card CSV preview."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from quizzes.content.models.cards import Article


class ArticleUpload(models.Model):
    """An uploaded article waiting for the instructor's confirmation, kept on the server so the
    confirm step imports exactly what was previewed, once (its random id is the one-time key)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="article_uploads"
    )
    source_name = models.CharField(max_length=300)
    data = models.BinaryField()
    curated_cards = models.TextField(null=True, blank=True)
    # The article to update (None with new_article=False: the article of the file's title).
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="uploads"
    )
    new_article = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.source_name} ({self.created_at:%Y-%m-%d %H:%M})"


class ImportPreview(models.Model):
    """A card CSV an instructor previewed. Its rows wait in the shared cache under `key` (see
    quizzes.content.services.import_previews); confirming claims the preview once, for its user."""

    key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=255)
    created_at = models.DateTimeField()
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["imported_at", "created_at"], name="preview_unclaimed_idx")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"
