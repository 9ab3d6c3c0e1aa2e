"""The README's cards-per-topic-and-kind table is the `cards_table` output for the seed."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from quizzes.content.services.importing import import_article_file

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_the_readme_table_is_generated_from_the_imported_seed():
    import_article_file(ROOT / "content" / "bone-metastases.txt")
    out = StringIO()
    call_command("cards_table", stdout=out)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- cards-table:start -->\n")[1].split("\n<!-- cards-table:end -->")[0]
    assert block == out.getvalue().strip()
    assert (
        "| **All** | **21** | **24** | **23** | **11** | **8** | **87** | **7** | **35** |" in block
    )
