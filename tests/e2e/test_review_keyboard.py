"""The review screen's keyboard rules, each in Chromium, as a learner presses the keys; the end of
the day's summary, the end screen refreshing itself, the time zone from the browser, and charts
readable on a phone. Screenshots of each screen at 1280x900 and 390x844 go to
test-output/screenshots/ (review-flow-*)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.content.models import CardKind
from quizzes.review.models import (
    CheckedAnswer,
    LearnerSettings,
    MemoryStage,
    MemoryState,
    ReviewLog,
    ReviewUndo,
)
from quizzes.review.services.reading import topic_open
from tests.e2e.conftest import DESKTOP, PHONE, log_in, screenshot
from tests.factories import (
    CardFactory,
    LessonFactory,
    UserFactory,
    log_review,
    make_choice_card,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JOURNEY = "review-flow"
CLOZE = "Breast cancer metastases are mostly {{c1::osteolytic}}."


def _learner(*cards_fields: dict, **settings):
    """student_a with a topic of the given cards, read (so they are in today's queue)."""
    user = UserFactory(username="student_a")
    lesson = LessonFactory()
    cards = []
    for position, fields in enumerate(cards_fields):
        if fields.get("kind") in (CardKind.MCQ, CardKind.MULTI_SELECT):
            fields = dict(fields)
            cards.append(make_choice_card(lesson=lesson, position=position, **fields))
        else:
            cards.append(CardFactory(lesson=lesson, position=position, **fields))
    LearnerSettings.objects.create(user=user, time_zone="UTC", time_zone_set=True, **settings)
    topic_open(user=user, topic=lesson.topic, now=timezone.now() - timedelta(minutes=1))
    return user, cards


def _open_review(page):
    log_in(page, "student_a")
    page.goto("/review/")
    page.wait_for_load_state()
    return page.locator("#review-screen")


def _is_review_post(response) -> bool:
    return response.request.method == "POST" and "/review/" in response.url


def _settled(page) -> None:
    """Wait for htmx to finish swapping and settling: the settle moves focus to the new content,
    so the next key a test presses must come after it, as a learner's does."""
    page.wait_for_function("() => !document.querySelector('.htmx-settling, .htmx-swapping')")


def _answer_screen(screen):
    """Wait for the answer side and for htmx to settle it (_settled)."""
    screen.locator(".grade-buttons").wait_for(state="visible")
    _settled(screen.page)


def _logs() -> list[tuple[int, int]]:
    return list(ReviewLog.objects.order_by("id").values_list("card_id", "rating"))


def test_a_typed_answer_keeps_its_keys_enter_checks_and_escape_leaves(page):
    _, (first, second) = _learner(
        {"kind": CardKind.CLOZE, "front": CLOZE}, {"kind": CardKind.CLOZE, "front": CLOZE}
    )
    screen = _open_review(page)
    field = screen.get_by_label("Type the missing words")
    assert field.evaluate("element => element === document.activeElement")
    page.keyboard.type("-@u1 4O")  # every shortcut key, typed into the answer
    assert field.input_value() == "-@u1 4O"
    assert not MemoryState.objects.filter(suspended=True).exists()
    assert not MemoryState.objects.filter(buried_until__isnull=False).exists()
    # Escape leaves the field; then the shortcuts work: "-" buries this card.
    page.keyboard.press("Escape")
    assert not field.evaluate("element => element === document.activeElement")
    with page.expect_response(_is_review_post):
        page.keyboard.press("-")
    screen.get_by_role("status").filter(has_text="Card buried until tomorrow").wait_for()
    assert MemoryState.objects.get(card=first).buried_until is not None
    # The next card: its answer box has focus again; type the answer, Enter checks it.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.name === 'typed'"
    )
    page.keyboard.type("Osteolytic")
    with page.expect_response(_is_review_post):
        page.keyboard.press("Enter")
    _answer_screen(screen)
    assert screen.locator(".verdict-right").inner_text() == "Right."
    assert CheckedAnswer.objects.get().card_id == second.pk
    screenshot(page, JOURNEY, "01-typed-answer-checked")


def test_after_revealing_every_shortcut_works_whatever_has_focus(page):
    _, cards = _learner({}, {}, {})
    screen = _open_review(page)
    with page.expect_response(_is_review_post):
        page.keyboard.press("Space")
    _answer_screen(screen)
    screenshot(page, JOURNEY, "02-review-answer")
    page.locator("h1").click()  # a click elsewhere: focus leaves the grades
    with page.expect_response(_is_review_post):
        page.keyboard.press("2")
    screen.locator(".grade-buttons").wait_for(state="detached")
    with page.expect_response(_is_review_post):
        page.keyboard.press("Space")
    _answer_screen(screen)
    screen.get_by_role("link", name="Read the source passage").focus()
    with page.expect_response(_is_review_post):
        page.keyboard.press("4")
    screen.locator(".grade-buttons").wait_for(state="detached")
    with page.expect_response(_is_review_post):
        page.keyboard.press("Space")
    _answer_screen(screen)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Progress").focus()
    with page.expect_response(_is_review_post):
        page.keyboard.press("@")  # suspend, with focus in the navigation
    screen.get_by_role("status").filter(has_text="Card suspended").wait_for()
    assert _logs() == [(cards[0].pk, 2), (cards[1].pk, 4)]
    assert MemoryState.objects.get(card=cards[2]).suspended


