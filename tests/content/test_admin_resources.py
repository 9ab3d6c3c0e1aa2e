"""CSV export and import of cards with their choices: round trip, new cards, and bad rows that are
shown before anything is written."""

from __future__ import annotations

import csv
import io

import pytest
import tablib
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from quizzes.content.admin.resources import CHOICE_COLUMNS, CardResource
from quizzes.content.models import Card, CardKind, CardStatus, Choice
from quizzes.core.roles import INSTRUCTORS_GROUP
from quizzes.review.models import MemoryState
from quizzes.review.services.reading import topic_open
from tests.factories import CardFactory, LessonFactory, UserFactory, make_choice_card

pytestmark = pytest.mark.django_db

HEADERS = [
    "key",
    "topic",
    "lesson",
    "kind",
    "status",
    "critical",
    "front",
    "back",
    "explanation",
    "accepted_answers",
    "tags",
    "source_excerpt",
    "clinical_note",
    "note_reference",
    *CHOICE_COLUMNS,
    "correct",
]


def export_rows() -> list[dict[str, str]]:
    text = CardResource().export(Card.objects.order_by("pk")).csv
    return list(csv.DictReader(io.StringIO(text)))


def to_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADERS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def instructor_user():
    """The instructor importing, as the admin passes them (publishing is their sign-off)."""
    user = UserFactory(username="csv-instructor", is_staff=True)
    user.groups.add(Group.objects.get(name=INSTRUCTORS_GROUP))
    return user


def import_rows(rows: list[dict[str, str]], *, dry_run: bool = False, user=None):
    dataset = tablib.Dataset().load(to_csv(rows), format="csv")
    return CardResource().import_data(dataset, dry_run=dry_run, user=user or instructor_user())


def new_row(source, /, **overrides) -> dict[str, str]:
    row = dict.fromkeys(HEADERS, "")
    row.update(
        topic=source.topic.slug,
        lesson=source.key,
        kind="mcq",
        status="published",
        critical="0",
        front="Which lesion destroys bone?",
        explanation="Osteolytic metastases destroy bone.",
        choice_1="Osteolytic",
        choice_2="Osteoblastic",
        choice_3="Sclerotic",
        correct="1",
    )
    row.update(overrides)
    return row


def test_export_flattens_choices_into_numbered_columns():
    card = make_choice_card(
        kind=CardKind.MULTI_SELECT, correct=("Breast", "Prostate"), wrong=("Skin",)
    )
    Card.objects.filter(pk=card.pk).update(key="bm-multi")
    [row] = export_rows()
    assert list(row) == HEADERS
    assert row["key"] == "bm-multi"
    assert row["topic"] == card.topic.slug
    assert row["lesson"] == card.lesson.key
    assert (row["choice_1"], row["choice_2"], row["choice_3"], row["choice_4"]) == (
        "Breast",
        "Prostate",
        "Skin",
        "",
    )
    assert row["correct"] == "1;2"


def test_round_trip_changes_only_what_was_edited_and_keeps_choice_ids():
    mcq = make_choice_card(key="bm-mcq")
    basic = CardFactory(key="bm-basic", front="What is a lytic lesion?")
    choice_ids = list(mcq.choices.order_by("position").values_list("pk", flat=True))

    rows = export_rows()
    unchanged = import_rows(rows)
    assert not unchanged.has_errors() and not unchanged.has_validation_errors()
    assert unchanged.totals["skip"] == 2

    rows[0]["front"] = "Which type of lesion destroys bone?"
    rows[0]["correct"] = "2"
    rows[0]["choice_2"] = "Osteolytic (lytic)"
    rows[0]["choice_1"] = "Osteoblastic"
    result = import_rows(rows)

    assert result.totals["update"] == 1 and result.totals["skip"] == 1
    mcq.refresh_from_db()
    assert mcq.front == "Which type of lesion destroys bone?"
    assert list(mcq.choices.order_by("position").values_list("pk", "text", "is_correct")) == [
        (choice_ids[0], "Osteoblastic", False),
        (choice_ids[1], "Osteolytic (lytic)", True),
        (choice_ids[2], "Mixed", False),
        (choice_ids[3], "Sclerotic", False),
    ]
    basic.refresh_from_db()
    assert basic.front == "What is a lytic lesion?"
    assert Card.objects.count() == 2


def test_a_row_without_key_creates_a_card_with_choices_and_a_stable_key():
    lesson = LessonFactory()
    result = import_rows([new_row(lesson)])
    assert result.totals["new"] == 1
    card = Card.objects.get()
    assert card.key.startswith("authored-")
    assert card.status == CardStatus.PUBLISHED
    assert list(card.choices.values_list("text", "is_correct")) == [
        ("Osteolytic", True),
        ("Osteoblastic", False),
        ("Sclerotic", False),
    ]


