"""Build the Word test article tests/data/articles/febrile-neutropenia.docx with python-docx.

Run `python tests/data/build_docx.py` after changing the text below; the .docx is committed so the
tests need neither this script nor python-docx at run time (tests/content/test_parsing_formats.py
checks that the committed file still holds what this script writes). Word's own features are used
on purpose: heading styles, bullet and numbered list styles, the Quote style, a table whose label
cell is merged over two rows (a continuation row) and a table with an empty header cell.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from docx import Document

TARGET = Path(__file__).resolve().parent / "articles" / "febrile-neutropenia.docx"


def build(target: Path = TARGET) -> Path:
    document = Document()
    fixed = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    document.core_properties.created = fixed
    document.core_properties.modified = fixed
    document.core_properties.author = "BoneLearn test data"
    document.add_heading("Febrile Neutropenia", level=1)
    document.add_paragraph(
        "Febrile neutropenia is a fever in a person whose neutrophil count is low after "
        "chemotherapy. It can progress to sepsis within hours."
    )

    document.add_heading("Key Fact #1: Recognising Febrile Neutropenia", level=2)
    document.add_paragraph(
        "Febrile neutropenia is defined by a temperature and a neutrophil count measured together."
    )
    document.add_heading("The Definition", level=3)
    table = document.add_table(rows=3, cols=2)
    _fill(
        table,
        [
            ["Finding", "Threshold"],
            ["Temperature", "38 °C or above"],
            ["Neutrophil count", "Below 0.5 × 10⁹/L"],
        ],
    )
    document.add_heading("Warning Signs", level=3)
    document.add_paragraph(
        "Patients should phone the acute oncology helpline urgently if they have"
    )
    for item in (
        "a temperature of 38 °C or above",
        "shivering or rigors",
        "feeling suddenly unwell",
    ):
        document.add_paragraph(item, style="List Bullet")
    document.add_paragraph(
        "Sepsis can develop even without a fever, especially in people taking steroids.",
        style="Quote",
    )

    document.add_heading("Key Fact #2: Treating Febrile Neutropenia", level=2)
    document.add_paragraph("Febrile neutropenia is treated as an emergency in hospital.")
    document.add_heading("Antibiotics Within One Hour", level=3)
    document.add_paragraph(
        "Febrile neutropenia needs intravenous broad-spectrum antibiotics within 1 hour of arrival."
    )
    for item in (
        "Take blood cultures",
        "Give piperacillin with tazobactam",
        "Reassess at 48 hours",
    ):
        document.add_paragraph(item, style="List Number")
    document.add_heading("First-Line Antibiotics", level=3)
    table = document.add_table(rows=4, cols=3)
    _fill(
        table,
        [
            ["Situation", "Antibiotic", ""],
            ["No penicillin allergy", "Piperacillin with tazobactam", "4.5 g every 8 hours"],
            ["", "", "Given intravenously"],
            ["Penicillin allergy", "Meropenem", "1 g every 8 hours"],
        ],
    )
    # Word users merge a label cell over the rows it covers; mammoth writes it as a rowspan.
    table.cell(1, 0).merge(table.cell(2, 0))
    table.cell(1, 1).merge(table.cell(2, 1))

    document.add_heading("Assessing Risk", level=2)
    document.add_paragraph(
        "The MASCC score helps decide which patients can finish treatment at home. A MASCC score "
        "of 21 or more marks a patient at low risk of complications."
    )

    document.add_heading("Frequently Asked Questions", level=2)
    document.add_heading("How soon are antibiotics given for febrile neutropenia?", level=3)
    document.add_paragraph("Within 1 hour of arriving at hospital.")
    document.add_heading("Who has a low risk of complications?", level=3)
    document.add_paragraph("Patients with a MASCC score of 21 or more.")

    document.add_heading("References", level=2)
    document.add_paragraph(
        "National Institute for Health and Care Excellence. Neutropenic sepsis: prevention and "
        "management in people with cancer (CG151). 2012.",
        style="List Number",
    )
    document.save(target)
    return target


def _fill(table, rows: list[list[str]]) -> None:
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value


if __name__ == "__main__":
    print(build())
