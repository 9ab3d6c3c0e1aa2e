"""Curated cards JSON nested far deeper than the parser recurses (100,000 levels) is a one-line
import error, through the admin upload and through `manage.py import_article`; never a 500."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from quizzes.content.models import Article, Card
from quizzes.content.services.curated import parse_curated_cards
from quizzes.content.services.import_report import ArticleImportError

pytestmark = pytest.mark.django_db

ARTICLE = Path(__file__).resolve().parents[1] / "data" / "articles" / "osteoporosis.txt"
DEEP = 100_000
NESTINGS = {
    "lists": "[" * DEEP + "]" * DEEP,
    "objects": '{"a":' * DEEP + "1" + "}" * DEEP,
    "inside the cards": '{"version": 2, "cards": ' + "[" * DEEP + "]" * DEEP + "}",
}


@pytest.mark.parametrize("shape", sorted(NESTINGS))
def test_the_parser_reports_deep_nesting_as_invalid_json(shape):
    with pytest.raises(ArticleImportError, match=r"cards\.json: invalid JSON .* nested too deeply"):
        parse_curated_cards(NESTINGS[shape], name="cards.json")


@pytest.mark.parametrize("shape", sorted(NESTINGS))
def test_the_admin_upload_refuses_deep_nesting_with_a_400(instructor_client, shape):
    files = {
        "article": SimpleUploadedFile("osteoporosis.txt", ARTICLE.read_bytes()),
        "curated_cards": SimpleUploadedFile("osteoporosis.cards.json", NESTINGS[shape].encode()),
    }
    response = instructor_client.post(reverse("admin:content_article_upload"), files)
    assert response.status_code == 400
    assert "not valid JSON" in response.content.decode()
    assert "nested too deeply" in response.content.decode()
    assert not Article.objects.exists()


def test_import_article_refuses_deep_nesting_in_one_line(tmp_path):
    article = tmp_path / "osteoporosis.txt"
    shutil.copy(ARTICLE, article)
    (tmp_path / "osteoporosis.cards.json").write_text(NESTINGS["inside the cards"])
    with pytest.raises(CommandError) as error:
        call_command("import_article", str(article))
    assert "nested too deeply" in str(error.value)
    assert "\n" not in str(error.value)
    assert not Card.objects.exists()