def test_importing_a_published_card_unlocks_it_for_readers(student):
    lesson = LessonFactory()
    topic_open(user=student, topic=lesson.topic, now=timezone.now())
    import_rows([new_row(lesson)])
    assert MemoryState.objects.filter(user=student).count() == 1


def test_removing_trailing_choices_deletes_them():
    card = make_choice_card(key="bm-mcq")
    [row] = export_rows()
    row["choice_4"] = ""
    import_rows([row])
    assert list(card.choices.values_list("text", flat=True)) == [
        "Osteolytic",
        "Osteoblastic",
        "Mixed",
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"correct": "1;2"}, "exactly one correct choice; this one has 2"),
        ({"correct": "7"}, "choice “7” does not exist"),
        ({"choice_2": "", "choice_3": "Sclerotic", "choice_4": "Mixed"}, "leave no gaps"),
        ({"topic": "no-such-topic"}, "There is no topic with the slug “no-such-topic”."),
        ({"lesson": "no-such-lesson"}, "The topic has no lesson with the key “no-such-lesson”."),
        ({"kind": "essay"}, "essay"),
        ({"explanation": ""}, "A published card needs an explanation"),
        ({"kind": "cloze", "choice_1": "", "choice_2": "", "choice_3": "", "correct": ""}, "c1::"),
        (
            {"choice_2": "x" * 501},
            "Choice 2 is 501 characters long; a choice can be at most 500 characters.",
        ),
        ({"tags": "t" * 301}, "at most 300 characters (it has 301)"),
        ({"key": "k" * 161}, "at most 160 characters (it has 161)"),
    ],
)
def test_bad_rows_are_reported_and_nothing_is_written(overrides, message):
    lesson = LessonFactory()
    existing = make_choice_card(key="bm-mcq")
    [existing_row] = export_rows()
    existing_row["front"] = "Edited in the same file"
    rows = [existing_row, new_row(lesson), new_row(lesson, **overrides)]

    result = import_rows(rows, dry_run=True)

    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 3
    assert message in " ".join(str(error) for error in invalid.error_dict.values())
    existing.refresh_from_db()
    assert existing.front != "Edited in the same file"
    assert Card.objects.count() == 1


# --- through the admin -------------------------------------------------------------------------


def post_import(client, rows):
    upload = SimpleUploadedFile("cards.csv", to_csv(rows).encode(), "text/csv")
    return client.post(
        reverse("admin:content_card_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )


def test_admin_import_shows_row_errors_before_writing(instructor_client):
    lesson = LessonFactory()
    response = post_import(
        instructor_client, [new_row(lesson), new_row(lesson, correct="", front="No answer marked")]
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "exactly one correct choice; this one has 0" in html
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert not Card.objects.exists()
    assert not Choice.objects.exists()


def test_admin_import_confirms_then_writes_and_logs(instructor_client):
    lesson = LessonFactory()
    preview = post_import(instructor_client, [new_row(lesson)])
    assert preview.status_code == 200
    assert not Card.objects.exists()
    confirm = preview.context["confirm_form"]
    done = instructor_client.post(
        reverse("admin:content_card_process_import"),
        {name: confirm.initial[name] for name in confirm.initial},
    )
    assert done.status_code == 302
    card = Card.objects.get()
    assert card.choices.count() == 3
    assert LogEntry.objects.filter(object_id=str(card.pk), user__username="instructor").exists()


def test_students_cannot_import(student_client):
    response = student_client.get(reverse("admin:content_card_import"))
    assert response.status_code == 302


def test_a_choice_too_long_is_shown_under_its_column_in_the_admin(instructor_client):
    lesson = LessonFactory()
    response = post_import(instructor_client, [new_row(lesson, choice_3="y" * 600)])
    assert response.status_code == 200
    [invalid] = response.context["result"].invalid_rows
    assert invalid.field_specific_errors == {
        "csv_choice_3": [
            "Choice 3 is 600 characters long; a choice can be at most 500 characters. "
            "Shorten it, or move detail to the explanation."
        ]
    }
    assert not Card.objects.exists() and not Choice.objects.exists()


def test_a_choice_of_exactly_500_characters_is_stored_whole():
    lesson = LessonFactory()
    result = import_rows([new_row(lesson, choice_2="z" * 500)])
    assert not result.has_validation_errors()
    assert Choice.objects.get(position=1).text == "z" * 500
