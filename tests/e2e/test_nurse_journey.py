"""A nurse takes an assigned module in Chromium: lessons read within the module, the quiz with its
live timer, pages, question panel and flags, the summary before submitting, the result, the
certificate and its public verification; an attempt submitted by the timer at zero; the timer
corrected for a wrong device clock; and typed answers never lost on an immediate submit."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from quizzes.content.models import CardKind
from quizzes.training.models import Assignment, Attempt, AttemptQuestion, Certificate
from tests.e2e.conftest import PHONE, log_in, screenshot
from tests.factories import (
    CardFactory,
    LessonFactory,
    UserFactory,
    make_choice_card,
    make_module,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JOURNEY = "nurse"


def _ward_nurse():
    nurse = UserFactory(username="ward_nurse", first_name="Ada", last_name="Okafor")
    ward, _ = Group.objects.get_or_create(name="Ward 7 nurses")
    nurse.groups.add(ward)
    return nurse, ward


def _assigned_module():
    _, ward = _ward_nurse()
    first = LessonFactory(
        title="Osteolytic and osteoblastic lesions",
        body="**Osteolytic** lesions destroy bone; *osteoblastic* lesions form abnormal new bone.",
        topic__title="Types of bone metastases",
    )
    second = LessonFactory(
        title="Bone pain at night",
        body="Bone pain from metastases is often **worse at night** and at rest.",
        topic=first.topic,
    )
    cards = [
        make_choice_card(
            lesson=first, topic=first.topic, front=f"Case {n}: which lesion type destroys bone?"
        )
        for n in range(1, 4)
    ]
    module = make_module(
        cards=cards,
        lessons=[first, second],
        slug="bone-metastases-essentials",
        title="Bone metastases essentials",
        description="What every ward nurse should know about **bone metastases**.",
        questions_per_attempt=3,
        questions_per_page=2,
        shuffle_questions=False,
        pass_mark=80,
        attempts_allowed=3,
        time_limit_minutes=20,
        lessons_required=True,
        version="2026.1",
        cpd_hours=1,
    )
    Assignment.objects.create(module=module, group=ward, due_at=timezone.now() + timedelta(days=14))
    return module, [first, second]


def _is_answer_post(response) -> bool:
    return response.request.method == "POST" and "/questions/" in response.url


def test_nurse_takes_the_module_and_anyone_can_verify_her_certificate(page, browser, live_server):
    module, lessons = _assigned_module()

    log_in(page, "ward_nurse")
    assert page.url.endswith("/training/")  # open training: log-in lands on My training
    assert page.get_by_role("link", name="Bone metastases essentials").is_visible()
    screenshot(page, JOURNEY, "01-my-training")

    page.get_by_role("link", name="Bone metastases essentials").click()
    page.wait_for_load_state()
    assert page.get_by_text("Read these 2 lessons before starting the quiz").is_visible()
    assert page.get_by_role("button", name="Start attempt").is_disabled()
    screenshot(page, JOURNEY, "02-module-lessons-first")

    page.get_by_role("link", name=lessons[0].title).first.click()
    page.wait_for_load_state()
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    assert breadcrumb.get_by_role("link", name="Bone metastases essentials").is_visible()
    assert breadcrumb.get_by_text("Lesson 1 of 2").is_visible()
    screenshot(page, JOURNEY, "03-lesson-in-module")
    page.get_by_role("link", name=re.compile("Next lesson")).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=lessons[1].title).is_visible()
    page.get_by_role("button", name="Start quiz").click()
    page.wait_for_load_state()

    # The attempt: page 1 of 2, a live timer, the question panel.
    assert page.get_by_role("heading", name=re.compile("Attempt 1")).is_visible()
    timer = page.locator("[data-timer-value]")
    assert re.fullmatch(r"(19|20):\d\d", timer.inner_text())
    first_reading = timer.inner_text()
    page.wait_for_timeout(2100)
    assert timer.inner_text() != first_reading  # it counts down
    assert page.locator("article.quiz-question").count() == 2
    with page.expect_response(_is_answer_post):
        page.locator("#q-1").get_by_label("Osteolytic").check()
    page.locator("#nav-q-1.is-answered").wait_for()
    assert page.locator("#q-1").get_by_text("Saved").is_visible()
    page.locator("#flag-2").click()
    page.locator("#nav-q-2.is-flagged").wait_for()
    assert page.locator("#flag-2").get_attribute("aria-pressed") == "true"
    screenshot(page, JOURNEY, "04-quiz-page-1")

    # On a phone the timer stays on screen while the page scrolls.
    page.set_viewport_size(PHONE)
    page.mouse.wheel(0, 1500)
    page.wait_for_timeout(300)
    box = page.locator(".quiz-bar").bounding_box()
    assert box is not None and -1 <= box["y"] <= 5
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Next page →").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=re.compile("page 2 of 2")).is_visible()
    page.locator("#q-3").get_by_label("Osteolytic").check()  # saved by the Finish button too
    page.get_by_role("button", name="Finish attempt…").click()
    page.wait_for_load_state()

    # Summary of attempt: question 2 flagged and unanswered; the confirmation says so.
    assert page.get_by_role("heading", name="Summary of attempt 1").is_visible()
    assert page.get_by_text("1 question is not answered and will score zero.").first.is_visible()
    assert page.get_by_text("After this you have 2 attempts left.").first.is_visible()
    screenshot(page, JOURNEY, "05-summary")
    page.get_by_role("link", name="Question 2").click()
    page.wait_for_load_state()
    with page.expect_response(_is_answer_post):
        page.locator("#q-2").get_by_label("Osteolytic").check()
    page.get_by_role("button", name="Finish attempt…").click()
    page.wait_for_load_state()
    assert page.get_by_text("All questions are answered.").first.is_visible()
    page.locator("#submit-form").get_by_role("button", name="Submit all and finish").click()
    dialog = page.get_by_role("dialog")
    assert dialog.is_visible() and dialog.get_by_text("All questions are answered.").is_visible()
    screenshot(page, JOURNEY, "06-confirm-submit")
    dialog.get_by_role("button", name="Cancel").click()
    assert not dialog.is_visible()
    page.locator("#submit-form").get_by_role("button", name="Submit all and finish").click()
    dialog.get_by_role("button", name="Submit all and finish").click()
    page.wait_for_load_state()
    assert page.get_by_text("100%").first.is_visible()
    screenshot(page, JOURNEY, "07-result")

    page.get_by_role("link", name="View your certificate").click()
    page.wait_for_load_state()
    certificate = page.locator("section.certificate")
    for fact in ("Ada Okafor", "Bone metastases essentials", "Version 2026.1", "CPD hours"):
        assert certificate.get_by_text(fact).first.is_visible()
    qr = certificate.get_by_role("img", name="QR code of the verification address")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=qr.element_handle(), timeout=5000
    )
    code = Certificate.objects.get().code
    assert certificate.get_by_text(code, exact=True).is_visible()
    screenshot(page, JOURNEY, "08-certificate")

    # An employer, not logged in, checks the certificate.
    stranger = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    public = stranger.new_page()
    public.goto(f"/verify/{code.lower()}/")
    assert public.get_by_text("Valid.").is_visible()
    assert public.get_by_text("Ada Okafor").is_visible()
    screenshot(public, JOURNEY, "09-verified")
    assert public.goto("/verify/AAAA-BBBB-CCCC-DDDD/").status == 404
    stranger.close()


def test_the_timer_submits_the_attempt_at_zero_with_the_typed_answer(page, live_server):
    _, ward = _ward_nurse()
    card = CardFactory(kind=CardKind.CLOZE, front="Bone pain is often worse at {{c1::night}}.")
    module = make_module(
        cards=[card], slug="one-minute", title="One-minute check", time_limit_minutes=1
    )
    Assignment.objects.create(module=module, group=ward, due_at=timezone.now() + timedelta(days=1))
    log_in(page, "ward_nurse")
    page.goto(module.get_absolute_url())
    page.get_by_role("button", name="Start attempt").click()
    page.wait_for_load_state()
    assert re.fullmatch(r"[01]:\d\d", page.locator("[data-timer-value]").inner_text())
    # Shorten the wait: the deadline is a few seconds away.
    attempt = Attempt.objects.get()
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=6))
    page.reload()
    page.get_by_text("Less than a minute left").wait_for()  # announced (aria-live) on the way down
    assert page.locator(".quiz-timer.is-urgent").is_visible()
    page.get_by_label("Type the missing words").fill("night")  # typed, never left the field
    screenshot(page, JOURNEY, "10-timer-last-seconds")
    page.wait_for_url(re.compile(r"/result/$"), timeout=15_000)
    assert page.get_by_text("100%").first.is_visible()
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.score == 100
    screenshot(page, JOURNEY, "11-auto-submitted")


def test_the_timer_trusts_the_server_clock_over_a_wrong_device_clock(page):
    _, ward = _ward_nurse()
    module = make_module(
        cards=[make_choice_card()], slug="clock", title="Clock check", time_limit_minutes=20
    )
    Assignment.objects.create(module=module, group=ward, due_at=timezone.now() + timedelta(days=1))
    log_in(page, "ward_nurse")
    # The phone's clock is an hour behind.
    page.clock.install(time=timezone.now() - timedelta(hours=1))
    page.goto(module.get_absolute_url())
    page.get_by_role("button", name="Start attempt").click()
    page.wait_for_load_state()
    timer = page.locator("[data-timer-value]")
    assert re.fullmatch(r"(19|20):\d\d", timer.inner_text())
    page.clock.fast_forward("15:05")
    page.get_by_text("Less than 5 minutes left.").wait_for()
    assert re.fullmatch(r"4:\d\d", timer.inner_text())


def test_typed_answers_are_never_lost_when_submitting_at_once(page):
    _, ward = _ward_nurse()
    card = CardFactory(kind=CardKind.CLOZE, front="Bone pain is often worse at {{c1::night}}.")
    module = make_module(cards=[card], slug="race", title="Typed answers", attempts_allowed=0)
    Assignment.objects.create(module=module, group=ward, due_at=timezone.now() + timedelta(days=1))
    log_in(page, "ward_nurse")
    lost = []
    for round_number in range(1, 21):
        page.goto(module.get_absolute_url())
        page.get_by_role("button", name="Start attempt").click()
        page.wait_for_load_state()
        page.get_by_label("Type the missing words").fill("night")
        page.get_by_role("button", name="Finish attempt…").click()  # leaving the field races it
        page.wait_for_load_state()
        page.locator("#submit-form").get_by_role("button", name="Submit all and finish").click()
        page.get_by_role("dialog").get_by_role("button", name="Submit all and finish").click()
        page.wait_for_url(re.compile(r"/result/$"))
        if not page.get_by_text("100%").first.is_visible():
            lost.append(round_number)
    assert lost == []
    assert AttemptQuestion.objects.filter(response="night", fraction=1).count() == 20
