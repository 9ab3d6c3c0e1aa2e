"""Every URL the project defines × every kind of visitor → the status they must get.

A new URL without an entry in EXPECTED fails `test_every_url_is_in_the_matrix`: whoever adds a page
decides who may see it. Ids in URLs belong to student A, so any other learner must get 404.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from quizzes.content.models import CardReport, ReportReason
from quizzes.core.roles import INSTRUCTORS_GROUP
from quizzes.training.models import Assignment, Attempt, AttemptQuestion, Completion
from quizzes.training.services.certificates import certificate_issue
from tests.factories import UserFactory, make_choice_card, make_module, submit_attempt

ROLES = ("anonymous", "student_b", "nurse", "instructor", "superuser", "student_a")
LOGIN = "302 login"  # a redirect to the log-in page (the admin's own for admin URLs)


def _everyone(status):
    return dict.fromkeys(ROLES, status)


def _signed_in(status, **overrides):
    return {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], status), **overrides}


def _only_a(status_for_a):
    return _signed_in(404, student_a=status_for_a)


def _admin(*, instructor, superuser):
    # The admin sends anyone who is not staff to its own log-in page.
    return {**_everyone(LOGIN), "instructor": instructor, "superuser": superuser}


def _staff(status_for_staff):
    return _signed_in(403, instructor=status_for_staff, superuser=status_for_staff)


# name → (method, expected status per role). POST endpoints get an empty form: a valid request
# from the owner would be a write, an empty one is a 400 (the fuzz tests cover the inputs).
EXPECTED: dict[str, tuple[str, dict[str, object]]] = {
    "login": ("GET", _everyone(200)),
    "logout": ("POST", _everyone(LOGIN)),
    "password_change": ("GET", _signed_in(200)),
    "password_change_done": ("GET", _signed_in(200)),
    "review:home": ("GET", _signed_in(200)),
    "review:topic": ("GET", _signed_in(200)),
    "content:article": ("GET", _signed_in(200)),
    "core:healthz": ("GET", _everyone(200)),
    # Browsers ask for /favicon.ico before anyone logs in: a redirect to the static icon.
    "core:favicon": ("GET", _everyone(301)),
    "review:review": ("GET", _signed_in(200)),
    "review:review_reveal": ("POST", _signed_in(400)),
    "review:review_check": ("POST", _signed_in(400)),
    "review:review_override": ("POST", _signed_in(400)),
    "review:review_answer": ("POST", _signed_in(400)),
    "review:review_undo": ("POST", _signed_in(400)),
    "review:review_bury": ("POST", _signed_in(400)),
    "review:review_suspend": ("POST", _signed_in(400)),
    "review:review_suspended": ("GET", _signed_in(200)),
    "review:review_restore": ("POST", _signed_in(400)),
    # An invalid reset link shows the "no longer valid" page to anyone.
    "password_reset_confirm": ("GET", _everyone(200)),
    "password_reset_complete": ("GET", _everyone(200)),
    "review:settings": ("GET", _signed_in(200)),
    "review:time_zone_detect": ("POST", _signed_in(400)),
    "insights:progress": ("GET", _signed_in(200)),
    "training:training": ("GET", _signed_in(200)),
    # The module is assigned to student A directly and to the nurses' group.
    "training:module": ("GET", _signed_in(404, nurse=200, student_a=200)),
    "training:attempt_start": ("POST", _signed_in(404, nurse=302, student_a=302)),
    "training:certificate": ("GET", _only_a(200)),
    "training:attempt": ("GET", _only_a(200)),
    "training:attempt_answer": ("POST", _only_a(400)),
    "training:attempt_submit": ("POST", _only_a(302)),
    "training:attempt_result": ("GET", _only_a(200)),
    "training:attempt_save": ("POST", _only_a(302)),
    "training:attempt_flag": ("POST", _only_a(400)),
    "training:attempt_summary": ("GET", _only_a(200)),
    "training:module_lesson": ("GET", _signed_in(404, nurse=200, student_a=200)),
    "training:certificate_qr": ("GET", _only_a(200)),
    "training:after_login": ("GET", _signed_in(302)),
    # Certificates are checked by whoever holds one: no login.
    "training:verify_lookup": ("GET", _everyone(200)),
    "training:verify": ("GET", _everyone(200)),
    "insights:instructor_dashboard": ("GET", _staff(200)),
    "insights:instructor_export": ("GET", _staff(200)),
    "insights:instructor_recalculate": ("POST", _staff(302)),
    "content:report_create": ("POST", _signed_in(400)),
    "content:my_reports": ("GET", _signed_in(200)),
    "content:unread_replies": ("GET", _signed_in(200)),
    "content:report_detail": ("GET", _only_a(200)),
}

# The admin has hundreds of URLs; these are the doors that matter.
ADMIN_EXPECTED: dict[str, tuple[str, dict[str, object]]] = {
    "admin:index": ("GET", _admin(instructor=200, superuser=200)),
    "admin:auth_user_changelist": ("GET", _admin(instructor=403, superuser=200)),
    "admin:auth_group_changelist": ("GET", _admin(instructor=403, superuser=200)),
    "admin:axes_accessattempt_changelist": ("GET", _admin(instructor=403, superuser=200)),
    "admin:content_card_changelist": ("GET", _admin(instructor=200, superuser=200)),
    "admin:content_card_add": ("GET", _admin(instructor=200, superuser=200)),
    "admin:content_card_change": ("GET", _admin(instructor=200, superuser=200)),
    "admin:training_trainingmodule_changelist": (
        "GET",
        _admin(instructor=200, superuser=200),
    ),
    "admin:auth_user_add": ("GET", _admin(instructor=403, superuser=200)),
    "admin:content_card_history": ("GET", _admin(instructor=200, superuser=200)),
    "admin:content_cardreport_changelist": ("GET", _admin(instructor=200, superuser=200)),
    "admin:content_cardreport_change": ("GET", _admin(instructor=200, superuser=200)),
}


def _pattern_names(patterns=None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _pattern_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            names.add(f"{namespace}{pattern.name}" if pattern.name else str(pattern.pattern))
    return names


@pytest.fixture
def world(db):
    """Student A's module, attempts and certificate, and everyone else who must not see them."""
    now = timezone.now()
    student_a = UserFactory(username="student_a")
    nurse = UserFactory(username="nurse")
    nurses = Group.objects.create(name="Ward nurses")
    nurse.groups.add(nurses)
    instructor = UserFactory(username="instructor", is_staff=True)
    instructor.groups.add(Group.objects.get(name=INSTRUCTORS_GROUP))
    users = {
        "student_a": student_a,
        "student_b": UserFactory(username="student_b"),
        "nurse": nurse,
        "instructor": instructor,
        "superuser": UserFactory(username="root", is_staff=True, is_superuser=True),
    }
    first = make_choice_card()
    second = make_choice_card(lesson=first.lesson, topic=first.topic)
    module = make_module(cards=[first, second], lessons=[first.lesson], questions_per_attempt=2)
    Assignment.objects.create(module=module, user=student_a, due_at=now + timedelta(days=7))
    Assignment.objects.create(module=module, group=nurses, due_at=now + timedelta(days=7))
    right = [choice.pk for choice in first.choices.filter(is_correct=True)]
    done = submit_attempt(
        user=student_a, module=module, answers=[(first, 1, right), (second, 1, right)], at=now
    )
    completion = Completion.objects.create(
        module=module, user=student_a, attempt=done, completed_at=now, score=Decimal("100")
    )
    certificate = certificate_issue(completion=completion, now=now)
    open_attempt = Attempt.objects.create(module=module, user=student_a, number=2, started_at=now)
    AttemptQuestion.objects.create(
        attempt=open_attempt,
        card=first,
        position=1,
        choice_order=[choice.pk for choice in first.choices.all()],
    )
    report = CardReport.objects.create(
        card=first, reporter=student_a, reason=ReportReason.TYPO, created_at=now
    )
    kwargs = {
        "password_reset_confirm": {"uidb64": "MQ", "token": "bad-token"},
        "review:topic": {"slug": first.topic.slug},
        "content:article": {"slug": first.topic.article.slug},
        "training:module": {"slug": module.slug},
        "training:attempt_start": {"slug": module.slug},
        "training:certificate": {"slug": module.slug},
        "training:attempt": {"attempt_id": open_attempt.pk},
        "training:attempt_answer": {"attempt_id": open_attempt.pk, "position": 1},
        "training:attempt_submit": {"attempt_id": open_attempt.pk},
        "training:attempt_result": {"attempt_id": done.pk},
        "training:attempt_save": {"attempt_id": open_attempt.pk},
        "training:attempt_flag": {"attempt_id": open_attempt.pk, "position": 1},
        "training:attempt_summary": {"attempt_id": open_attempt.pk},
        "training:module_lesson": {"slug": module.slug, "lesson_id": first.lesson_id},
        "training:certificate_qr": {"slug": module.slug},
        "training:verify": {"code": certificate.code},
        "insights:instructor_export": {"table": "topics"},
        "admin:content_card_change": {"object_id": first.pk},
        "admin:content_card_history": {"object_id": first.pk},
        "admin:content_cardreport_change": {"object_id": report.pk},
        "content:report_detail": {"pk": report.pk},
    }
    return users, kwargs


