"""The importer: idempotent re-imports, in-place updates, learner history kept, curated cards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.utils import timezone

from quizzes.content.cardgen import generate_cards
from quizzes.content.models import Article, Card, CardOrigin, CardStatus, Choice, Lesson, Topic
from quizzes.content.parsing.text import parse_article
from quizzes.content.services.importing import (
    ArticleImportError,
    import_article_file,
    import_article_text,
)
from quizzes.review.models import LessonRead, MemoryState, ReviewLog
from tests.factories import CardFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "content" / "bone-metastases.txt"
ARTICLES = Path(__file__).resolve().parents[1] / "data" / "articles"
OSTEO = ARTICLES / "osteoporosis.txt"
OSTEO_CARDS = ARTICLES / "osteoporosis.cards.json"
ALENDRONATE_SIDE_EFFECT = "In osteoporosis, what is the common side effect for alendronate?"


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def osteo_text() -> str:
    return OSTEO.read_text(encoding="utf-8")


def import_osteo(text: str | None = None, cards: str | None = None, **kwargs):
    return import_article_text(
        text=text if text is not None else osteo_text(),
        source_name="osteoporosis.txt",
        curated_cards=cards if cards is not None else OSTEO_CARDS.read_text(encoding="utf-8"),
        **kwargs,
    )


def snapshot() -> dict:
    """Every imported row's id and fields, to prove a re-import changed nothing."""
    return {
        "articles": list(Article.objects.values_list("id", "title", "content_hash")),
        "topics": list(Topic.objects.order_by("id").values_list()),
        "lessons": list(Lesson.objects.order_by("id").values_list()),
        "cards": list(
            Card.objects.order_by("id").values_list(
                "id", "key", "status", "front", "back", "lesson_id", "import_fingerprint"
            )
        ),
        "choices": list(Choice.objects.order_by("id").values_list()),
    }


def row_counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Article, Topic, Lesson, Card, Choice))


def study(card: Card) -> None:
    """Give a card learner history: a memory state and one review."""
    user = UserFactory()
    now = timezone.now()
    MemoryState.objects.create(user=user, card=card, unlocked_at=now, stage=2, reps=1)
    ReviewLog.objects.create(
        user=user,
        card=card,
        rating=3,
        reviewed_at=now,
        stage_before=0,
        state_before={},
        state_after={},
        interval_seconds=86400,
        desired_retention=0.9,
        token=f"t-{card.pk}-{user.pk}",
    )


# --- the seed -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_seed_import_creates_topics_lessons_and_draft_cards():
    report = import_article_text(text=seed_text(), source_name="bone-metastases.txt")
    parsed = parse_article(seed_text(), source_name="bone-metastases.txt")
    drafts = generate_cards(parsed)

    article = Article.objects.get(slug="bone-metastases")
    assert article.title == "Bone Metastases"
    assert len(article.faq) == 7
    assert set(article.faq[0]) == {"question", "answer"}
    assert len(article.references) == 3
    assert Topic.objects.filter(kind="key_fact").count() == 8
    assert list(
        Topic.objects.filter(kind="key_fact").order_by("position").values_list("number", flat=True)
    ) == list(range(1, 9))
    assert Topic.objects.count() == len(parsed.topics)
    assert Lesson.objects.count() == sum(len(topic.lessons) for topic in parsed.topics)
    assert Card.objects.count() == len(drafts)
    assert set(Card.objects.values_list("status", "origin").distinct()) == {
        (CardStatus.DRAFT, CardOrigin.GENERATED)
    }
    assert report.created["Card"] == len(drafts)
    assert report.created["Topic"] == len(parsed.topics)
    assert report.changed > 0


@pytest.mark.django_db
def test_every_seed_table_row_becomes_a_draft_card_linked_to_its_lesson():
    import_article_text(text=seed_text(), source_name="bone-metastases.txt")
    rows = 0
    for lesson in Lesson.objects.all():
        lines = lesson.source_passage.splitlines()
        for index, line in enumerate(lines):
            is_row = line.startswith("|") and index > 0 and lines[index - 1].startswith("|")
            if is_row:
                rows += 1
                assert Card.objects.filter(source_excerpt=line, lesson=lesson).exists(), line
    assert rows == 14  # the seed has five tables of 3, 3, 3, 3 and 2 rows


