"""Every test article imports through the command, re-imports change nothing, and a changed file
never deletes or archives without --prune (what it would remove is listed instead)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from quizzes.content.models import Article, Card, CardStatus, Lesson, Topic
from quizzes.content.services.importing import import_article_file, import_article_text
from quizzes.content.services.publishing import cards_publish
from tests.content.test_importing import snapshot, study

ARTICLES = Path(__file__).resolve().parents[1] / "data" / "articles"
SEED = Path(__file__).resolve().parents[2] / "content" / "bone-metastases.txt"
HYPER = ARTICLES / "hypercalcaemia.md"
NOTHING = {"Article": 0, "Topic": 0, "Lesson": 0, "Card": 0}


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_article", *map(str, args), stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "format_name", "topics", "kinds"),
    [
        ("hypercalcaemia.md", "Markdown", 6, {"overview", "key_fact", "closing"}),
        ("hypercalcaemia-plain-key-facts.md", "Markdown", 6, {"overview", "key_fact", "closing"}),
        ("spinal-cord-compression.html", "web page", 5, {"overview", "section"}),
        ("febrile-neutropenia.docx", "Word document", 4, {"overview", "key_fact", "closing"}),
        ("tumour-lysis.txt", "plain text", 4, {"overview", "section"}),
        ("osteoporosis-missing-colon.txt", "plain text", 7, {"overview", "key_fact", "closing"}),
        ("osteoporosis-merged-cells.txt", "plain text", 7, {"overview", "key_fact", "closing"}),
    ],
)
def test_each_test_article_imports_and_a_reimport_changes_nothing(name, format_name, topics, kinds):
    output = run(ARTICLES / name)
    assert format_name in output.splitlines()[1]
    assert Topic.objects.count() == topics
    assert set(Topic.objects.values_list("kind", flat=True)) == kinds
    assert Card.objects.filter(status=CardStatus.DRAFT).exists()
    positions = list(Topic.objects.values_list("position", flat=True))
    assert len(positions) == len(set(positions))
    before = snapshot()
    report = import_article_file(ARTICLES / name)
    assert report.changed == 0 and report.held_back == []
    assert snapshot() == before


@pytest.mark.django_db
def test_the_seed_imports_as_before():
    run(SEED)
    assert Topic.objects.filter(kind="key_fact").count() == 8
    assert Topic.objects.count() == 13 and Lesson.objects.count() == 47
    assert Card.objects.filter(origin="curated", status=CardStatus.PUBLISHED).count() == 87
    assert Card.objects.filter(origin="generated", status=CardStatus.DRAFT).count() == 48
    article = Article.objects.get()
    assert (len(article.faq), len(article.references)) == (7, 3)


@pytest.mark.django_db
def test_warnings_are_printed_by_the_command():
    output = run(ARTICLES / "febrile-neutropenia.docx")
    assert (
        "Warning: “Treating Febrile Neutropenia › First-Line Antibiotics”: the table's header"
        in (output)
    )
    output = run(ARTICLES / "osteoporosis-missing-colon.txt")
    assert (
        "Warning: line 26: “Key Fact #2 Treatment Choices” is not quite a key-fact line" in output
    )


@pytest.mark.django_db
def test_an_edited_copy_under_another_name_updates_and_deletes_nothing_without_prune():
    run(HYPER)
    article = Article.objects.get()
    share = Lesson.objects.get(key="what-the-mechanisms-share")
    faq_card = Card.objects.get(
        front="In hypercalcaemia of malignancy, why does calcium rise in cancer?"
    )
    before = (Topic.objects.count(), Lesson.objects.count(), Card.objects.count())

    output = run(ARTICLES / "hypercalcaemia-edited.md", "--article", article.slug)
    assert Article.objects.count() == 1
    assert "Held back (not in the file; import again with --prune to remove):" in output
    assert "keep FAQ entry “Why does calcium rise in cancer?” (not in the file)" in output
    assert "keep Lesson key-fact-why-calcium-rises-in-cancer/what-the-mechanisms-share" in output
    assert Lesson.objects.filter(pk=share.pk).exists() and Card.objects.filter(pk=faq_card.pk)
    article.refresh_from_db()
    assert [entry["question"] for entry in article.faq][-1] == "Why does calcium rise in cancer?"
    assert Lesson.objects.filter(key="calcitonin").exists()
    assert Topic.objects.count() == before[0] and Lesson.objects.count() == before[1] + 1
    # The kept lesson moved after the file's lessons: no two lessons share a position.
    positions = list(Lesson.objects.filter(topic=share.topic).values_list("position", flat=True))
    assert len(positions) == len(set(positions))
    assert import_article_file(ARTICLES / "hypercalcaemia-edited.md", article=article).changed == 0

    study(faq_card)
    output = run(ARTICLES / "hypercalcaemia-edited.md", "--article", article.slug, "--prune")
    assert not Lesson.objects.filter(pk=share.pk).exists()
    faq_card.refresh_from_db()
    assert faq_card.status == CardStatus.ARCHIVED  # studied: archived, never deleted
    article.refresh_from_db()
    assert "Why does calcium rise in cancer?" not in [e["question"] for e in article.faq]
    assert "Held back" not in output


@pytest.mark.django_db
def test_markdown_with_plain_key_fact_lines_over_the_heading_version_changes_no_structure():
    run(HYPER)
    before = snapshot()
    report = import_article_file(ARTICLES / "hypercalcaemia-plain-key-facts.md")
    assert report.deleted == report.archived == report.held == report.created == NOTHING
    assert snapshot()["topics"] == before["topics"]
    assert snapshot()["cards"] == before["cards"]


@pytest.mark.django_db
def test_a_key_fact_missing_its_colon_over_the_article_duplicates_nothing():
    run(ARTICLES / "osteoporosis.txt")
    topics = list(Topic.objects.order_by("id").values_list("id", "key", "position"))
    lessons = Lesson.objects.count()
    report = import_article_file(
        ARTICLES / "osteoporosis-missing-colon.txt",
        article=Article.objects.get(),
    )
    assert list(Topic.objects.order_by("id").values_list("id", "key", "position")) == topics
    assert Lesson.objects.count() == lessons
    assert report.deleted == report.held == NOTHING
    assert report.warnings


@pytest.mark.django_db
def test_a_file_without_faq_or_references_never_wipes_them():
    run(HYPER)
    text = HYPER.read_text(encoding="utf-8")
    without = text[: text.index("## FAQ")]
    for prune in (False, True):
        report = import_article_text(text=without, source_name="hypercalcaemia.md", prune=prune)
        article = Article.objects.get()
        assert len(article.faq) == 3 and len(article.references) == 2
        assert report.warnings == [
            "the file has no FAQ; the article keeps its 3 FAQ entries",
            "the file has no references; the article keeps its 2 references",
        ]


@pytest.mark.django_db
def test_cards_whose_source_passage_changed_are_listed():
    run(HYPER)
    card = Card.objects.get(front__contains="returns within {{c1::3-4 weeks}}")
    card.status = CardStatus.PUBLISHED
    card.save()
    text = HYPER.read_text(encoding="utf-8").replace(
        "Hypercalcaemia often returns within 3-4 weeks",
        "Hypercalcaemia often comes back within 3-4 weeks",
    )
    report = import_article_text(text=text, source_name="hypercalcaemia.md", dry_run=True)
    assert report.lessons["changed"] == ["Treating Hypercalcaemia › Monitoring"]
    assert len(report.source_changed) == 1
    assert report.source_changed[0].startswith("Hypercalcaemia often returns within")
    assert report.source_changed[0].endswith("(generated by the importer, published)")


@pytest.mark.django_db
def test_a_new_article_of_the_same_title_gets_its_own_slug_and_leaves_the_first_alone():
    from quizzes.content.services.importing import import_article_data

    run(HYPER)
    before = snapshot()
    report = import_article_data(
        data=HYPER.read_bytes(), source_name="hypercalcaemia.md", new_article=True
    )
    assert report.article_slug == "hypercalcaemia-of-malignancy-2"
    assert Article.objects.count() == 2
    first = Article.objects.get(slug="hypercalcaemia-of-malignancy")
    assert (
        list(
            Card.objects.filter(topic__article=first)
            .values_list("id", "key", "status", "front", "back", "lesson_id", "import_fingerprint")
            .order_by("id")
        )
        == before["cards"]
    )


@pytest.mark.django_db
def test_unknown_article_slug_is_a_one_line_error():
    with pytest.raises(CommandError, match="no article with the slug 'nope'"):
        run(HYPER, "--article", "nope")


# --- needs edit ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_publishing_skips_drafts_that_need_an_edit(instructor):
    run(SEED)
    marked = Card.objects.exclude(needs_edit="")
    assert marked.count() == 2
    ready = Card.objects.filter(status=CardStatus.DRAFT, needs_edit="").first()
    result = cards_publish(cards=[*marked, ready], now=timezone.now(), by=instructor)
    assert result.published == [ready]
    skipped = {card.pk: problems for card, problems in result.skipped}
    assert set(skipped) == set(marked.values_list("pk", flat=True))
    assert all(problems[0].startswith("Needs edit: ") for problems in skipped.values())
    assert not marked.filter(status=CardStatus.PUBLISHED).exists()
    # Fixed and cleared by an instructor: the card publishes, and re-imports keep the edit.
    card = marked.first()
    card.needs_edit = ""
    card.front = "How does stage 4 cancer relate to bone metastases?"
    card.save()
    assert cards_publish(cards=[card], now=timezone.now(), by=instructor).published == [card]
    assert import_article_file(SEED).kept["Card"] == 2  # the fixed card and the published one
