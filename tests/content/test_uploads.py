"""The upload service: a preview is imported at most once, even when two confirms race."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone

from quizzes.content.models import Article, ArticleUpload, Card
from quizzes.content.services.uploads import (
    UploadAlreadyImported,
    upload_confirm,
    upload_preview,
)
from tests.factories import UserFactory
from tests.review.test_concurrency import concurrent_database  # noqa: F401  (fixture)

ARTICLE = Path(__file__).resolve().parents[1] / "data" / "articles" / "hypercalcaemia.md"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("concurrent_database")
def test_two_simultaneous_confirms_import_once():
    user = UserFactory(username="instructor-a")
    preview = upload_preview(
        user=user,
        source_name=ARTICLE.name,
        data=ARTICLE.read_bytes(),
        curated_cards=None,
        article=None,
        new_article=True,
        now=timezone.now(),
    )
    assert not Article.objects.exists()
    barrier = threading.Barrier(4)
    results: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait()
            upload_confirm(upload_id=preview.upload.pk, user=user, prune=False, now=timezone.now())
            outcome = "imported"
        except UploadAlreadyImported:
            outcome = "already imported"
        except Exception as error:  # recorded, so the assertion shows what went wrong
            outcome = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["already imported"] * 3 + ["imported"]
    assert Article.objects.count() == 1
    assert Card.objects.count() == len(set(Card.objects.values_list("key", flat=True)))
    assert ArticleUpload.objects.get().imported_at is not None
