"""`manage.py import_article PATH [--dry-run]`: summaries, dry runs and one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from quizzes.content.models import Article, Card, Choice, Lesson, Topic

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = Path(__file__).resolve().parents[1] / "data" / "articles"
OSTEO = ARTICLES / "osteoporosis.txt"


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_article", *args, stdout=out)
    return out.getvalue()


def row_counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Article, Topic, Lesson, Card, Choice))


@pytest.mark.django_db
def test_import_prints_a_summary_and_is_idempotent():
    output = run(str(OSTEO))
    assert 'osteoporosis.txt: imported "Osteoporosis"' in output
    assert "Topic:   7 created, 0 updated" in output
    assert "Done in" in output
    counts = row_counts()
    again = run(str(OSTEO))
    assert "Card:    0 created, 0 updated, 0 archived, 0 deleted" in again
    assert "Topic:   0 created, 0 updated, 0 archived, 0 deleted, 7 unchanged" in again
    assert row_counts() == counts


@pytest.mark.django_db
def test_dry_run_lists_changes_and_writes_nothing():
    output = run(str(OSTEO), "--dry-run")
    assert "would import" in output
    assert "  create Topic key-fact-who-is-at-risk" in output
    assert output.rstrip().endswith("Dry run: nothing was written.")
    assert row_counts() == (0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_article_without_curated_cards_says_so(tmp_path):
    path = tmp_path / "heat-stroke.txt"
    shutil.copy(ARTICLES / "heat-stroke.txt", path)
    output = run(str(path))
    assert "heat-stroke.cards.json: curated cards left as they are." in output
    assert Card.objects.filter(origin="curated").count() == 0


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def bad_inputs(tmp_path: Path) -> list[tuple[Path, str]]:
    osteo = OSTEO.read_bytes()
    cards = json.loads((ARTICLES / "osteoporosis.cards.json").read_text(encoding="utf-8"))
    cards["cards"][0]["topic"] = "Not a Topic"
    bad_cards_dir = tmp_path / "badcards"
    bad_cards_dir.mkdir()
    with_bad_cards = write(bad_cards_dir, "osteoporosis.txt", osteo.replace(b"30-70%", b"31-70%"))
    write(bad_cards_dir, "osteoporosis.cards.json", json.dumps(cards).encode())
    broken_dir = tmp_path / "broken"
    broken_dir.mkdir()
    with_broken_json = write(broken_dir, "osteoporosis.txt", osteo)
    write(broken_dir, "osteoporosis.cards.json", b'{"version": 1, "cards": [}')
    return [
        (tmp_path / "missing.txt", "missing.txt does not exist"),
        (tmp_path, "is a directory"),
        (write(tmp_path, "empty.txt", b""), "empty.txt is empty"),
        (write(tmp_path, "blank.txt", b"\xef\xbb\xbf \n\n"), "blank.txt is empty"),
        (write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "is not UTF-8 text"),
        (
            write(tmp_path, "latin1.txt", "Key Fact #1: Caf\u00e9\n".encode("latin-1")),
            "is not UTF-8",
        ),
        (write(tmp_path, "prose.txt", b"only prose here.\nand more prose.\n"), "has no headings"),
        (
            write(tmp_path, "nonumber.txt", b"Key Fact #1: One\nText.\nKey Fact: Two\nMore.\n"),
            "looks like a key fact but has no number",
        ),
        (with_bad_cards, "topic 'Not a Topic' is not in the article"),
        (with_broken_json, "osteoporosis.cards.json: invalid JSON at line 1"),
    ]


@pytest.mark.django_db
def test_bad_input_is_one_line_error_and_database_unchanged(tmp_path):
    run(str(OSTEO))
    counts = row_counts()
    fronts = list(Card.objects.order_by("id").values_list("front", flat=True))
    for path, message in bad_inputs(tmp_path):
        with pytest.raises(CommandError) as error:
            run(str(path))
        assert message in str(error.value), path
        assert "\n" not in str(error.value)
        assert row_counts() == counts
    assert list(Card.objects.order_by("id").values_list("front", flat=True)) == fronts


@pytest.mark.django_db
def test_bad_input_in_dry_run_is_the_same_error(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        run(str(tmp_path / "nothing.txt"), "--dry-run")
    assert row_counts() == (0, 0, 0, 0, 0)


def test_command_line_exit_status_and_single_line_message(tmp_path):
    missing = tmp_path / "missing.txt"
    result = subprocess.run(
        [sys.executable, "manage.py", "import_article", str(missing)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.strip() == f"CommandError: {missing} does not exist"


@pytest.mark.django_db
def test_a_table_of_only_a_separator_row_imports_without_a_traceback(tmp_path):
    path = write(tmp_path, "odd.txt", b"Overview\n\nKey Fact #1: Odd Table\n| --- |\nA line.\n")
    output = run(str(path))
    assert 'odd.txt: imported "Odd"' in output
    assert Lesson.objects.get(topic__key="key-fact-odd-table").body == "A line."


@pytest.mark.django_db
def test_an_unforeseen_parser_failure_is_a_one_line_error(tmp_path, monkeypatch):
    import quizzes.content.parsing.text

    def broken(lines):
        raise IndexError("list index out of range")

    monkeypatch.setattr(quizzes.content.parsing.text, "parse_blocks", broken)
    path = write(tmp_path, "odd.txt", b"Overview\n\nKey Fact #1: Odd\nA line.\n")
    with pytest.raises(CommandError) as error:
        run(str(path))
    assert str(error.value) == (
        f"{path} could not be read as an article (IndexError while parsing); "
        "check its tables, lists and headings"
    )
    assert row_counts() == (0, 0, 0, 0, 0)
