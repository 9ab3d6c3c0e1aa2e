"""The training admin: module validation, read-only records, assignments, and the learner upload."""

from __future__ import annotations

import html as html_module
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from quizzes.content.models import CardStatus
from quizzes.training.forms import AssignmentAdminForm, TrainingModuleAdminForm
from quizzes.training.models import Attempt
from quizzes.training.services.attempts import attempt_start, attempt_submit
from tests.factories import UserFactory, assign_module, make_module, make_quiz_pool

UPLOAD_URL = "admin:training_assignment_upload_learners"


def module_data(pool, **changes):
    data = {
        "title": "Bone essentials",
        "slug": "bone-essentials",
        "description": "",
        "question_pool": [card.pk for card in pool],
        "questions_per_attempt": len(pool),
        "pass_mark": 80,
        "attempts_allowed": 3,
        "time_limit_minutes": 20,
        "shuffle_questions": True,
        "shuffle_choices": True,
        "feedback_policy": "after_submit",
        "is_published": True,
        "questions_per_page": 0,
        "lessons_required": True,
        "version": "1.0",
    }
    data.update(changes)
    return data


@pytest.fixture
def pool(db):
    return make_quiz_pool()


def test_valid_module_form(pool):
    assert TrainingModuleAdminForm(data=module_data(pool)).is_valid()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"pass_mark": 101}, "pass_mark", "less than or equal to 100"),
        ({"pass_mark": -1}, "pass_mark", "greater than or equal to 0"),
        ({"questions_per_attempt": 5}, "questions_per_attempt", "The pool holds 4 questions"),
        ({"questions_per_attempt": 0}, "questions_per_attempt", "greater than or equal to 1"),
        ({"time_limit_minutes": 0}, "time_limit_minutes", "greater than or equal to 1"),
        (
            {"available_from": "2026-05-02 10:00", "available_until": "2026-05-01 10:00"},
            "available_until",
            "close after it opens",
        ),
    ],
)
def test_module_form_refuses_bad_settings(pool, changes, field, message):
    form = TrainingModuleAdminForm(data=module_data(pool, **changes))
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_published_module_needs_enough_published_questions(pool):
    pool[0].status = CardStatus.DRAFT
    pool[0].save()
    form = TrainingModuleAdminForm(data=module_data(pool))
    assert not form.is_valid()
    assert "Only 3 pool questions are published" in form.errors["questions_per_attempt"][0]
    assert TrainingModuleAdminForm(data=module_data(pool, is_published=False)).is_valid()


def test_no_time_limit_is_allowed(pool):
    assert TrainingModuleAdminForm(data=module_data(pool, time_limit_minutes="")).is_valid()


def test_assignment_goes_to_a_group_or_a_learner(pool, student):
    module = make_module(cards=pool)
    group = Group.objects.create(name="Ward 5 nurses")
    due = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    both = AssignmentAdminForm(
        data={"module": module.pk, "group": group.pk, "user": student.pk, "due_at": due}
    )
    neither = AssignmentAdminForm(data={"module": module.pk, "due_at": due})
    assert not both.is_valid() and not neither.is_valid()
    assert "either to a group or to one learner" in both.non_field_errors()[0]
    assert AssignmentAdminForm(
        data={"module": module.pk, "group": group.pk, "due_at": due}
    ).is_valid()


