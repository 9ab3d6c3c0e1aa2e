"""The instructors' completion report: statuses per module and group, filters, CSV, permissions,
and a constant number of queries."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from quizzes.training.selectors.report import completion_report
from quizzes.training.services.attempts import attempt_start, attempt_submit
from tests.factories import UserFactory, assign_module, make_module, make_quiz_pool

NOW = timezone.now().replace(microsecond=0)
REPORT = "admin:training_completion_report"


def passed(module, user, *, at=NOW):
    attempt = attempt_start(user=user, module=module, now=at)
    for question in attempt.questions.select_related("card").prefetch_related("card__choices"):
        right = [c.pk for c in question.card.choices.all() if c.is_correct]
        question.response = right or "night"
        question.save()
    return attempt_submit(attempt=attempt, now=at)


def failed(module, user, *, at=NOW):
    return attempt_submit(attempt=attempt_start(user=user, module=module, now=at), now=at)


@pytest.fixture
def ward(db):
    """A module assigned to Ward 5 with one learner in each state, and one learner assigned
    directly (also a Ward 5 member)."""
    group = Group.objects.create(name="Ward 5 nurses")
    module = make_module(cards=make_quiz_pool(), questions_per_attempt=4, title="Bone essentials")
    assign_module(module, group=group, due_at=NOW + timedelta(days=7))
    people = {
        name: UserFactory(username=name, first_name=name.title(), last_name="Nurse")
        for name in ["ada", "bea", "cat", "dee"]
    }
    for user in people.values():
        user.groups.add(group)
    passed(module, people["ada"])
    attempt_start(user=people["bea"], module=module, now=NOW)
    failed(module, people["cat"])
    # dee has not started; eve is assigned directly with a due date already past.
    eve = UserFactory(username="eve", first_name="Eve")
    assign_module(module, user=eve, due_at=NOW - timedelta(days=1))
    eve.groups.add(group)
    # ada is assigned directly as well: she still appears once.
    assign_module(module, user=people["ada"], due_at=NOW + timedelta(days=30))
    return module, group, people


def statuses(report):
    return {row.username: row.status for row in report.rows}


def test_report_gives_each_learners_status(ward):
    module, group, _ = ward
    report = completion_report(now=NOW, module=module)
    assert statuses(report) == {
        "ada": "passed",
        "bea": "in_progress",
        "cat": "failed",
        "dee": "not_started",
        "eve": "overdue",
    }
    ada = next(row for row in report.rows if row.username == "ada")
    assert ada.score == 100
    assert ada.completed_at == NOW
    assert ada.due_at == NOW + timedelta(days=7)  # the earliest of her two assignments
    assert ada.groups == ["Ward 5 nurses"]
    assert report.counts == {
        "not_started": 1,
        "in_progress": 1,
        "passed": 1,
        "failed": 1,
        "overdue": 1,
    }


def test_overdue_learner_who_passed_counts_as_passed(ward):
    module, _, people = ward
    later = NOW + timedelta(days=8)
    report = completion_report(now=later, module=module)
    assert statuses(report)["ada"] == "passed"
    assert statuses(report)["dee"] == "overdue"


def test_group_and_module_filters(ward):
    module, group, _ = ward
    other_group = Group.objects.create(name="Ward 6 nurses")
    outsider = UserFactory(username="zed")
    outsider.groups.add(other_group)
    other = make_module(cards=make_quiz_pool(), title="Falls", slug="falls")
    assign_module(other, group=other_group)
    assert set(statuses(completion_report(now=NOW, group=other_group))) == {"zed"}
    assert "zed" not in statuses(completion_report(now=NOW, group=group))
    assert set(statuses(completion_report(now=NOW, module=other))) == {"zed"}
    assert len(completion_report(now=NOW).rows) == 6


def test_empty_group_has_no_rows(db):
    group = Group.objects.create(name="Empty")
    assign_module(make_module(cards=make_quiz_pool()), group=group)
    assert completion_report(now=NOW).rows == []


@pytest.mark.parametrize("learners", [2, 12])
def test_report_query_count_is_constant(db, learners, django_assert_max_num_queries):
    group = Group.objects.create(name="Ward")
    modules = [make_module(cards=make_quiz_pool(), questions_per_attempt=2) for _ in range(2)]
    for module in modules:
        assign_module(module, group=group)
    for index in range(learners):
        user = UserFactory()
        user.groups.add(group)
        assign_module(modules[0], user=user)
        if index % 2:
            failed(modules[0], user)
    with django_assert_max_num_queries(3):
        report = completion_report(now=NOW, group=group)
    assert len(report.rows) == 2 * learners


@pytest.mark.parametrize("learners", [2, 12])
def test_report_page_query_count_is_constant(
    instructor_client, learners, django_assert_max_num_queries
):
    group = Group.objects.create(name="Ward")
    module = make_module(cards=make_quiz_pool(), questions_per_attempt=2)
    assign_module(module, group=group)
    for _ in range(learners):
        user = UserFactory()
        user.groups.add(group)
        failed(module, user)
    # session, user, permissions, the filter's choices, the report's three, the admin's sidebar
    with django_assert_max_num_queries(10):
        response = instructor_client.get(reverse(REPORT), {"module": module.pk})
    assert response.status_code == 200
    assert response.content.decode().count('class="status-failed"') == learners


def test_report_page_shows_rows_and_filters(instructor_client, ward):
    module, group, _ = ward
    response = instructor_client.get(reverse(REPORT), {"module": module.pk, "group": group.pk})
    html = response.content.decode()
    assert response.status_code == 200
    for name in ["Ada Nurse", "Bea Nurse", "Cat Nurse", "Dee Nurse", "Eve"]:
        assert name in html
    assert "Overdue" in html and "Not started" in html and "In progress" in html
    assert "format=csv" in html


def test_report_bad_filter_is_400(instructor_client, ward):
    response = instructor_client.get(reverse(REPORT), {"module": "999999"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The filter is not valid" in html
    assert "Ada Nurse" not in html  # nothing of the unfiltered report leaks out


@pytest.mark.parametrize("query", [{"module": "zzz"}, {"group": "-1"}, {"module": "999999"}])
def test_report_csv_with_a_bad_filter_is_400_not_everything(instructor_client, ward, query):
    response = instructor_client.get(reverse(REPORT), {**query, "format": "csv"})
    assert response.status_code == 400
    assert not response["Content-Type"].startswith("text/csv")
    assert "The filter is not valid" in response.content.decode()
    assert "Ada Nurse" not in response.content.decode()


def test_report_csv_export(instructor_client, ward):
    module, group, _ = ward
    response = instructor_client.get(
        reverse(REPORT), {"module": module.pk, "group": group.pk, "format": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_user = {row["username"]: row for row in rows}
    assert set(by_user) == {"ada", "bea", "cat", "dee", "eve"}
    assert by_user["ada"]["status"] == "Passed"
    assert by_user["ada"]["score"] == "100.00"
    assert by_user["ada"]["completed"].startswith(NOW.date().isoformat())
    assert by_user["eve"]["status"] == "Overdue"
    assert by_user["dee"]["groups"] == "Ward 5 nurses"


def test_csv_cells_cannot_become_formulas(instructor_client, db):
    group = Group.objects.create(name="Ward")
    user = UserFactory(username="x", first_name="=HYPERLINK(1)")
    user.groups.add(group)
    assign_module(make_module(cards=make_quiz_pool()), group=group)
    response = instructor_client.get(reverse(REPORT), {"format": "csv"})
    assert "'=HYPERLINK(1)" in b"".join(response.streaming_content).decode()


def test_report_needs_the_permission(client, student, ward):
    client.force_login(student)
    assert client.get(reverse(REPORT)).status_code == 302  # not staff: the admin login
    staff = UserFactory(username="plainstaff", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse(REPORT)).status_code == 403
    assert client.get(reverse(REPORT), {"format": "csv"}).status_code == 403


def test_a_learner_in_two_groups_has_the_same_status_in_the_filtered_report_as_on_my_training(db):
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from quizzes.training.selectors.learner import my_training
    from quizzes.training.selectors.report import completion_report
    from tests.factories import UserFactory, assign_module, make_module, make_quiz_pool

    now = timezone.now()
    nurse, other = UserFactory(username="two_groups"), UserFactory(username="ward_7_only")
    ward_5, ward_7 = Group.objects.create(name="Ward 5"), Group.objects.create(name="Ward 7")
    nurse.groups.add(ward_5, ward_7)
    other.groups.add(ward_7)
    module = make_module(cards=make_quiz_pool())
    assign_module(module, group=ward_5, due_at=now - timedelta(days=1))
    assign_module(module, group=ward_7, due_at=now + timedelta(days=7))

    mine = next(row for row in my_training(user=nurse, now=now) if row.module == module)
    for group in (None, ward_5, ward_7):
        rows = {row.username: row for row in completion_report(now=now, group=group).rows}
        assert rows["two_groups"].status == mine.status == "overdue"
        assert rows["two_groups"].due_at == mine.due_at
    assert "ward_7_only" not in {
        row.username for row in completion_report(now=now, group=ward_5).rows
    }
    assert rows["ward_7_only"].status == "not_started"
