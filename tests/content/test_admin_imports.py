"""The card CSV import through the admin happens exactly once and stays contained: the confirm step
names a server-side preview of its own user, a second confirm writes nothing, malformed fields
are a 400, and no name the browser sends reaches the file system."""

from __future__ import annotations

import tempfile
import threading
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quizzes.content.models import Card, Choice, ImportPreview
from quizzes.content.services.import_previews import PREVIEW_LIFETIME, PreviewStorage
from quizzes.core.roles import INSTRUCTORS_GROUP
from tests.concurrency import concurrent_database, fire  # noqa: F401  (a fixture)
from tests.content.test_admin_resources import new_row, to_csv
from tests.factories import LessonFactory, UserFactory

IMPORT_URL = "admin:content_card_import"
CONFIRM_URL = "admin:content_card_process_import"


def make_instructor(username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=INSTRUCTORS_GROUP))
    return user


def preview(client: Client, rows: list[dict[str, str]], name: str = "cards.csv"):
    upload = SimpleUploadedFile(name, to_csv(rows).encode(), "text/csv")
    response = client.post(
        reverse(IMPORT_URL), {"import_file": upload, "format": "0", "resource": "0"}
    )
    assert response.status_code == 200
    return response


def confirm_fields(response) -> dict[str, str]:
    form = response.context["confirm_form"]
    return {name: str(form.initial[name]) for name in form.initial}


def confirm(client: Client, fields: dict[str, str]):
    return client.post(reverse(CONFIRM_URL), fields)


def writes() -> tuple[int, int, int]:
    return Card.objects.count(), Choice.objects.count(), LogEntry.objects.count()


def cached_previews() -> int:
    """Previews whose rows are still in the cache, read through the storage itself."""
    return sum(
        PreviewStorage(name=key).read() is not None
        for key in ImportPreview.objects.values_list("key", flat=True)
    )


@pytest.fixture
def lesson(db):
    return LessonFactory()


# --- exactly once ------------------------------------------------------------------------------


def test_a_second_confirm_is_told_already_imported_and_writes_nothing(instructor_client, lesson):
    fields = confirm_fields(preview(instructor_client, [new_row(lesson), new_row(lesson)]))
    assert ImportPreview.objects.get().key == fields["import_file_name"]

    first = confirm(instructor_client, fields)
    assert first.status_code == 302
    assert Card.objects.count() == 2
    after_first = writes()
    # The rows left the cache with the import; the record stays to recognise a repeat.
    assert cached_previews() == 0

    again = confirm(instructor_client, fields)
    assert again.status_code == 409
    assert "was already imported" in again.content.decode()
    assert writes() == after_first


def test_the_preview_belongs_to_the_instructor_who_made_it(instructor_client, lesson):
    # A draft: with a second instructor, publishing would need that colleague's sign-off.
    fields = confirm_fields(preview(instructor_client, [new_row(lesson, status="draft")]))
    colleague = Client()
    colleague.force_login(make_instructor("colleague"))

    refused = confirm(colleague, fields)
    assert refused.status_code == 400
    assert "no such import preview" in refused.content.decode()
    assert writes() == (0, 0, 0)
    # Its owner can still confirm it.
    assert confirm(instructor_client, fields).status_code == 302
    assert Card.objects.count() == 1


# --- malformed confirm fields ------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"format": "99"},
        {"format": "abc"},
        {"format": ""},
        {"format": "-1"},
        {"resource": "7"},
        {"resource": "x"},
        {"import_file_name": "0" * 32},  # well formed, but no preview has it
        {"import_file_name": ""},
        {"import_file_name": "cards.csv"},
        {"import_file_name": "../../../etc/passwd"},
        {"import_file_name": "A" * 32},
        {"import_file_name": "0" * 31 + "\x00"},
        {"original_file_name": "x" * 300},
        {"original_file_name": "cards\x00.csv"},
    ],
)
def test_malformed_confirm_fields_are_a_400_and_write_nothing(instructor_client, lesson, changes):
    fields = confirm_fields(preview(instructor_client, [new_row(lesson)]))
    response = confirm(instructor_client, {**fields, **changes})
    assert response.status_code == 400
    assert writes() == (0, 0, 0)
    assert ImportPreview.objects.get().imported_at is None


@pytest.mark.parametrize("missing", ["import_file_name", "format"])
def test_a_confirm_without_its_fields_is_a_400(instructor_client, lesson, missing):
    fields = confirm_fields(preview(instructor_client, [new_row(lesson)]))
    del fields[missing]
    assert confirm(instructor_client, fields).status_code == 400
    assert writes() == (0, 0, 0)


