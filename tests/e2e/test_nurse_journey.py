"""A nurse takes an assigned module: its lessons, the quiz, the result and the certificate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from quizzes.training.models import Assignment
from tests.e2e.conftest import log_in, screenshot
from tests.factories import LessonFactory, UserFactory, make_choice_card, make_module

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JOURNEY = "nurse"


def _assigned_module():
    nurse = UserFactory(username="ward_nurse", first_name="Ada", last_name="Okafor")
    ward = Group.objects.create(name="Ward 7 nurses")
    nurse.groups.add(ward)
    lesson = LessonFactory(
        title="Osteolytic and osteoblastic lesions",
        body="**Osteolytic** lesions destroy bone; *osteoblastic* lesions form abnormal new bone.",
        topic__title="Types of bone metastases",
    )
    cards = [
        make_choice_card(
            lesson=lesson,
            topic=lesson.topic,
            front=f"Case {n}: which lesion type destroys bone tissue?",
        )
        for n in range(1, 4)
    ]
    module = make_module(
        cards=cards,
        lessons=[lesson],
        slug="bone-metastases-essentials",
        title="Bone metastases essentials",
        description="What every ward nurse should know about **bone metastases**.",
        questions_per_attempt=3,
        pass_mark=80,
    )
    Assignment.objects.create(module=module, group=ward, due_at=timezone.now() + timedelta(days=14))
    return module, lesson


def _is_answer_post(response) -> bool:
    return response.request.method == "POST" and "/questions/" in response.url


def test_nurse_completes_an_assigned_module_and_gets_a_certificate(page):
    module, lesson = _assigned_module()

    log_in(page, "ward_nurse")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My training").click()
    page.wait_for_load_state()
    assert page.get_by_text("Bone metastases essentials").is_visible()
    screenshot(page, JOURNEY, "01-my-training")

    page.get_by_role("link", name="Bone metastases essentials").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Bone metastases essentials").is_visible()
    screenshot(page, JOURNEY, "02-module")

    page.get_by_role("link", name=lesson.title).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=lesson.title).is_visible()
    screenshot(page, JOURNEY, "03-lesson")
    page.go_back()
    page.wait_for_load_state()

    page.get_by_role("button", name="Start attempt").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Attempt 1").is_visible()
    questions = page.locator("article.quiz-question")
    assert questions.count() == 3
    for position in range(1, 4):
        question = page.locator(f"#q-{position}")
        with page.expect_response(_is_answer_post):
            question.get_by_label("Osteolytic").check()
        page.locator(f"#q-{position}").get_by_text("Answered").wait_for()
    screenshot(page, JOURNEY, "04-quiz")

    page.get_by_role("button", name="Submit attempt").click()
    page.wait_for_load_state()
    assert page.get_by_text("100%").first.is_visible()
    screenshot(page, JOURNEY, "05-result")

    page.get_by_role("link", name="View your certificate").click()
    page.wait_for_load_state()
    certificate = page.locator("section.certificate")
    assert certificate.get_by_text("Ada Okafor").is_visible()
    assert certificate.get_by_text("Bone metastases essentials").is_visible()
    screenshot(page, JOURNEY, "06-certificate")
