"""A learner reports a problem with a card from the answer side; an instructor resolves it in the
admin's Reports queue with a reply; the learner reads the reply under My reports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from quizzes.content.models import CardReport, CardStatus, ReportStatus, Topic
from quizzes.content.services.importing import import_article_file
from quizzes.core.roles import INSTRUCTORS_GROUP
from tests.e2e.conftest import log_in, reveal_by_keyboard, screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTICLE = Path(__file__).resolve().parents[2] / "content" / "bone-metastases.txt"
JOURNEY = "report"
NOTE = "The lesson now says 65%, the card still says 70%."
REPLY = "Thank you: the card now follows the corrected figure."


def _topic_whose_first_card_has_a_note() -> Topic:
    for topic in Topic.objects.order_by("position"):
        first = (
            topic.cards.filter(status=CardStatus.PUBLISHED)
            .order_by("lesson__position", "position", "id")
            .first()
        )
        if first is not None and first.clinical_note:
            return topic
    raise AssertionError("no topic starts with a card that has a clinical note")


def _log_out(page) -> None:
    page.get_by_role("button", name="Log out").first.click()
    page.wait_for_load_state()


def _show_answer(page) -> None:
    reveal_by_keyboard(page)
    page.locator("#review-screen .grade-buttons").wait_for(state="visible")


def test_learner_reports_a_card_instructor_replies_learner_reads_it(page):
    import_article_file(ARTICLE)
    topic = _topic_whose_first_card_has_a_note()
    UserFactory(username="student_a")
    instructor = UserFactory(username="instructor", is_staff=True)
    instructor.groups.add(Group.objects.get(name=INSTRUCTORS_GROUP))

    log_in(page, "student_a")
    page.goto(topic.get_absolute_url())
    page.goto(f"/review/?topic={topic.slug}")
    _show_answer(page)
    screen = page.locator("#review-screen")
    assert screen.locator(".clinical-note").is_visible()
    assert screen.get_by_text(re.compile("Last reviewed by an instructor on")).is_visible()
    screen.get_by_text("Report a problem with this card").click()
    screen.get_by_label("What is wrong?").select_option(label="Wrong")
    screen.get_by_label(re.compile("Tell us more")).fill(NOTE)
    screenshot(page, JOURNEY, "01-answer-note-and-report-form")
    with page.expect_response(lambda r: "/cards/report/" in r.url):
        screen.get_by_role("button", name="Send report").click()
    thanks = screen.get_by_text(re.compile("your report is with the instructors"))
    thanks.wait_for()
    # htmx swapped the form for the thanks in place; the card and its grades are still there.
    assert screen.locator(".grade-buttons").is_visible()
    screenshot(page, JOURNEY, "02-reported")
    report = CardReport.objects.get()
    assert (report.note, report.status) == (NOTE, ReportStatus.OPEN)
    _log_out(page)

    log_in(page, "instructor")
    page.goto("/admin/content/cardreport/")
    assert page.get_by_text("1 open").is_visible()
    screenshot(page, JOURNEY, "03-reports-queue")
    page.get_by_role("link", name=re.compile(re.escape(report.card.front[:30]))).first.click()
    page.wait_for_load_state()
    page.get_by_label("Reply").fill(REPLY)
    screenshot(page, JOURNEY, "04-resolve-with-reply")
    page.locator("input[name=_save]").click()
    page.wait_for_load_state()
    report.refresh_from_db()
    assert (report.status, report.reply) == (ReportStatus.RESOLVED, REPLY)
    _log_out(page)

    log_in(page, "student_a")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_text("1 new reply").wait_for()
    nav.get_by_role("link", name=re.compile("My reports")).click()
    page.wait_for_load_state()
    assert page.get_by_text(REPLY).is_visible()
    assert page.get_by_text(NOTE).is_visible()
    screenshot(page, JOURNEY, "05-learner-reads-the-reply")
