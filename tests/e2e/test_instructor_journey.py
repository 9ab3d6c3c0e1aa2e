"""An instructor writes a single-best-answer card in the admin, publishes it; a learner gets it."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group

from quizzes.content.models import Card, CardKind, CardStatus
from quizzes.core.roles import INSTRUCTORS_GROUP
from tests.e2e.conftest import log_in, screenshot
from tests.factories import LessonFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JOURNEY = "instructor"
FRONT = "Which imaging test is the first choice for suspected spinal cord compression?"
CHOICES = [("Whole-spine MRI", True), ("Plain X-ray", False), ("Bone scan", False)]


def _log_out(page) -> None:
    page.get_by_role("button", name="Log out").first.click()
    page.wait_for_load_state()


def test_instructor_publishes_an_mcq_that_a_learner_then_reviews(page):
    lesson = LessonFactory(
        title="Spinal cord compression", topic__title="Complications of bone metastases"
    )
    instructor = UserFactory(username="instructor", is_staff=True)
    instructor.groups.add(Group.objects.get(name=INSTRUCTORS_GROUP))
    UserFactory(username="student_a")

    # The learner has already read the topic, so a newly published card reaches her queue.
    log_in(page, "student_a")
    page.goto(lesson.topic.get_absolute_url())
    _log_out(page)

    log_in(page, "instructor")
    page.get_by_role("link", name="Admin").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Cards", exact=True).first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Add card").click()
    page.wait_for_load_state()

    page.locator("#id_topic").select_option(label=str(lesson.topic))
    page.locator("#id_lesson").select_option(value=str(lesson.pk))
    page.locator("#id_kind").select_option(value=CardKind.MCQ)
    page.locator("#id_status").select_option(value=CardStatus.DRAFT)
    page.locator("#id_front").fill(FRONT)
    page.locator("#id_explanation").fill(
        "MRI of the **whole spine** shows the cord and every level at once."
    )
    for index, (text, correct) in enumerate(CHOICES):
        page.locator("#choices-group .add-row a").click()
        page.locator(f"#id_choices-{index}-text").fill(text)
        page.locator(f"#id_choices-{index}-position").fill(str(index))
        if correct:
            page.locator(f"#id_choices-{index}-is_correct").check()
    screenshot(page, JOURNEY, "01-add-card")
    page.locator("input[name=_save]").click()
    page.wait_for_load_state()
    assert page.locator(".errorlist").count() == 0, page.locator(".errorlist").all_inner_texts()
    card = Card.objects.get(front=FRONT)
    assert card.status == CardStatus.DRAFT
    assert card.choices.filter(is_correct=True).count() == 1

    # Publish it with the changelist's bulk action.
    page.get_by_role("row").filter(has_text=FRONT[:40]).get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(value="publish")
    page.locator(".actions button[name=index]").click()
    page.wait_for_load_state()
    assert page.get_by_text("Published").first.is_visible()
    screenshot(page, JOURNEY, "02-published")
    card.refresh_from_db()
    assert card.status == CardStatus.PUBLISHED
    _log_out(page)

    log_in(page, "student_a")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile(r"^Study now")
    ).click()
    page.wait_for_load_state()
    screen = page.locator("#review-screen")
    assert screen.get_by_text(FRONT).is_visible()
    for text, _ in CHOICES:
        assert screen.get_by_label(text).is_visible()
    screenshot(page, JOURNEY, "03-learner-sees-card")