@pytest.mark.django_db
def test_seed_reimport_changes_nothing_and_keeps_ids():
    import_article_text(text=seed_text(), source_name="bone-metastases.txt")
    before = snapshot()
    report = import_article_text(text=seed_text(), source_name="bone-metastases.txt")
    assert report.changed == 0
    assert report.changes == []
    assert sum(report.created.values()) == sum(report.updated.values()) == 0
    assert report.unchanged["Card"] == len(before["cards"])
    assert snapshot() == before


@pytest.mark.django_db
def test_seed_import_uses_few_queries(django_assert_max_num_queries):
    # Bulk writes: the query count does not grow with the number of topics, lessons or cards
    # (beyond SQLite's batches of a bulk insert: the cards' history rows take about seven).
    with django_assert_max_num_queries(36):
        import_article_file(SEED)
    with django_assert_max_num_queries(10):
        report = import_article_file(SEED)
    assert report.changed == 0


@pytest.mark.django_db
def test_seed_with_its_curated_cards_file():
    cards_path = SEED.with_name("bone-metastases.cards.json")
    if not cards_path.exists():
        pytest.skip("the curated cards file is not written yet")
    curated = json.loads(cards_path.read_text(encoding="utf-8"))["cards"]
    report = import_article_file(SEED)
    published = Card.objects.filter(origin=CardOrigin.CURATED)
    assert (
        published.count()
        == len(curated)
        == report.created["Card"]
        - len(generate_cards(parse_article(seed_text(), source_name="bone-metastases.txt")))
    )
    assert set(published.values_list("status", flat=True)) == {CardStatus.PUBLISHED}
    by_key = {card.key: card for card in published.prefetch_related("choices")}
    for raw in curated:
        card = by_key[raw["key"]]
        assert card.tags == ", ".join(raw["tags"])
        assert card.accepted_answers == "\n".join(raw["accepted_answers"])
        assert [(c.text, c.is_correct) for c in card.choices.all()] == [
            (c["text"], c["correct"]) for c in raw["choices"]
        ]
        assert raw["source"] in card.lesson.source_passage
    assert import_article_file(SEED).changed == 0


# --- curated cards -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_curated_cards_are_published_with_choices_in_order():
    import_article_file(OSTEO)
    card = Card.objects.get(key="osteo-builds-bone")
    assert (card.status, card.origin, card.kind) == ("published", "curated", "mcq")
    assert card.lesson.title == "Medicines"
    assert card.topic.number == 2
    assert [(c.text, c.is_correct) for c in card.choices.all()] == [
        ("Alendronate", False),
        ("Teriparatide", True),
        ("Denosumab", False),
    ]
    intro = Card.objects.get(key="osteo-one-in-three-women")
    assert intro.lesson.key == "introduction"
    assert intro.critical is True
    assert intro.tags == "risk, epidemiology"
    assert intro.accepted_answers == "1 in 3\none in three"


