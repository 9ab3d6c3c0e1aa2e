"""The learner sheet: every row checked before anything is written, then accounts and groups."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from quizzes.training.services.learners import (
    LearnerSheetRefused,
    learners_check,
    learners_create,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_learner_sheet_reports_every_row_problem_and_writes_nothing():
    UserFactory(username="taken", email="taken@example.org")
    users = get_user_model().objects.count()
    sheet = learners_check(
        text="username,name,email,group\n"
        "nia,Nia Okafor,nia@example.org,Ward 5 nurses\n"
        ",No Name,x@example.org,Ward 5 nurses\n"
        "nia,Nia Again,nia2@example.org,Ward 5 nurses\n"
        "bob,Bob,not-an-email,Ward 5 nurses\n"
        "taken,Someone,s@example.org,Ward 5 nurses\n"
        "ines,Ines,i@example.org,Instructors\n"
        "sam,Sam,,\n"
        "bad name!,Bad,b@example.org,Ward 5 nurses\n"
    )
    errors = {row.line: " ".join(row.errors) for row in sheet.rows}
    assert errors[2] == ""
    assert "Username is empty." in errors[3]
    assert "appears twice (also on line 2)" in errors[4]
    assert "not an email" in errors[5]
    assert "already exists with a different email" in errors[6]
    assert "grants staff permissions" in errors[7]
    assert errors[8] == "Group is empty."
    assert "valid username" in errors[9]
    assert sheet.has_errors
    assert get_user_model().objects.count() == users
    assert not Group.objects.filter(name="Ward 5 nurses").exists()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("username,name,email,group,role\nnia,Nia,n@example.org,W,x\n", "Unknown column(s): role"),
        ("username,name,group\nnia,Nia,W\n", "Missing column(s): email"),
        ("", "empty"),
        ("username,name,email,group\n", "no learners"),
    ],
)
def test_learner_sheet_problems_with_the_whole_file(text, problem):
    sheet = learners_check(text=text)
    assert sheet.has_errors
    assert problem in " ".join(sheet.problems)


def test_learners_create_makes_accounts_and_groups():
    Group.objects.create(name="Ward 5 nurses")
    text = (
        "Username,Name,Email,Group\n"
        "nia,Nia van Okafor,nia@example.org,Ward 5 nurses\n"
        "tom,Tom,,Ward 6 nurses\n"
    )
    assert not learners_check(text=text).has_errors
    created = learners_create(text=text)
    assert created.users == 2
    assert created.groups_created == ["Ward 6 nurses"]
    nia = get_user_model().objects.get(username="nia")
    assert (nia.first_name, nia.last_name, nia.email) == ("Nia", "van Okafor", "nia@example.org")
    assert not nia.has_usable_password()
    assert not nia.is_staff
    assert list(nia.groups.values_list("name", flat=True)) == ["Ward 5 nurses"]
    assert get_user_model().objects.get(username="tom").groups.get().name == "Ward 6 nurses"


def test_learners_create_adds_existing_accounts_to_the_group_and_leaves_them_as_they_are():
    nia = UserFactory(username="nia", first_name="Nia", last_name="Okafor", email="nia@example.org")
    nia.groups.add(Group.objects.create(name="Ward 5 nurses"))
    text = "username,name,email,group\nnia,Nia O.,,Ward 5 nurses\nnia2,Nia Two,,Ward 5 nurses\n"
    sheet = learners_check(text=text)
    assert not sheet.has_errors
    assert sheet.rows[0].existing and not sheet.rows[1].existing
    assert "Already in this group" in " ".join(sheet.rows[0].notes)
    assert "keeps its name “Nia Okafor”" in " ".join(sheet.rows[0].notes)
    created = learners_create(text=text)
    assert (created.users, created.added) == (1, 1)
    assert [user.username for user in created.new_accounts] == ["nia2"]
    nia.refresh_from_db()
    assert (nia.first_name, nia.last_name, nia.email) == ("Nia", "Okafor", "nia@example.org")
    assert nia.groups.count() == 1
    assert get_user_model().objects.get(username="nia2").groups.get().name == "Ward 5 nurses"


def test_creating_from_a_sheet_with_one_bad_row_writes_nothing():
    text = "username,name,email,group\nnia,Nia,nia@example.org,Ward 5 nurses\n,Nobody,,W\n"
    with pytest.raises(LearnerSheetRefused) as refused:
        learners_create(text=text)
    assert "Username is empty." in refused.value.sheet.error_rows[0].errors
    assert not get_user_model().objects.filter(username="nia").exists()
    assert not Group.objects.filter(name="Ward 5 nurses").exists()
