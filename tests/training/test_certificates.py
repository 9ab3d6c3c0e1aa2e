"""Certificates: what they carry, their codes, the public verification page (no login, only the
facts it may show, unknown codes 404, rate-limited), the QR code and revocation in the admin."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quizzes.training.forms import normalise_code
from quizzes.training.models import Certificate, Completion, new_certificate_code
from quizzes.training.services.attempts import answer_save, attempt_start, attempt_submit
from tests.factories import UserFactory, assign_module, make_module, make_quiz_pool

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def passed(db, settings, student):
    settings.BONELEARN_CERTIFICATE_ISSUER = "St Elsewhere Hospital"
    student.first_name, student.last_name = "Ada", "Okafor"
    student.save()
    module = make_module(
        cards=make_quiz_pool(),
        questions_per_attempt=4,
        pass_mark=0,
        title="Falls prevention",
        version="2.1",
        cpd_hours=Decimal("1.5"),
        slug="falls",
    )
    assign_module(module, user=student)
    attempt = attempt_start(user=student, module=module, now=NOW)
    attempt_submit(attempt=attempt, now=NOW)
    return Completion.objects.get(user=student).certificate


def test_a_pass_issues_a_certificate_with_everything_it_certifies(passed):
    assert passed.learner_name == "Ada Okafor"
    assert passed.issuer == "St Elsewhere Hospital"
    assert (passed.module_title, passed.module_version) == ("Falls prevention", "2.1")
    assert passed.cpd_hours == Decimal("1.5") and passed.score == 0
    assert passed.completed_at == NOW and passed.is_valid


def test_a_certificate_keeps_what_it_certified_when_the_module_changes(passed):
    module = passed.completion.module
    module.title, module.version = "Falls prevention (new)", "3.0"
    module.save()
    passed.refresh_from_db()
    assert (passed.module_title, passed.module_version) == ("Falls prevention", "2.1")


def test_codes_carry_80_random_bits_grouped_for_reading():
    codes = {new_certificate_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", code)  # 16 base-32 digits = 80 bits
    assert normalise_code(" abcd efgh-ijkl mnop ") == "ABCD-EFGH-IJKL-MNOP"


def test_the_learner_sees_the_certificate_with_its_code_qr_and_check_address(client, passed):
    client.force_login(passed.completion.user)
    html = client.get(reverse("training:certificate", args=["falls"])).content.decode()
    for fact in ("Ada Okafor", "St Elsewhere Hospital", "Falls prevention", "Version 2.1", "1.5"):
        assert fact in html
    assert passed.code in html
    assert f"http://testserver/verify/{passed.code}/" in html
    assert reverse("training:certificate_qr", args=["falls"]) in html
    assert "onclick" not in html and "<script>" not in html
    qr = client.get(reverse("training:certificate_qr", args=["falls"]))
    assert qr["Content-Type"] == "image/svg+xml"
    assert b'<svg xmlns="http://www.w3.org/2000/svg"' in qr.content


def test_the_qr_code_points_to_the_configured_site(client, passed, settings):
    settings.BONELEARN_SITE_URL = "https://bonelearn.example.org"
    client.force_login(passed.completion.user)
    html = client.get(reverse("training:certificate", args=["falls"])).content.decode()
    assert f"https://bonelearn.example.org/verify/{passed.code}/" in html


def test_anyone_can_verify_a_certificate_and_sees_only_its_facts(passed):
    html = Client().get(reverse("training:verify", args=[passed.code])).content.decode()
    assert "Valid." in html
    for fact in ("Ada Okafor", "Falls prevention", "version 2.1", "0%"):
        assert fact in html
    assert passed.completion.user.username not in html
    assert passed.completion.user.email not in html


def test_a_typed_code_is_found_whatever_its_case_and_spacing(passed):
    client = Client()
    typed = passed.code.lower().replace("-", " ")
    response = client.get(reverse("training:verify_lookup"), {"code": typed})
    assert response["Location"] == reverse("training:verify", args=[passed.code])
    lower = client.get(reverse("training:verify", args=[passed.code.lower()]))
    assert lower["Location"] == reverse("training:verify", args=[passed.code])


def test_unknown_codes_are_404(db):
    assert Client().get(reverse("training:verify", args=["AAAA-BBBB-CCCC-DDDD"])).status_code == 404


@pytest.mark.parametrize("code", ["---", ".", "\u00b7\u00b7", "-_-"])
def test_a_code_without_letters_or_digits_is_refused_not_a_500(db, code):
    client = Client(raise_request_exception=False)
    assert client.get(reverse("training:verify", args=[code])).status_code == 404
    typed = client.get(reverse("training:verify_lookup"), {"code": code})
    assert typed.status_code == 400
    assert "letters and digits" in typed.content.decode()


def test_verification_is_rate_limited_per_client_address(passed, settings):
    settings.BONELEARN_VERIFY_LIMIT = 3
    page = reverse("training:verify", args=[passed.code])
    here, there = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
    assert [here.get(page).status_code for _ in range(3)] == [200, 200, 200]
    refused = here.get(page)
    assert refused.status_code == 429 and refused["Retry-After"] == "600"
    assert "Too many certificate checks" in refused.content.decode()
    assert here.get(reverse("training:verify_lookup"), {"code": "x"}).status_code == 429
    assert there.get(page).status_code == 200


def test_an_instructor_revokes_a_certificate_with_a_reason_and_it_is_logged(
    passed, instructor_client, instructor
):
    changelist = reverse("admin:training_certificate_changelist")
    action = {"action": "revoke", "_selected_action": [passed.pk]}
    confirm = instructor_client.post(changelist, action)
    assert confirm.status_code == 200 and "Reason" in confirm.content.decode()
    done = instructor_client.post(changelist, {**action, "apply": "1", "reason": "Exam misconduct"})
    assert done.status_code == 302
    passed.refresh_from_db()
    assert not passed.is_valid and passed.revoked_by == instructor
    assert passed.revocation_reason == "Exam misconduct"
    assert LogEntry.objects.filter(object_id=str(passed.pk), change_message__contains="Revoked")
    html = Client().get(reverse("training:verify", args=[passed.code])).content.decode()
    assert "Revoked." in html and "Valid." not in html
    assert "misconduct" not in html  # the reason stays with the instructors


def test_a_learner_cannot_revoke(passed, student):
    client = Client()
    student.is_staff = True
    student.save()
    client.force_login(student)
    changelist = reverse("admin:training_certificate_changelist")
    client.post(changelist, {"action": "revoke", "_selected_action": [passed.pk], "apply": "1"})
    passed.refresh_from_db()
    assert passed.is_valid


def test_completions_from_before_certificates_get_one_on_first_view(db, student):
    module = make_module(cards=make_quiz_pool(), questions_per_attempt=1, slug="old")
    assign_module(module, user=student)
    attempt = attempt_start(user=student, module=module, now=NOW)
    question = attempt.questions.select_related("card").first()
    if question.card.kind == "cloze":
        answer_save(attempt=attempt, question=question, typed="night", now=NOW)
    attempt_submit(attempt=attempt, now=NOW)
    Certificate.objects.all().delete()
    Completion.objects.get_or_create(
        module=module,
        user=student,
        defaults={"attempt": attempt, "completed_at": NOW, "score": Decimal("100")},
    )
    client = Client()
    client.force_login(student)
    assert client.get(reverse("training:certificate", args=["old"])).status_code == 200
    assert Certificate.objects.filter(completion__user=student).count() == 1
    other = UserFactory()
    client.force_login(other)
    assert client.get(reverse("training:certificate_qr", args=["old"])).status_code == 404