@pytest.mark.parametrize("name", ["{name}", "../{name}", "../../tmp/{name}", "/tmp/{name}"])
def test_no_file_name_from_the_browser_reaches_the_file_system(instructor_client, lesson, name):
    """The old temp-folder storage imported, then deleted, whatever file of the temp folder the
    confirm named."""
    planted = Path(tempfile.gettempdir()) / "bonelearn-planted-cards.csv"
    planted.write_text(to_csv([new_row(lesson)]))
    try:
        response = confirm(
            instructor_client,
            {
                "import_file_name": name.format(name=planted.name),
                "original_file_name": "cards.csv",
                "format": "0",
                "resource": "0",
            },
        )
        assert response.status_code == 400
        assert planted.exists()
        assert writes() == (0, 0, 0)
    finally:
        planted.unlink()


def test_only_instructors_may_confirm(student_client, instructor, lesson):
    owner = Client()
    owner.force_login(instructor)
    fields = confirm_fields(preview(owner, [new_row(lesson)]))
    response = confirm(student_client, fields)
    assert response.status_code == 302  # to the admin log-in
    assert writes() == (0, 0, 0)


# --- expiry and clean-up -----------------------------------------------------------------------


def later(delta: timedelta):
    return mock.patch("django.utils.timezone.now", return_value=timezone.now() + delta)


def test_a_preview_expires_after_an_hour(instructor_client, lesson):
    fields = confirm_fields(preview(instructor_client, [new_row(lesson)]))
    with later(PREVIEW_LIFETIME + timedelta(seconds=1)):
        response = confirm(instructor_client, fields)
    assert response.status_code == 400
    assert "more than an hour old" in response.content.decode()
    assert writes() == (0, 0, 0)


def test_a_preview_confirmed_within_the_hour_imports(instructor_client, lesson):
    fields = confirm_fields(preview(instructor_client, [new_row(lesson)]))
    with later(PREVIEW_LIFETIME - timedelta(minutes=1)):
        assert confirm(instructor_client, fields).status_code == 302
    assert Card.objects.count() == 1


def test_previews_nobody_confirmed_are_cleaned_up(instructor_client, lesson):
    preview(instructor_client, [new_row(lesson)])
    forgotten = ImportPreview.objects.get()
    assert cached_previews() == 1

    with later(PREVIEW_LIFETIME + timedelta(minutes=1)):
        preview(instructor_client, [new_row(lesson)])

    assert not ImportPreview.objects.filter(pk=forgotten.pk).exists()
    assert PreviewStorage(name=forgotten.key).read() is None
    assert ImportPreview.objects.count() == 1


def test_a_preview_with_errors_leaves_nothing_behind(instructor_client, lesson):
    saved: list[str] = []
    save = PreviewStorage.save

    def save_and_note(storage, data):
        save(storage, data)
        saved.append(storage.name)

    with mock.patch.object(PreviewStorage, "save", save_and_note):
        response = preview(instructor_client, [new_row(lesson, correct="")])
    assert response.context["result"].has_validation_errors()
    [key] = saved
    # It can never be confirmed, so its rows are dropped at once, not in an hour.
    assert PreviewStorage(name=key).read() is None
    assert not ImportPreview.objects.exists()


@pytest.mark.parametrize("content", [b"\n\x00", b"\nkey,topic\nx,y\n", b"", b"\xff\xfe\x00"])
def test_a_file_without_a_header_row_is_refused_in_the_form(instructor_client, content):
    upload = SimpleUploadedFile("cards.csv", content, "text/csv")
    response = instructor_client.post(
        reverse(IMPORT_URL), {"import_file": upload, "format": "0", "resource": "0"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["import_file"]
    assert not ImportPreview.objects.exists()
    assert writes() == (0, 0, 0)


def test_a_confirm_whose_rows_no_longer_pass_writes_nothing_and_can_be_retried(
    instructor_client, lesson
):
    fields = confirm_fields(preview(instructor_client, [new_row(lesson)]))
    topic_slug = lesson.topic.slug
    lesson.topic.slug = "renamed-meanwhile"
    lesson.topic.save()

    response = confirm(instructor_client, fields)
    assert response.status_code == 400
    assert f"There is no topic with the slug “{topic_slug}”" in response.content.decode()
    assert writes() == (0, 0, 0)
    assert ImportPreview.objects.get().imported_at is None  # the claim was released


# --- at the same moment ------------------------------------------------------------------------

CONFIRMS = 8


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("concurrent_database")
def test_simultaneous_confirms_import_once():
    lesson = LessonFactory()
    instructor = make_instructor("instructor")
    owner = Client()
    owner.force_login(instructor)
    fields = confirm_fields(preview(owner, [new_row(lesson), new_row(lesson), new_row(lesson)]))
    clients = []
    for _ in range(CONFIRMS):
        client = Client()
        client.force_login(instructor)
        clients.append(client)
    client_lock = threading.Lock()

    def submit() -> str:
        with client_lock:
            client = clients.pop()
        return str(confirm(client, fields).status_code)

    results = fire(submit, times=CONFIRMS, outcome_of=lambda error: f"error: {error!r}")
    assert sorted(results) == ["302"] + ["409"] * (CONFIRMS - 1)
    assert Card.objects.count() == 3
    assert Choice.objects.count() == 9
    assert ImportPreview.objects.get().imported_at is not None