def _check(name: str, method: str, expected: dict[str, object], world) -> list[str]:
    users, kwargs = world
    url = reverse(name, kwargs=kwargs.get(name))
    problems = []
    login_urls = (reverse("login"), reverse("admin:login"))
    # Student A goes last: the owner's requests may write (start or submit an attempt).
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(users[role])
        response = client.get(url) if method == "GET" else client.post(url, {})
        want = expected[role]
        if want == LOGIN:
            ok = response.status_code == 302 and response["Location"].startswith(login_urls)
        elif want == 302:
            location = response.get("Location", "")
            ok = response.status_code == 302 and not location.startswith(login_urls)
        else:
            ok = response.status_code == want
        if not ok:
            got = f"{response.status_code} {response.get('Location', '')}".strip()
            problems.append(f"{method} {url} as {role}: expected {want}, got {got}")
    return problems


def test_every_url_is_in_the_matrix():
    unclassified = _pattern_names() - set(EXPECTED)
    assert unclassified == set(), f"add these URLs to EXPECTED in {__name__}: {unclassified}"
    gone = set(EXPECTED) - _pattern_names()
    assert gone == set(), f"these URLs no longer exist: {gone}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_url_gives_each_visitor_the_expected_status(name, world):
    method, expected = EXPECTED[name]
    assert _check(name, method, expected, world) == []


@pytest.mark.parametrize("name", sorted(ADMIN_EXPECTED))
def test_admin_gives_each_visitor_the_expected_status(name, world):
    method, expected = ADMIN_EXPECTED[name]
    assert _check(name, method, expected, world) == []
