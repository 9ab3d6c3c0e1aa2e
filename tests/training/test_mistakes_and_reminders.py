"""Quiz mistakes reach the daily review only once the learner may see the feedback; reminder
emails go out once each, however often `send_reminders` runs."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from unittest.mock import patch

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quizzes.content.models import CardKind
from quizzes.core.roles import INSTRUCTORS_GROUP
from quizzes.review.models import ReviewLog, ReviewSource
from quizzes.training.models import Attempt, FeedbackPolicy, GroupInstructor, Reminder
from quizzes.training.services.attempts import answer_save, attempt_start, attempt_submit
from quizzes.training.services.mistakes import mistakes_release
from quizzes.training.services.reminders import reminders_send
from tests.factories import UserFactory, assign_module, make_module, make_quiz_pool

NOW = timezone.now().replace(microsecond=0)


def quiz_logs(user):
    return ReviewLog.objects.filter(user=user, source=ReviewSource.QUIZ)


def wrong(question) -> dict:
    if question.card.kind == CardKind.CLOZE:
        return {"typed": "morning"}
    return {"choice_ids": [next(c.pk for c in question.card.choices.all() if not c.is_correct)]}


@pytest.fixture
def start(db, student):
    def start(policy, **fields):
        module = make_module(
            cards=make_quiz_pool(), questions_per_attempt=4, feedback_policy=policy, **fields
        )
        assign_module(module, user=student)
        return attempt_start(user=student, module=module, now=NOW)

    return start


def test_after_submit_mistakes_reach_review_on_submit(start, student):
    attempt = start(FeedbackPolicy.AFTER_SUBMIT)
    assert not quiz_logs(student).exists()
    attempt_submit(attempt=attempt, now=NOW)
    assert quiz_logs(student).count() == 4


def test_immediate_feedback_sends_a_checked_mistake_at_once_and_the_rest_on_submit(start, student):
    attempt = start(FeedbackPolicy.IMMEDIATE)
    first, second, *_ = attempt.questions.select_related("card").prefetch_related("card__choices")
    answer_save(attempt=attempt, question=first, now=NOW, check=True, **wrong(first))
    assert list(quiz_logs(student).values_list("token", flat=True)) == [f"quiz-{first.pk}"]
    answer_save(attempt=attempt, question=second, now=NOW, **wrong(second))  # saved, unchecked
    assert quiz_logs(student).count() == 1
    attempt_submit(attempt=attempt, now=NOW)
    assert quiz_logs(student).count() == 4  # the checked one is not logged twice


def test_after_close_mistakes_wait_until_the_module_closes(start, student):
    closes = NOW + timedelta(days=2)
    attempt = start(FeedbackPolicy.AFTER_CLOSE, available_until=closes)
    attempt_submit(attempt=attempt, now=NOW)
    client = Client()
    client.force_login(student)
    client.get(reverse("training:training"))  # pages release what may be released
    assert mistakes_release(now=NOW + timedelta(days=1)) == 0
    assert not quiz_logs(student).exists()
    later = closes + timedelta(minutes=1)
    with patch("django.utils.timezone.now", return_value=later):
        client.get(reverse("training:attempt_result", args=[attempt.pk]))
    assert quiz_logs(student).count() == 4
    assert mistakes_release(now=later) == 0  # idempotent
    assert quiz_logs(student).count() == 4


def test_after_close_mistakes_reach_review_when_the_module_is_closed_by_unpublishing(
    start, student
):
    """A module closes when its date passes or when an instructor unpublishes it; either way the
    result page shows the feedback and says the mistakes are in review, so they must be."""
    attempt = start(FeedbackPolicy.AFTER_CLOSE)
    attempt_submit(attempt=attempt, now=NOW)
    assert mistakes_release(now=NOW) == 0
    attempt.module.is_published = False
    attempt.module.save()
    client = Client()
    client.force_login(student)
    page = client.get(reverse("training:attempt_result", args=[attempt.pk])).content.decode()
    assert "are now in your" in page
    assert quiz_logs(student).count() == 4


def test_send_reminders_releases_mistakes_and_grades_expired_attempts(start, student):
    closed = start(FeedbackPolicy.AFTER_CLOSE, available_until=NOW + timedelta(hours=1))
    attempt_submit(attempt=closed, now=NOW)
    timed = start(FeedbackPolicy.AFTER_SUBMIT, time_limit_minutes=1)
    Attempt.objects.filter(pk=timed.pk).update(deadline=NOW - timedelta(minutes=5))
    with patch("django.utils.timezone.now", return_value=NOW + timedelta(hours=2)):
        out = StringIO()
        call_command("send_reminders", stdout=out)
    timed.refresh_from_db()
    assert timed.submitted_at == NOW - timedelta(minutes=5)
    assert "Attempts graded at their deadline: 1" in out.getvalue()
    assert quiz_logs(student).count() == 8


# --- Reminders -------------------------------------------------------------------------------


@pytest.fixture
def ward(db):
    nurses = Group.objects.create(name="Ward 7 nurses")
    nia = UserFactory(username="nia", first_name="Nia", last_name="Adeyemi")
    ben = UserFactory(username="ben", email="")
    nia.groups.add(nurses)
    ben.groups.add(nurses)
    lead = UserFactory(username="lead", is_staff=True)
    lead.groups.add(Group.objects.get(name=INSTRUCTORS_GROUP))
    GroupInstructor.objects.create(group=nurses, instructor=lead)
    module = make_module(cards=make_quiz_pool(), title="Falls prevention", slug="falls")
    assignment = assign_module(module, group=nurses, due_at=NOW + timedelta(days=10))
    return nurses, nia, lead, module, assignment


def send(at, days_before=3):
    return reminders_send(now=at, days_before=days_before, site_url="https://bl.example.org")


def test_due_soon_reminder_goes_once_within_the_days_before(ward):
    _, nia, _, _, assignment = ward
    assert send(NOW).due_soon == 0  # ten days ahead: too early
    soon = assignment.due_at - timedelta(days=2)
    first = send(soon)
    assert (first.due_soon, first.no_address) == (1, 1)  # ben has no email address
    assert [m.to for m in mail.outbox] == [[nia.email]]
    assert "Due on" in mail.outbox[0].subject and "Falls prevention" in mail.outbox[0].subject
    assert "https://bl.example.org/training/" in mail.outbox[0].body
    for hour in range(1, 5):  # cron, every hour
        assert send(soon + timedelta(hours=hour)).due_soon == 0
    assert len(mail.outbox) == 1


def test_overdue_reminder_and_weekly_digest_go_once(ward):
    nurses, nia, lead, _, assignment = ward
    late = assignment.due_at + timedelta(hours=1)
    sent = send(late)
    assert (sent.overdue, sent.digests) == (1, 1)
    digest = next(m for m in mail.outbox if m.to == [lead.email])
    assert "Ward 7 nurses" in digest.body and "Nia Adeyemi (nia)" in digest.body
    assert "ben" in digest.body  # overdue too, though he cannot be emailed
    assert send(late + timedelta(days=1)).digests == 0  # same week
    next_week = send(late + timedelta(days=7))
    assert (next_week.overdue, next_week.digests) == (0, 1)
    assert Reminder.objects.filter(user=nia).count() == 1


def test_a_new_due_date_makes_a_new_reminder(ward):
    _, nia, _, _, assignment = ward
    send(assignment.due_at - timedelta(days=1))
    assignment.due_at += timedelta(days=30)
    assignment.save()
    assert send(assignment.due_at - timedelta(days=1)).due_soon == 1
    assert Reminder.objects.filter(user=nia, kind="due_soon").count() == 2


def test_passed_learners_are_not_reminded(ward, student):
    _, nia, _, module, assignment = ward
    attempt = attempt_start(user=nia, module=module, now=NOW)
    module.pass_mark = 0
    module.save()
    attempt_submit(attempt=attempt, now=NOW)
    send(assignment.due_at + timedelta(days=1))
    assert not Reminder.objects.filter(user=nia).exists()


def test_without_named_instructors_every_instructor_gets_the_digest(ward):
    nurses, _, lead, _, assignment = ward
    GroupInstructor.objects.all().delete()
    other = UserFactory(username="other_lead")
    other.groups.add(Group.objects.get(name=INSTRUCTORS_GROUP))
    assert send(assignment.due_at + timedelta(hours=1)).digests == 2


def test_a_failed_send_is_not_recorded_and_is_tried_again(ward):
    _, nia, _, _, assignment = ward
    soon = assignment.due_at - timedelta(days=1)
    with patch("quizzes.training.services.reminders.send_mail", side_effect=OSError("down")):
        assert send(soon).failed == 1
    assert not Reminder.objects.filter(user=nia).exists()
    assert send(soon + timedelta(hours=1)).due_soon == 1


def test_send_reminders_command_reports_what_it_sent(ward):
    _, _, _, _, assignment = ward
    out = StringIO()
    with patch("django.utils.timezone.now", return_value=assignment.due_at - timedelta(days=1)):
        call_command("send_reminders", "--site-url", "https://bl.example.org/", stdout=out)
    assert "Reminders sent: 1 due soon, 0 overdue, 0 weekly digests" in out.getvalue()
    assert "https://bl.example.org/training/" in mail.outbox[0].body