def test_instructor_builds_a_module_in_the_admin(instructor_client, pool):
    from tests.factories import LessonFactory

    lesson = LessonFactory()
    group = Group.objects.create(name="Ward 5 nurses")
    assert instructor_client.get(reverse("admin:training_trainingmodule_add")).status_code == 200
    data = module_data(pool)
    data.update(
        {
            "module_lessons-TOTAL_FORMS": "1",
            "module_lessons-INITIAL_FORMS": "0",
            "module_lessons-0-position": "1",
            "module_lessons-0-lesson": str(lesson.pk),
            "assignments-TOTAL_FORMS": "1",
            "assignments-INITIAL_FORMS": "0",
            "assignments-0-group": str(group.pk),
            "assignments-0-due_at_0": "2030-01-01",
            "assignments-0-due_at_1": "10:00",
        }
    )
    data["available_from_0"] = data["available_from_1"] = ""
    data["available_until_0"] = data["available_until_1"] = ""
    response = instructor_client.post(reverse("admin:training_trainingmodule_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    from quizzes.training.models import TrainingModule

    module = TrainingModule.objects.get(slug="bone-essentials")
    assert list(module.lessons.all()) == [lesson]
    assert module.question_pool.count() == 4
    assert module.assignments.get().group == group


def test_pool_offers_only_gradable_cards(instructor_client, pool):
    from tests.factories import CardFactory

    basic = CardFactory(front="A basic card only")
    html = instructor_client.get(reverse("admin:training_trainingmodule_add")).content.decode()
    assert pool[0].front in html
    assert basic.front not in html


def test_attempts_and_completions_are_read_only(instructor_client, pool, student):
    module = make_module(cards=pool)
    assign_module(module, user=student)
    attempt = attempt_start(user=student, module=module, now=timezone.now())
    attempt_submit(attempt=attempt, now=timezone.now())
    assert instructor_client.get(reverse("admin:training_attempt_changelist")).status_code == 200
    change = instructor_client.get(reverse("admin:training_attempt_change", args=[attempt.pk]))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert instructor_client.get(reverse("admin:training_attempt_add")).status_code == 403
    assert instructor_client.get(reverse("admin:training_completion_add")).status_code == 403
    response = instructor_client.post(
        reverse("admin:training_attempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Attempt.objects.filter(pk=attempt.pk).exists()


def test_instructors_get_no_user_administration(instructor_client):
    assert instructor_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert instructor_client.get(reverse("admin:auth_group_changelist")).status_code == 403


# --- Learner upload --------------------------------------------------------------------------


def upload(client, text, **extra):
    file = SimpleUploadedFile("learners.csv", text.encode(), content_type="text/csv")
    return client.post(reverse(UPLOAD_URL), {"file": file, **extra})


GOOD = (
    "username,name,email,group\n"
    "nia,Nia Okafor,nia@example.org,Ward 5 nurses\n"
    "tom,Tom Baker,tom@example.org,Ward 6 nurses\n"
)


def test_upload_preview_writes_nothing_then_confirm_creates(instructor_client):
    users = get_user_model().objects.count()
    response = upload(instructor_client, GOOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Check the 2 learners" in html and "Create 2 accounts" in html
    assert get_user_model().objects.count() == users
    assert not Group.objects.filter(name__startswith="Ward").exists()

    # The confirm form carries the previewed sheet back.
    carried = html_module.unescape(
        re.search(r'<textarea name="content"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    )
    assert carried == GOOD
    response = instructor_client.post(reverse(UPLOAD_URL), {"content": carried, "confirm": "1"})
    assert response.status_code == 200
    assert "2 new accounts" in response.content.decode()
    nia = get_user_model().objects.get(username="nia")
    assert nia.groups.get().name == "Ward 5 nurses"
    assert not nia.has_usable_password()
    assert get_user_model().objects.count() == users + 2


def test_upload_with_row_errors_shows_them_and_writes_nothing(instructor_client):
    UserFactory(username="taken")
    text = (
        GOOD
        + "nia,Nia Twice,n2@example.org,Ward 5 nurses\n,Nobody,x@example.org,W\n"
        + ("bob,Bob,bad-email,W\ntaken,T,t@example.org,W\n")
    )
    users = get_user_model().objects.count()
    response = upload(instructor_client, text)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was created" in html
    for message in ["appears twice", "Username is empty", "not an email", "already exists"]:
        assert message in html
    # A confirm carrying the same bad sheet is refused as well.
    response = instructor_client.post(reverse(UPLOAD_URL), {"content": text, "confirm": "1"})
    assert response.status_code == 400
    assert get_user_model().objects.count() == users
    assert not Group.objects.filter(name__startswith="Ward").exists()


def test_upload_unknown_columns_is_400(instructor_client):
    response = upload(instructor_client, "username,name,email,group,is_staff\nx,X,x@e.org,W,1\n")
    assert response.status_code == 400
    assert b"Unknown column(s): is_staff" in response.content


def test_upload_cannot_hand_out_instructor_rights(instructor_client):
    text = "username,name,email,group\nmallory,Mallory,m@example.org,Instructors\n"
    response = instructor_client.post(reverse(UPLOAD_URL), {"content": text, "confirm": "1"})
    assert response.status_code == 400
    assert b"grants staff permissions" in response.content
    assert not get_user_model().objects.filter(username="mallory").exists()


def test_upload_without_file_is_400(instructor_client):
    response = instructor_client.post(reverse(UPLOAD_URL), {})
    assert response.status_code == 400
    assert b"Choose a CSV file" in response.content


def test_upload_needs_the_permission(client, student):
    client.force_login(student)
    response = client.get(reverse(UPLOAD_URL))
    assert response.status_code == 302  # learners are not staff: the admin login
    staff = UserFactory(username="plainstaff", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse(UPLOAD_URL)).status_code == 403
    assert client.post(reverse(UPLOAD_URL), {"content": GOOD, "confirm": "1"}).status_code == 403
    assert not get_user_model().objects.filter(username="nia").exists()


def test_upload_page_and_changelist_link(instructor_client):
    assert instructor_client.get(reverse(UPLOAD_URL)).status_code == 200
    html = instructor_client.get(reverse("admin:training_assignment_changelist")).content.decode()
    assert reverse(UPLOAD_URL) in html
    assert reverse("admin:training_completion_report") in html


def confirm(client, text):
    return client.post(reverse(UPLOAD_URL), {"content": text, "confirm": "1"})


def set_password_links(html: str) -> dict[str, str]:
    """username → link, from the confirmation page's table."""
    rows = re.findall(
        r"<tr><td>([^<]+)</td>.*?<input type=\"text\" readonly value=\"([^\"]+)\"", html, re.S
    )
    return {username: html_module.unescape(url) for username, url in rows}


def test_upload_adds_an_existing_account_to_the_group_and_leaves_it_as_it_is(instructor_client):
    nia = UserFactory(username="nia", first_name="Nia", last_name="Okafor-Smith")
    nia.set_password("her own password 1")
    nia.save()
    Group.objects.create(name="Ward 6 nurses").user_set.add(nia)
    text = GOOD.replace("nia@example.org", "NIA@example.org")  # email case does not matter
    users = get_user_model().objects.count()

    preview = upload(instructor_client, text)
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Existing: added to group" in html
    assert "The account keeps its name “Nia Okafor-Smith”" in html
    assert "Create 1 account and add 1 existing" in html

    response = confirm(instructor_client, text)
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 new account, 1 existing account added" in html
    nia.refresh_from_db()
    assert set(nia.groups.values_list("name", flat=True)) == {"Ward 5 nurses", "Ward 6 nurses"}
    assert (nia.first_name, nia.last_name, nia.email) == ("Nia", "Okafor-Smith", "nia@example.org")
    assert nia.check_password("her own password 1")  # her password is untouched
    assert get_user_model().objects.count() == users + 1
    # Links go to new accounts only: an existing account can never be taken over this way.
    assert set(set_password_links(html)) == {"tom"}


def test_upload_existing_username_with_another_email_is_an_error(instructor_client):
    UserFactory(username="nia", email="someone.else@example.org")
    response = upload(instructor_client, GOOD)
    assert response.status_code == 400
    assert "already exists with a different email" in response.content.decode()
    assert confirm(instructor_client, GOOD).status_code == 400
    assert not get_user_model().objects.filter(username="tom").exists()
    assert not Group.objects.filter(name__startswith="Ward").exists()


def test_new_learner_sets_her_password_with_the_link_and_logs_in(instructor_client):
    from django.test import Client

    response = confirm(instructor_client, GOOD)
    html = response.content.decode()
    links = set_password_links(html)
    assert set(links) == {"nia", "tom"}
    assert 'download="set-password-links.csv"' in html and "data:text/csv" in html

    browser = Client()  # the nurse, not logged in
    link = links["tom"]
    assert link.startswith("http://testserver/accounts/reset/")
    first = browser.get(link)
    assert first.status_code == 302  # Django swaps the token for a session key
    page = browser.get(first["Location"])
    assert page.status_code == 200
    assert "Set your password" in page.content.decode()
    password = "Femur-and-tibia-2026"
    done = browser.post(first["Location"], {"new_password1": password, "new_password2": password})
    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")
    assert "Your password is set" in browser.get(done["Location"]).content.decode()

    login = browser.post(reverse("login"), {"username": "tom", "password": password})
    assert login.status_code == 302
    assert browser.get(reverse("training:training")).status_code == 200

    # The link worked once.
    again = Client().get(link)
    assert again.status_code == 200
    assert "This link is no longer valid" in again.content.decode()


def test_an_invalid_set_password_link_says_so(client, db):
    nurse = UserFactory(username="nurse")
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(nurse.pk))
    for url in [f"/accounts/reset/{uid}/bad-token/", "/accounts/reset/zzzz/bad-token/"]:
        response = client.get(url)
        assert response.status_code == 200
        assert "This link is no longer valid" in response.content.decode()
    response = client.post(
        f"/accounts/reset/{uid}/set-password/",
        {"new_password1": "Femur-and-tibia-2026", "new_password2": "Femur-and-tibia-2026"},
    )
    assert "This link is no longer valid" in response.content.decode()
    nurse.refresh_from_db()
    assert not nurse.check_password("Femur-and-tibia-2026")
