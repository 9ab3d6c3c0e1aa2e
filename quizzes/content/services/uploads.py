"""The admin's article upload in two steps: preview (a dry run, the file kept on the server under a
random one-time id bound to the instructor), then confirm (imported once; a second confirm of the
same preview writes nothing and says it was already imported)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.db import transaction

from quizzes.content.models import Article, ArticleUpload
from quizzes.content.services.import_report import ArticleImportError, ImportReport
from quizzes.content.services.importing import import_article_data

# The instructor confirms within an hour of the preview, or uploads again.
UPLOAD_MAX_AGE = timedelta(hours=1)


class UploadUnavailable(ArticleImportError):
    """The preview to confirm is unknown, another user's, or too old."""


class UploadAlreadyImported(ArticleImportError):
    """The preview was confirmed before: nothing is written twice."""


@dataclass
class UploadPreview:
    upload: ArticleUpload
    report: ImportReport


def upload_preview(
    *,
    user,
    source_name: str,
    data: bytes,
    curated_cards: str | None,
    article: Article | None,
    new_article: bool,
    now: datetime,
) -> UploadPreview:
    """Dry-run the import and keep the file for the confirm step; ArticleImportError (one line)
    when the file cannot be imported, and then nothing is kept."""
    report = import_article_data(
        data=data,
        source_name=source_name,
        curated_cards=curated_cards,
        dry_run=True,
        article=article,
        new_article=new_article,
        uploaded_by=user,
    )
    ArticleUpload.objects.filter(created_at__lt=now - UPLOAD_MAX_AGE).delete()
    upload = ArticleUpload.objects.create(
        user=user,
        source_name=source_name,
        data=data,
        curated_cards=curated_cards,
        article=article,
        new_article=new_article,
        created_at=now,
    )
    return UploadPreview(upload=upload, report=report)


@transaction.atomic
def upload_confirm(*, upload_id: UUID, user, prune: bool, now: datetime) -> ImportReport:
    """Import a previewed upload exactly once, in one transaction with its "imported" mark."""
    upload = (
        ArticleUpload.objects.select_for_update(of=("self",))
        .select_related("article")
        .filter(pk=upload_id, user=user)
        .first()
    )
    if upload is None:
        raise UploadUnavailable(
            "The confirmed upload does not match any preview of yours; upload the file again."
        )
    if upload.imported_at is not None:
        raise UploadAlreadyImported(
            f"{upload.source_name} was already imported from this preview; "
            "nothing was written again."
        )
    if upload.created_at < now - UPLOAD_MAX_AGE:
        raise UploadUnavailable("This preview is more than an hour old; upload the file again.")
    report = import_article_data(
        data=bytes(upload.data),
        source_name=upload.source_name,
        curated_cards=upload.curated_cards,
        prune=prune,
        article=upload.article,
        new_article=upload.new_article,
        uploaded_by=user,
    )
    upload.imported_at = now
    upload.save(update_fields=["imported_at"])
    return report