def test_space_and_enter_confirm_the_highlighted_grade_unless_a_link_or_button_has_focus(page):
    _, cards = _learner({}, {}, {})
    screen = _open_review(page)

    def reveal():
        with page.expect_response(_is_review_post):
            page.keyboard.press("Space")
        _answer_screen(screen)

    reveal()
    page.locator("h1").click()
    with page.expect_response(_is_review_post):
        page.keyboard.press("Space")  # the highlighted (suggested) grade: Good
    screen.locator(".grade-buttons").wait_for(state="detached")
    reveal()
    screen.get_by_role("button", name=re.compile("^Easy")).focus()
    with page.expect_response(_is_review_post):
        page.keyboard.press("Enter")  # the grade the learner moved to
    screen.locator(".grade-buttons").wait_for(state="detached")
    reveal()
    screen.get_by_role("link", name="Read the source passage").focus()
    page.keyboard.press("Space")  # on a link: the browser's own Space, no grade
    page.wait_for_timeout(300)
    assert len(_logs()) == 2
    screen.get_by_role("button", name=re.compile("Undo last answer")).focus()
    with page.expect_response(_is_review_post):
        page.keyboard.press("Enter")  # on another button: that button
    screen.get_by_role("status").filter(has_text="Answer undone").wait_for()
    assert _logs() == [(cards[0].pk, 3), (cards[1].pk, 4)]
    assert ReviewUndo.objects.get().review.card_id == cards[1].pk


def test_enter_or_check_with_nothing_picked_asks_for_a_pick_and_sends_nothing(page):
    _learner({"kind": CardKind.MCQ, "front": "Which lesions do breast metastases mostly cause?"})
    screen = _open_review(page)
    posts: list[str] = []
    page.on(
        "request", lambda request: posts.append(request.url) if request.method == "POST" else None
    )
    page.locator("h1").click()
    page.keyboard.press("Enter")
    message = screen.get_by_role("alert").filter(has_text="Pick an answer first.")
    message.wait_for()
    screenshot(page, JOURNEY, "03-pick-an-answer-first")
    screen.get_by_role("button", name=re.compile("^Check answer")).click()
    assert message.is_visible()
    assert posts == [] and not CheckedAnswer.objects.exists() and not ReviewLog.objects.exists()
    page.keyboard.press("1")
    with page.expect_response(_is_review_post):
        page.keyboard.press("Enter")
    _answer_screen(screen)
    assert CheckedAnswer.objects.count() == 1 and not ReviewLog.objects.exists()


def test_one_request_at_a_time_and_u_undoes_the_answer_that_was_on_its_way(page):
    _, cards = _learner({"front": "First card?"}, {"front": "Second card?"})
    screen = _open_review(page)
    with page.expect_response(_is_review_post):
        page.keyboard.press("Space")
    _answer_screen(screen)
    # Every request now takes 800 ms more, as on a slow ward connection.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 800, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    posts: list[str] = []
    page.on(
        "request", lambda request: posts.append(request.url) if request.method == "POST" else None
    )
    page.keyboard.press("3")  # Good: on its way for 800 ms …
    page.keyboard.press("3")  # … a second press lands on nothing
    page.keyboard.press("u")  # … and undo waits for the answer, then takes it back
    notice = screen.get_by_role("status").filter(has_text="Answer undone")
    notice.wait_for(timeout=15_000)
    assert "“First card?” is back on screen" in notice.inner_text()
    assert screen.locator(".flashcard .front").inner_text() == "First card?"
    assert _logs() == [(cards[0].pk, 3)]
    assert ReviewUndo.objects.count() == 1
    assert [url.rsplit("/review/", 1)[1] for url in posts] == ["answer/", "undo/"]
    screenshot(page, JOURNEY, "04-undone-named")


