"""Card CSV imports happen exactly once: the preview's rows wait server-side under a random key
for the instructor who uploaded them, and confirming claims that preview once.

The rows live in the shared cache through django-import-export's own CacheStorage (the setting
IMPORT_EXPORT_TMP_STORAGE_CLASS names PreviewStorage): the browser only ever sends the random key
back, so no name it sends reaches the file system, and every worker or server sees the same
previews. ImportPreview records who may confirm which key, and whether it was confirmed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from import_export.tmp_storages import CacheStorage

from quizzes.content.models import ImportPreview

# The instructor confirms within an hour of the preview, or uploads the file again.
PREVIEW_LIFETIME = timedelta(hours=1)


class PreviewStorage(CacheStorage):
    """django-import-export's cache storage, kept for the preview's lifetime only."""

    CACHE_LIFETIME = int(PREVIEW_LIFETIME.total_seconds())
    CACHE_PREFIX = "card-import-preview:"


class PreviewRefused(Exception):
    """The confirmed preview cannot be imported; the message is one line for the instructor."""

    status = 400


class PreviewUnknown(PreviewRefused):
    pass


class PreviewExpired(PreviewRefused):
    pass


class PreviewAlreadyImported(PreviewRefused):
    status = 409


def preview_record(*, key: str, user: Any, file_name: str, now: datetime) -> ImportPreview:
    """Remember that `user` may confirm the preview stored under `key` within the hour (and
    forget the previews nobody confirmed in time)."""
    previews_sweep(now=now)
    return ImportPreview.objects.create(
        key=key, user=user, file_name=file_name.replace("\x00", "")[:255], created_at=now
    )


def preview_claim(*, key: str, user: Any, now: datetime) -> ImportPreview:
    """Claim the preview for its import, once. Call it inside the import's transaction: a failed
    import releases the claim, and a concurrent confirm waits for the first one's outcome (the
    row lock on PostgreSQL, BEGIN IMMEDIATE on SQLite) and then finds it claimed."""
    unclaimed = ImportPreview.objects.filter(
        key=key, user=user, imported_at__isnull=True, created_at__gt=now - PREVIEW_LIFETIME
    )
    if unclaimed.update(imported_at=now):
        return ImportPreview.objects.get(key=key)
    # Another instructor's key is as unknown as a made-up one: it reveals nothing.
    preview = ImportPreview.objects.filter(key=key, user=user).first()
    if preview is None:
        raise PreviewUnknown("There is no such import preview; upload the file again.")
    if preview.imported_at is not None:
        raise PreviewAlreadyImported(
            f"“{preview.file_name}” was already imported at "
            f"{preview.imported_at:%H:%M} UTC; nothing was imported again."
        )
    raise PreviewExpired("This preview is more than an hour old; upload the file again.")


def preview_rows(preview: ImportPreview, *, encoding: str | None, read_mode: str) -> Any:
    """The previewed file's content, or PreviewExpired once the cache has let it go."""
    data = PreviewStorage(name=preview.key, encoding=encoding, read_mode=read_mode).read()
    if data is None:
        raise PreviewExpired("This preview is more than an hour old; upload the file again.")
    return data


def preview_discard(key: str) -> None:
    """Drop a preview's rows now (it was imported, or it can never be confirmed)."""
    PreviewStorage(name=key).remove()


def previews_sweep(*, now: datetime) -> int:
    """Forget the previews nobody confirmed within the hour: their rows and their records."""
    stale = Q(imported_at__isnull=True, created_at__lte=now - PREVIEW_LIFETIME)
    keys = list(ImportPreview.objects.filter(stale).values_list("key", flat=True))
    for key in keys:
        preview_discard(key)
    ImportPreview.objects.filter(stale, key__in=keys).delete()
    return len(keys)