@pytest.mark.django_db
def test_curated_card_edits_update_in_place_and_choices_keep_ids():
    import_osteo()
    card = Card.objects.get(key="osteo-builds-bone")
    choice_ids = list(card.choices.values_list("id", flat=True))
    data = json.loads(OSTEO_CARDS.read_text(encoding="utf-8"))
    data["cards"][1]["front"] = "Which listed medicine builds new bone?"
    data["cards"][1]["choices"][2]["text"] = "Zoledronic acid"
    report = import_osteo(cards=json.dumps(data))
    assert report.updated["Card"] == 1
    card.refresh_from_db()
    assert card.front == "Which listed medicine builds new bone?"
    assert list(card.choices.values_list("id", flat=True)) == choice_ids
    assert card.choices.get(position=2).text == "Zoledronic acid"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.update(topic="No Such Topic"), "topic 'No Such Topic' is not in the article"),
        (lambda c: c.update(lesson="Nope"), "lesson 'Nope' is not in topic"),
        (lambda c: c.update(source="Words the article never says."), "not a verbatim excerpt"),
        (lambda c: c.update(kind="flashcard"), "kind 'flashcard' is not one of"),
        (lambda c: c.pop("front"), "missing field 'front'"),
        (lambda c: c.update(extra=1), "unknown field 'extra'"),
        (lambda c: c.update(critical="yes"), "field 'critical' has the wrong type"),
        (
            lambda c: c["choices"].__setitem__(0, {"text": "Alendronate", "correct": True}),
            "exactly one correct",
        ),
        (lambda c: c.update(kind="basic"), "card has no choices: delete them"),
        # The rules the admin enforces on publishing hold for curated cards too.
        (lambda c: c["choices"].pop(), "at least two wrong choices (distractors); this one has 1"),
        (lambda c: c.update(explanation="  "), "A published card needs an explanation"),
        (
            lambda c: c.update(kind="cloze", choices=[], front="Builds bone: {{c1:Teriparatide}}"),
            "This cloze deletion is not written correctly",
        ),
        (
            lambda c: c.update(kind="cloze", choices=[], front="Builds bone: Teriparatide"),
            "needs at least one deletion",
        ),
        (
            lambda c: c.update(kind="true_false"),
            "A true/false card has exactly two choices",
        ),
        (lambda c: c.update(kind="basic", choices=[], back=""), "needs an answer on the back"),
    ],
)
@pytest.mark.django_db
def test_bad_curated_card_aborts_the_whole_import(change, message):
    import_osteo()
    before = snapshot()
    data = json.loads(OSTEO_CARDS.read_text(encoding="utf-8"))
    change(data["cards"][1])
    edited = osteo_text().replace("30-70%", "35-70%")
    with pytest.raises(ArticleImportError, match="osteo-builds-bone|card 2") as error:
        import_osteo(text=edited, cards=json.dumps(data))
    assert message in str(error.value)
    assert "\n" not in str(error.value)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "invalid JSON at line 1"),
        ('{"version": 3, "cards": []}', "unsupported version 3"),
        ('{"cards": []}', 'expected an object with exactly "version" and "cards"'),
        ('{"version": 1, "cards": {}}', '"cards" must be a list'),
    ],
)
@pytest.mark.django_db
def test_malformed_curated_file_is_one_clear_error(text, message):
    with pytest.raises(ArticleImportError, match=message):
        import_osteo(cards=text)
    assert row_counts() == (0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_duplicate_curated_keys_are_rejected():
    data = json.loads(OSTEO_CARDS.read_text(encoding="utf-8"))
    data["cards"].append(dict(data["cards"][0]))
    with pytest.raises(ArticleImportError, match="duplicate key"):
        import_osteo(cards=json.dumps(data))


# --- edits and re-imports ------------------------------------------------------------------------
@pytest.mark.django_db
def test_variant_reimport_is_idempotent():
    import_article_file(OSTEO)
    before = snapshot()
    report = import_article_file(OSTEO)
    assert report.changed == 0
    assert snapshot() == before


@pytest.mark.django_db
def test_edited_article_updates_in_place_by_stable_keys():
    import_osteo()
    cloze = Card.objects.get(front__contains="{{c1::30 minutes}}")
    heartburn = Card.objects.get(front=ALENDRONATE_SIDE_EFFECT)
    topic = Topic.objects.get(key="key-fact-treatment-choices")
    lesson = Lesson.objects.get(topic=topic, key="medicines")

    edited = (
        osteo_text()
        .replace("for 30 minutes a day", "for 40 minutes a day")
        .replace("| Heartburn |", "| Indigestion |")
        .replace("Key Fact #2: Treatment Choices", "Key Fact #5: Treatment Choices")
        .replace("Trials last 2-3 years.", "Trials last 3-4 years.")
    )
    report = import_osteo(text=edited)
    assert report.created["Card"] == 0
    assert report.deleted["Card"] == 0

    cloze.refresh_from_db()
    assert cloze.front == "Weight-bearing exercise for {{c1::40 minutes}} a day keeps bones strong."
    assert cloze.back == "40 minutes"
    heartburn.refresh_from_db()
    assert heartburn.back == "Indigestion"
    assert ("Indigestion", True) in [(c.text, c.is_correct) for c in heartburn.choices.all()]
    # The other rows' cards offer the new value as a distractor.
    other = Card.objects.get(front=ALENDRONATE_SIDE_EFFECT.replace("alendronate", "denosumab"))
    assert "Indigestion" in other.choices.values_list("text", flat=True)
    topic.refresh_from_db()
    assert topic.number == 5
    assert Lesson.objects.get(pk=lesson.pk).body.count("Indigestion") == 1
    assert report.updated["Topic"] == 1
    assert any("update Card" in line for line in report.changes)


@pytest.mark.django_db
def test_removed_section_deletes_unstudied_cards_and_its_lesson():
    import_osteo()
    lesson = Lesson.objects.get(key="exercise-and-falls")
    card_ids = list(lesson.cards.values_list("id", flat=True))
    assert card_ids
    LessonRead.objects.create(user=UserFactory(), lesson=lesson, read_at=timezone.now())
    edited = osteo_text().replace(
        "Exercise and Falls\nWeight-bearing exercise for 30 minutes a day keeps bones strong.\n"
        "“Preventing a fall prevents a fracture.”\n",
        "",
    )
    held = import_osteo(text=edited)
    # Without pruning nothing goes: the cards and the lesson are listed as held back.
    assert Card.objects.filter(id__in=card_ids).count() == len(card_ids)
    assert held.deleted == held.archived == {"Article": 0, "Topic": 0, "Lesson": 0, "Card": 0}
    assert held.held["Card"] == len(card_ids)
    assert held.held["Lesson"] == 1
    report = import_osteo(text=edited, prune=True)
    assert not Card.objects.filter(id__in=card_ids).exists()
    assert not Lesson.objects.filter(pk=lesson.pk).exists()
    assert report.deleted["Card"] == len(card_ids)
    assert report.deleted["Lesson"] == 1


@pytest.mark.django_db
def test_removed_cards_with_history_are_archived_and_their_lesson_and_topic_kept():
    import_osteo()
    topic = Topic.objects.get(key="key-fact-living-with-osteoporosis")
    section_cards = Card.objects.filter(topic=topic).exclude(tags__contains="faq")
    studied = section_cards.get(front__contains="Remove loose rugs")
    unstudied_ids = list(section_cards.exclude(pk=studied.pk).values_list("id", flat=True))
    study(studied)
    start = osteo_text().index("Key Fact #3:")
    end = osteo_text().index("Looking Ahead")
    edited = osteo_text()[:start] + osteo_text()[end:]

    report = import_osteo(text=edited, prune=True)
    studied.refresh_from_db()
    assert studied.status == CardStatus.ARCHIVED
    assert MemoryState.objects.filter(card=studied).exists()
    assert ReviewLog.objects.filter(card=studied).exists()
    assert not Card.objects.filter(id__in=unstudied_ids).exists()
    assert Topic.objects.filter(pk=topic.pk).exists()
    assert Lesson.objects.filter(pk=studied.lesson_id).exists()
    assert report.archived["Card"] == 1
    assert report.kept["Topic"] == 1

    # Archiving is recorded, so importing the same text again changes nothing more.
    assert import_osteo(text=edited, prune=True).changed == 0
    # And when the section comes back the untouched card is restored in place.
    back = import_osteo()
    studied.refresh_from_db()
    assert studied.status == CardStatus.DRAFT
    assert back.updated["Card"] >= 1


@pytest.mark.django_db
def test_instructor_changes_to_generated_cards_are_left_alone():
    import_osteo()
    published = Card.objects.get(front=ALENDRONATE_SIDE_EFFECT)
    published.status = CardStatus.PUBLISHED
    published.save()
    reworded = Card.objects.get(front__contains="{{c1::30 minutes}}")
    reworded.front = "Weight-bearing exercise for {{c1::30 minutes}} daily keeps bones strong."
    reworded.save()

    edited = (
        osteo_text()
        .replace("| Heartburn |", "| Indigestion |")
        .replace("exercise for 30 minutes a day", "exercise for 30 minutes every day")
    )
    report = import_osteo(text=edited, prune=True)
    published.refresh_from_db()
    assert published.status == CardStatus.PUBLISHED
    assert published.back == "Heartburn"
    assert report.kept["Card"] >= 1
    # The reworded cloze's sentence changed in the article, so a new draft replaces it,
    # while the instructor's card is archived, not deleted.
    reworded.refresh_from_db()
    assert reworded.status == CardStatus.ARCHIVED
    assert reworded.front.startswith("Weight-bearing exercise for {{c1::30 minutes}} daily")
    assert Card.objects.filter(
        front__contains="{{c1::30 minutes}} every day", status=CardStatus.DRAFT
    ).exists()


@pytest.mark.django_db
def test_authored_cards_are_never_touched():
    import_osteo()
    lesson = Lesson.objects.get(key="exercise-and-falls")
    authored = CardFactory(lesson=lesson, topic=lesson.topic, origin=CardOrigin.AUTHORED)
    edited = osteo_text().replace(
        "Exercise and Falls\nWeight-bearing exercise for 30 minutes a day keeps bones strong.\n", ""
    )
    report = import_osteo(text=edited, prune=True)
    assert Card.objects.filter(pk=authored.pk, status=CardStatus.PUBLISHED).exists()
    assert Lesson.objects.filter(pk=lesson.pk).exists()
    assert report.kept["Lesson"] == 1


@pytest.mark.django_db
def test_dry_run_reports_changes_and_writes_nothing():
    report = import_osteo(dry_run=True)
    assert report.dry_run is True
    assert report.created["Card"] > 0
    assert any(line.startswith("create Topic") for line in report.changes)
    assert row_counts() == (0, 0, 0, 0, 0)

    import_osteo()
    before = snapshot()
    edited = osteo_text().replace("for 30 minutes a day", "for 40 minutes a day")
    report = import_osteo(text=edited, dry_run=True)
    assert report.updated["Card"] == 1
    assert snapshot() == before


@pytest.mark.django_db
def test_card_key_owned_by_another_article_is_an_error():
    import_osteo()
    data = json.loads(OSTEO_CARDS.read_text(encoding="utf-8"))
    text = osteo_text()
    with pytest.raises(ArticleImportError, match="already belongs to another article"):
        import_article_text(
            text=text, source_name="osteoporosis-copy.txt", curated_cards=json.dumps(data)
        )


@pytest.mark.django_db
def test_two_articles_live_side_by_side():
    import_article_text(text=seed_text(), source_name="bone-metastases.txt")
    import_article_file(ARTICLES / "heat-stroke.txt")
    assert Article.objects.count() == 2
    assert Topic.objects.filter(article__slug="heat-stroke").count() == 4
    heat = Article.objects.get(slug="heat-stroke")
    assert heat.faq == [] and heat.references == []
    assert all(
        slug.startswith("heat-stroke-") for slug in heat.topics.values_list("slug", flat=True)
    )


@pytest.mark.django_db
def test_saving_a_card_unchanged_in_the_admin_is_not_an_edit():
    import_osteo()
    card = Card.objects.get(front="List the risk factors you can change (3).")
    card.back = card.back.replace("\n", "\r\n") + "\n"  # what a browser's textarea sends back
    card.save()
    edited = osteo_text().replace(
        "- Low calcium intake\n", "- Low calcium intake\n- Low vitamin D\n"
    )
    report = import_osteo(text=edited)
    card.refresh_from_db()
    assert card.back.endswith("- Low vitamin D")
    assert report.kept["Card"] == 0


@pytest.mark.django_db
def test_a_new_card_only_shifts_positions_in_its_own_lesson():
    import_osteo()
    edited = osteo_text().replace(
        "- A parent who broke a hip\n",
        "- A parent who broke a hip\nBone loss speeds up in the 5 years after menopause.\n",
    )
    report = import_osteo(text=edited)
    assert report.created["Card"] == 1
    assert report.updated["Card"] == 0
    assert report.unchanged["Card"] == Card.objects.count() - 1


@pytest.mark.django_db
def test_importing_without_the_curated_file_leaves_curated_cards_alone():
    import_osteo()
    curated = set(Card.objects.filter(origin=CardOrigin.CURATED).values_list("id", "status"))
    report = import_article_text(text=osteo_text(), source_name="osteoporosis.txt")
    assert report.changed == 0
    assert (
        set(Card.objects.filter(origin=CardOrigin.CURATED).values_list("id", "status")) == curated
    )


@pytest.mark.django_db
def test_curated_card_removed_from_the_file_is_deleted_or_archived():
    import_osteo()
    studied = Card.objects.get(key="osteo-builds-bone")
    study(studied)
    data = json.loads(OSTEO_CARDS.read_text(encoding="utf-8"))
    data["cards"] = [card for card in data["cards"] if card["key"] == "osteo-t-score-young-adult"]
    report = import_osteo(cards=json.dumps(data), prune=True)
    assert report.deleted["Card"] == 1 and report.archived["Card"] == 1
    assert not Card.objects.filter(key="osteo-one-in-three-women").exists()
    studied.refresh_from_db()
    assert studied.status == CardStatus.ARCHIVED


def test_reimport_gives_new_curated_cards_to_learners_who_read_the_topic(tmp_path, student):
    """A card published by a re-import reaches those who already read its topic, as in the admin."""
    from quizzes.content.models import Topic
    from quizzes.review.models import MemoryState
    from quizzes.review.services.reading import topic_open

    source = Path(__file__).resolve().parents[2] / "content" / "bone-metastases.txt"
    article = tmp_path / "bone-metastases.txt"
    article.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    cards_file = tmp_path / "bone-metastases.cards.json"
    curated = json.loads(source.with_name("bone-metastases.cards.json").read_text("utf-8"))
    held_back = curated["cards"].pop()
    cards_file.write_text(json.dumps(curated), encoding="utf-8")
    import_article_file(article)
    topic_open(user=student, topic=Topic.objects.get(title=held_back["topic"]), now=timezone.now())

    curated["cards"].append(held_back)
    cards_file.write_text(json.dumps(curated), encoding="utf-8")
    import_article_file(article)

    assert MemoryState.objects.filter(user=student, card__key=held_back["key"]).exists()


# --- instructor work on topics and lessons survives re-imports -----------------------------------
@pytest.mark.django_db
def test_imported_topics_and_lessons_carry_a_fingerprint():
    import_osteo()
    assert not Topic.objects.filter(import_fingerprint="").exists()
    assert not Lesson.objects.filter(import_fingerprint="").exists()


@pytest.mark.django_db
def test_lesson_written_in_the_admin_under_an_imported_topic_survives_reimports():
    import_osteo()
    topic = Topic.objects.get(key="key-fact-living-with-osteoporosis")
    notes = Lesson.objects.create(
        topic=topic, key="ward-notes", title="Ward notes", position=9, body="Our ward's advice."
    )
    assert import_osteo().changed == 0
    # Even when the article drops the whole topic, the instructor's lesson keeps it alive.
    start, end = osteo_text().index("Key Fact #3:"), osteo_text().index("Looking Ahead")
    report = import_osteo(text=osteo_text()[:start] + osteo_text()[end:], prune=True)
    notes.refresh_from_db()
    assert (notes.topic_id, notes.body) == (topic.pk, "Our ward's advice.")
    assert Topic.objects.filter(pk=topic.pk).exists()
    assert report.kept["Topic"] == 1
    assert report.deleted["Lesson"] >= 1  # the topic's imported lessons went with the article
    assert not any("ward-notes" in line for line in report.changes)


@pytest.mark.django_db
def test_topic_added_in_the_admin_without_cards_or_lessons_survives_reimports():
    import_osteo()
    article = Article.objects.get()
    extra = Topic.objects.create(
        article=article, key="local-pathway", slug="local-pathway", title="Local pathway"
    )
    report = import_osteo(text=osteo_text().replace("30-70%", "40-70%"))
    assert Topic.objects.filter(pk=extra.pk, title="Local pathway").exists()
    assert report.deleted["Topic"] == 0


@pytest.mark.django_db
def test_lesson_body_edited_by_an_instructor_is_kept_and_reported():
    import_osteo()
    lesson = Lesson.objects.get(key="medicines")
    lesson.body = "Rewritten by the instructor.\r\n\r\nSecond paragraph."
    lesson.save()
    edited = osteo_text().replace("| Heartburn |", "| Indigestion |")
    report = import_osteo(text=edited)
    lesson.refresh_from_db()
    assert lesson.body == "Rewritten by the instructor.\r\n\r\nSecond paragraph."
    assert report.kept["Lesson"] == 1
    assert "keep Lesson key-fact-treatment-choices/medicines (changed by an instructor)" in (
        report.changes
    )
    assert "kept (changed by an instructor or still in use)" in report.summary()
    # The generated cards still follow the article.
    assert Card.objects.filter(front=ALENDRONATE_SIDE_EFFECT, back="Indigestion")
    # An edited lesson that leaves the article is kept too, not deleted.
    falls = Lesson.objects.get(key="exercise-and-falls")
    falls.title = "Exercise, falls and you"
    falls.save()
    report = import_osteo(
        text=edited.replace(
            "Exercise and Falls\n"
            "Weight-bearing exercise for 30 minutes a day keeps bones strong.\n"
            "“Preventing a fall prevents a fracture.”\n",
            "",
        ),
        prune=True,
    )
    assert Lesson.objects.filter(pk=falls.pk, title="Exercise, falls and you").exists()
    assert report.deleted["Lesson"] == 0


@pytest.mark.django_db
def test_topic_order_set_in_the_admin_is_not_reset():
    import_osteo()
    first = Topic.objects.get(key="key-fact-who-is-at-risk")
    second = Topic.objects.get(key="key-fact-treatment-choices")
    first.position, second.position = second.position, first.position
    first.save()
    second.save()
    positions = dict(Topic.objects.values_list("key", "position"))

    report = import_osteo(text=osteo_text().replace("Key Fact #2:", "Key Fact #4:"))
    assert dict(Topic.objects.values_list("key", "position")) == positions
    assert report.kept["Topic"] == 2
    second.refresh_from_db()
    assert second.number == 2  # kept as the instructor left it, renumbering included
    assert import_osteo(text=osteo_text().replace("Key Fact #2:", "Key Fact #4:")).changed == 0


@pytest.mark.django_db
def test_an_unchanged_imported_topic_that_left_the_article_is_deleted():
    import_osteo()
    start, end = osteo_text().index("Key Fact #3:"), osteo_text().index("Looking Ahead")
    report = import_osteo(text=osteo_text()[:start] + osteo_text()[end:], prune=True)
    assert not Topic.objects.filter(key="key-fact-living-with-osteoporosis").exists()
    assert report.deleted["Topic"] == 1
    assert report.kept["Topic"] == 0


@pytest.mark.django_db
def test_an_imported_lesson_saved_unchanged_in_the_admin_still_follows_the_article():
    import_osteo()
    lesson = Lesson.objects.get(key="medicines")
    lesson.body = lesson.body.replace("\n", "\r\n") + "\r\n"  # what a browser sends back
    lesson.save()
    report = import_osteo(text=osteo_text().replace("| Heartburn |", "| Indigestion |"))
    lesson.refresh_from_db()
    assert "Indigestion" in lesson.body
    assert report.kept["Lesson"] == 0


@pytest.mark.django_db
def test_a_topic_from_before_fingerprints_is_adopted_when_it_matches_the_article():
    import_osteo()
    Topic.objects.update(import_fingerprint="")
    Lesson.objects.update(import_fingerprint="")
    report = import_osteo()
    assert report.changed == 0 and report.kept["Topic"] == report.kept["Lesson"] == 0
    assert not Topic.objects.filter(import_fingerprint="").exists()
    assert import_osteo(text=osteo_text().replace("30-70%", "40-70%")).updated["Lesson"] == 1


@pytest.mark.django_db
def test_a_slug_taken_by_a_topic_added_in_the_admin_is_a_clear_error():
    import_osteo()
    article = Article.objects.get()
    Topic.objects.create(
        article=article, key="mine", slug="osteoporosis-key-fact-bone-health", title="Mine"
    )
    before = snapshot()
    edited = osteo_text().replace("#3: Living With Osteoporosis", "#3: Bone Health")
    with pytest.raises(ArticleImportError, match="already used by the topic 'Mine'"):
        import_osteo(text=edited)
    assert snapshot() == before