def test_a_refused_request_always_shows_its_message(page):
    _, cards = _learner({}, {})
    screen = _open_review(page)
    # Answered meanwhile in another tab: 409, swapped in with its message.
    other = page.context.new_page()
    other.goto("/review/")
    with other.expect_response(_is_review_post):
        other.keyboard.press("Space")
    other.locator(".grade-buttons").wait_for()
    with other.expect_response(_is_review_post):
        other.keyboard.press("3")
    other.close()
    with page.expect_response(_is_review_post) as stale:
        page.keyboard.press("Space")
    assert stale.value.status == 409
    screen.get_by_role("alert").filter(has_text="in another window").wait_for()
    _settled(page)
    # Any other refusal, and a network failure, are announced on the screen too.
    page.route(
        "**/review/reveal/",
        lambda route: route.fulfill(
            status=403, content_type="text/plain; charset=utf-8", body="Refused for this test."
        ),
    )
    page.keyboard.press("Space")
    screen.get_by_role("alert").filter(has_text="Refused for this test. (403)").wait_for()
    _settled(page)
    page.unroute("**/review/reveal/")
    page.route("**/review/reveal/", lambda route: route.abort())
    page.keyboard.press("Space")
    screen.get_by_role("alert").filter(has_text="could not be reached").wait_for()
    screenshot(page, JOURNEY, "05-refusal-shown")
    assert _logs() == [(cards[0].pk, 3)]


def test_the_end_screen_shows_the_days_summary_and_the_next_card_by_itself(page):
    user, (card, later) = _learner({"front": "Soon?"}, {"front": "Done?"}, learn_ahead_minutes=0)
    log_review(user=user, card=later, rating=3, at=timezone.now() - timedelta(days=1))
    MemoryState.objects.filter(card=later).update(
        stage=MemoryStage.REVIEW,
        stability=20.0,
        difficulty=5.0,
        due=timezone.now() + timedelta(days=20),
        last_review=timezone.now() - timedelta(days=1),
    )
    screen = _open_review(page)
    with page.expect_response(_is_review_post):
        page.keyboard.press("Space")
    _answer_screen(screen)
    with page.expect_response(_is_review_post):
        page.keyboard.press("1")  # Again: back in a minute
    screen.get_by_role("heading", name="Done for now").wait_for()
    # "Study now" in the navigation follows the screen's count after an htmx answer.
    page.wait_for_function(
        "() => document.getElementById('study-now-count').textContent === '(0 due)'"
    )
    summary = screen.locator(".day-summary")
    assert summary.locator('[data-summary="answered"]').inner_text() == "1"
    assert summary.locator('[data-summary="accuracy"]').inner_text().startswith("0%")
    assert summary.locator('[data-summary="streak"]').inner_text() == "2 days"
    screenshot(page, JOURNEY, "06-end-summary")
    # The card comes back by itself when it is due, without a reload.
    MemoryState.objects.filter(card=card).update(due=timezone.now() + timedelta(seconds=3))
    with page.expect_response(lambda r: r.request.method == "GET" and "/review/" in r.url):
        screen.get_by_role("link", name="Check again").click()
    page.wait_for_function(
        "() => Number(document.querySelector('[data-refresh-seconds]').dataset.refreshSeconds) <= 4"
    )
    screen.get_by_text("Soon?").wait_for(timeout=10_000)


def test_the_browser_reports_the_time_zone_on_the_first_visit(
    plain_http_site, browser, live_server
):
    UserFactory(username="student_a")
    context = browser.new_context(
        viewport=DESKTOP, base_url=live_server.url, locale="en-GB", timezone_id="Asia/Tokyo"
    )
    try:
        page = context.new_page()
        with page.expect_response(lambda response: "/settings/time-zone/" in response.url) as sent:
            log_in(page, "student_a")
        assert sent.value.status == 204
        settings = LearnerSettings.objects.get(user__username="student_a")
        assert (settings.time_zone, settings.time_zone_set) == ("Asia/Tokyo", True)
        page.goto("/settings/")
        assert page.locator(".time-zone-now strong").inner_text() == "Asia/Tokyo"
        assert page.locator('meta[name="time-zone-detect"]').count() == 0
    finally:
        context.close()


def _history(user, cards):
    now = timezone.now()
    for day in range(40):
        for card in cards[: 1 + day % 4]:
            log_review(
                user=user, card=card, rating=1 if day % 5 == 0 else 3, at=now - timedelta(days=day)
            )
    for index, card in enumerate(cards):
        MemoryState.objects.filter(user=user, card=card).update(
            stage=MemoryStage.REVIEW,
            stability=1.0 + 6 * index,
            difficulty=5.0,
            due=now + timedelta(days=index),
            last_review=now - timedelta(days=1),
        )


def test_progress_charts_are_readable_on_a_phone(page):
    user, cards = _learner(*({} for _ in range(6)))
    _history(user, cards)
    log_in(page, "student_a")
    page.goto("/progress/")
    page.set_viewport_size(PHONE)
    sizes = page.eval_on_selector_all(
        ".chart svg text",
        """texts => texts.map(text => ({
            label: text.textContent,
            size: text.getScreenCTM().a * parseFloat(getComputedStyle(text).fontSize),
            height: text.getBoundingClientRect().height,
        }))""",
    )
    page.set_viewport_size(DESKTOP)
    assert len(sizes) > 10
    small = [text for text in sizes if text["size"] < 11 or text["height"] < 11]
    assert small == [], small
    assert page.locator(".mastery-definition").inner_text().startswith("Mastery is the share")
    screenshot(page, JOURNEY, "07-progress")
