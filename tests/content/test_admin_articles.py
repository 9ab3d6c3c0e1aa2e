"""The article upload in the admin: which article to update, the format, the warnings and the
lesson diff in the preview, pruning only when ticked, and a confirm that imports exactly once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from quizzes.content.models import Article, ArticleUpload, Card, Lesson
from quizzes.content.services.importing import import_article_file
from tests.content.test_importing import snapshot
from tests.factories import UserFactory

ARTICLES = Path(__file__).resolve().parents[1] / "data" / "articles"
UPLOAD = reverse("admin:content_article_upload")


def preview(client, name: str, target: str = "new", **extra):
    data = (ARTICLES / name).read_bytes()
    return client.post(
        UPLOAD, {"article": SimpleUploadedFile(name, data), "target": target, **extra}
    )


def confirm(client, response, **extra):
    upload_id = response.context["confirm_form"].initial["upload"]
    return client.post(UPLOAD, {"upload": upload_id, "confirm": "Import now", **extra})


def test_the_upload_asks_which_article_to_update(instructor_client):
    import_article_file(ARTICLES / "hypercalcaemia.md")
    page = instructor_client.get(UPLOAD).content.decode()
    assert "Update which article?" in page
    assert (
        "A new article" in page
        and "Hypercalcaemia of Malignancy (hypercalcaemia-of-malignancy)" in page
    )
    response = preview(instructor_client, "hypercalcaemia-edited.md", target="")
    assert response.status_code == 400
    assert not ArticleUpload.objects.exists()


def test_a_word_file_previews_with_its_format_and_warnings(instructor_client):
    response = preview(instructor_client, "febrile-neutropenia.docx")
    assert response.status_code == 200
    page = response.content.decode()
    assert "read as <strong>a Word document (.docx)</strong>" in page
    assert "It makes a new article “Febrile Neutropenia”" in page
    assert "Check before importing (1)" in page
    assert "the table&#x27;s header is empty in column 3" in page
    assert not Article.objects.exists()
    assert confirm(instructor_client, response).status_code == 302
    assert Article.objects.get().title == "Febrile Neutropenia"


def test_an_edited_copy_shows_the_diff_and_keeps_what_left_unless_ticked(instructor_client):
    import_article_file(ARTICLES / "hypercalcaemia.md")
    article = Article.objects.get()
    response = preview(instructor_client, "hypercalcaemia-edited.md", target=str(article.pk))
    page = response.content.decode()
    assert "It updates the article “Hypercalcaemia of Malignancy”" in page
    assert "Added (1)</dt><dd>Treating Hypercalcaemia › Calcitonin</dd>" in page
    assert "Changed (1)</dt><dd>Treating Hypercalcaemia › Monitoring</dd>" in page
    assert (
        "No longer in the file (1)</dt><dd>Why Calcium Rises in Cancer › What the Mechanisms Share"
        in (page)
    )
    assert 'name="prune"' in page
    confirm(instructor_client, response)
    assert Article.objects.count() == 1
    assert Lesson.objects.filter(key="what-the-mechanisms-share").exists()
    assert Lesson.objects.filter(key="calcitonin").exists()

    again = preview(instructor_client, "hypercalcaemia-edited.md", target=str(article.pk))
    confirm(instructor_client, again, prune="on")
    assert not Lesson.objects.filter(key="what-the-mechanisms-share").exists()


def test_a_second_confirm_of_the_same_preview_writes_nothing(instructor_client):
    response = preview(instructor_client, "hypercalcaemia.md")
    first = confirm(instructor_client, response)
    assert first.status_code == 302
    before = snapshot()
    second = confirm(instructor_client, response, prune="on")
    assert second.status_code == 302
    assert second["Location"] == reverse("admin:content_article_changelist")
    messages = [str(m) for m in second.wsgi_request._messages]
    assert messages[-1] == (
        "hypercalcaemia.md was already imported from this preview; nothing was written again."
    )
    assert snapshot() == before
    assert Article.objects.count() == 1


def test_another_instructors_preview_cannot_be_confirmed(instructor_client, client):
    response = preview(instructor_client, "hypercalcaemia.md")
    upload_id = response.context["confirm_form"].initial["upload"]
    other = UserFactory(username="other-instructor", is_staff=True, is_superuser=True)
    client.force_login(other)
    refused = client.post(UPLOAD, {"upload": upload_id, "confirm": "Import now"})
    assert refused.status_code == 302
    assert not Article.objects.exists()
    assert "does not match any preview of yours" in str(list(refused.wsgi_request._messages)[0])


def test_an_old_preview_must_be_uploaded_again(instructor_client):
    response = preview(instructor_client, "hypercalcaemia.md")
    ArticleUpload.objects.update(
        created_at=ArticleUpload.objects.get().created_at - timedelta(hours=2)
    )
    done = confirm(instructor_client, response)
    assert done.status_code == 302
    assert "more than an hour old" in str(list(done.wsgi_request._messages)[0])
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_the_card_list_shows_and_filters_drafts_that_need_an_edit(instructor_client):
    import_article_file(Path(__file__).resolve().parents[2] / "content" / "bone-metastases.txt")
    changelist = reverse("admin:content_card_changelist")
    page = instructor_client.get(changelist, {"needs_edit": "yes"})
    shown = list(page.context["cl"].result_list)
    assert {card.pk for card in shown} == set(
        Card.objects.exclude(needs_edit="").values_list("pk", flat=True)
    )
    assert "Needs edit" in page.content.decode()
    assert "The question joins two questions" in page.content.decode()
    passing = instructor_client.get(changelist, {"needs_edit": "no", "origin__exact": "generated"})
    assert all(not card.needs_edit for card in passing.context["cl"].result_list)
    card = shown[0]
    publish = instructor_client.post(
        changelist, {"action": "publish", "_selected_action": [card.pk]}, follow=True
    )
    assert "Needs edit: The question joins two questions" in publish.content.decode()
    card.refresh_from_db()
    assert card.status == "draft"
