"""A learner reads a topic, reviews its cards by keyboard only, undoes one, sees her progress."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from quizzes.content.models import CardStatus, Topic
from quizzes.content.services.importing import import_article_file
from tests.e2e.conftest import log_in, reveal_by_keyboard, screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTICLE = Path(__file__).resolve().parents[2] / "content" / "bone-metastases.txt"
JOURNEY = "student"


def _first_topic_with_cards() -> Topic:
    for topic in Topic.objects.order_by("position"):
        if topic.cards.filter(status=CardStatus.PUBLISHED).count() >= 2:
            return topic
    raise AssertionError("the seed article has no topic with two published cards")


def _topic_row(page, topic: Topic):
    return page.locator("table.progress-topics tbody tr").filter(has_text=topic.title)


def _is_review_post(response) -> bool:
    return response.request.method == "POST" and "/review/" in response.url


def _answer_shown_card(page, *, on_answer_screen=None) -> None:
    """Answer the card on screen as a keyboard user: Space or 1-4 and Enter, then a grade."""
    screen = page.locator("#review-screen")
    with page.expect_response(_is_review_post):
        reveal_by_keyboard(page)
    grades = screen.locator(".grade-buttons")
    grades.wait_for(state="visible")
    if on_answer_screen:
        on_answer_screen()
    grade = "3" if grades.locator('[data-key="3"]').count() else "1"
    with page.expect_response(_is_review_post):
        page.keyboard.press(grade)
    grades.wait_for(state="detached")


def test_student_reviews_a_lesson_with_the_keyboard_and_sees_progress(page):
    import_article_file(ARTICLE)
    UserFactory(username="student_a")
    topic = _first_topic_with_cards()
    card_count = topic.cards.filter(status=CardStatus.PUBLISHED).count()

    log_in(page, "student_a")
    page.goto("/progress/")
    before = _topic_row(page, topic).inner_text()
    assert re.search(rf"\b0 / {card_count}\b", before), before

    page.goto("/")
    screenshot(page, JOURNEY, "01-topics")
    page.get_by_role("link", name=re.compile(re.escape(topic.title))).first.click()
    page.wait_for_load_state()
    assert page.get_by_role("status").filter(has_text="unlocked for review").is_visible()
    screenshot(page, JOURNEY, "02-lesson")

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile(r"^Study now")
    ).click()
    page.wait_for_load_state()
    screen = page.locator("#review-screen")
    assert screen.locator(".flashcard").is_visible()
    screenshot(page, JOURNEY, "03-review-question")

    answered = 0
    while screen.locator(".flashcard").count() and answered < card_count:
        _answer_shown_card(
            page,
            on_answer_screen=(
                (lambda: screenshot(page, JOURNEY, "04-review-answer")) if answered == 0 else None
            ),
        )
        answered += 1
    assert answered == card_count

    undo = screen.get_by_role("button", name=re.compile("Undo last answer"))
    assert undo.is_visible()
    with page.expect_response(_is_review_post):
        page.keyboard.press("u")
    # A key pressed before htmx has processed the swapped-in end screen submits the plain form,
    # which redirects and shows the same notice in the page's messages: both are what users see.
    notice = page.get_by_role("status").filter(has_text="Answer undone").first
    notice.wait_for(state="visible")
    assert screen.locator(".flashcard").is_visible()
    screenshot(page, JOURNEY, "05-undone")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Progress").click()
    page.wait_for_load_state()
    after = _topic_row(page, topic).inner_text()
    assert after != before
    started = re.search(rf"\b(\d+) / {card_count}\b", after)
    assert started and int(started.group(1)) == card_count - 1, after
    screenshot(page, JOURNEY, "06-progress")
