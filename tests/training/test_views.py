"""Training pages: my training, module, attempt (htmx and plain forms), result, certificate, and the
whole nurse journey."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quizzes.content.models import CardKind
from quizzes.review.models import LessonRead, ReviewLog, ReviewSource
from quizzes.review.selectors.queue import review_screen
from quizzes.review.selectors.settings import learner_settings
from quizzes.training.models import Attempt, AttemptQuestion, Completion, FeedbackPolicy
from quizzes.training.services.attempts import attempt_start, attempt_submit
from tests.factories import LessonFactory, UserFactory, assign_module, make_module, make_quiz_pool

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def lessons(db):
    first = LessonFactory(title="Recognising bone pain")
    second = LessonFactory(title="Spinal cord compression", topic=first.topic)
    return [first, second]


@pytest.fixture
def module(lessons, student):
    module = make_module(
        cards=make_quiz_pool(lesson=lessons[0]),
        lessons=lessons,
        questions_per_attempt=4,
        time_limit_minutes=20,
        attempts_allowed=3,
        slug="bone-essentials",
    )
    assign_module(module, user=student)
    return module


@pytest.fixture
def attempt(module, student):
    return attempt_start(user=student, module=module, now=timezone.now())


def answer_data(question: AttemptQuestion, *, right: bool = True) -> dict:
    """The fields of one question as the attempt page posts them (named by its position)."""
    card = question.card
    prefix = f"q{question.position}"
    if card.kind == CardKind.CLOZE:
        return {f"{prefix}-typed": "night" if right else "morning"}
    choices = [c for c in card.choices.all() if c.is_correct == right]
    picked = [c.pk for c in choices[:1]] if not right else [c.pk for c in choices]
    return {f"{prefix}-choice": picked}


def answer_url(attempt, position):
    return reverse("training:attempt_answer", args=[attempt.pk, position])


def questions_of(attempt):
    return list(attempt.questions.select_related("card").prefetch_related("card__choices"))


# --- Login and ownership ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "name", "args"),
    [
        ("get", "training:training", []),
        ("get", "training:module", ["bone-essentials"]),
        ("post", "training:attempt_start", ["bone-essentials"]),
        ("get", "training:attempt", [1]),
        ("post", "training:attempt_answer", [1, 1]),
        ("post", "training:attempt_submit", [1]),
        ("get", "training:attempt_result", [1]),
        ("get", "training:certificate", ["bone-essentials"]),
    ],
)
def test_training_pages_need_login(client, module, method, name, args):
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_another_learners_attempt_is_404_everywhere(client, attempt, other_student):
    client.force_login(other_student)
    question = questions_of(attempt)[0]
    assert client.get(reverse("training:attempt", args=[attempt.pk])).status_code == 404
    assert client.get(reverse("training:attempt_result", args=[attempt.pk])).status_code == 404
    response = client.post(answer_url(attempt, 1), answer_data(question), **HTMX)
    assert response.status_code == 404
    response = client.post(reverse("training:attempt_submit", args=[attempt.pk]))
    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert not AttemptQuestion.objects.filter(attempt=attempt, response__isnull=False).exists()


def test_unassigned_module_is_404(client, module, other_student):
    client.force_login(other_student)
    assert client.get(module.get_absolute_url()).status_code == 404
    response = client.post(reverse("training:attempt_start", args=[module.slug]))
    assert response.status_code == 404
    assert not Attempt.objects.exists()


def test_another_learners_certificate_is_404(client, attempt, student, other_student):
    attempt_submit(attempt=attempt, now=timezone.now())
    Completion.objects.create(
        module=attempt.module, user=student, attempt=attempt, completed_at=timezone.now(), score=90
    )
    client.force_login(other_student)
    assert (
        client.get(reverse("training:certificate", args=[attempt.module.slug])).status_code == 404
    )


# --- My training -----------------------------------------------------------------------------


def test_my_training_lists_assigned_modules_with_status(student_client, module, student):
    other = make_module(cards=make_quiz_pool(), title="Falls prevention", slug="falls")
    assign_module(other, user=student, due_at=timezone.now() - timedelta(days=1))
    make_module(cards=make_quiz_pool(), title="Not for you", slug="not-yours")
    response = student_client.get(reverse("training:training"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Falls prevention" in html and module.title in html
    assert "Not for you" not in html
    assert html.index("Falls prevention") < html.index(module.title)  # overdue first
    assert "Overdue" in html and "Not started" in html
    assert 'href="/training/"' in html  # nav item


@pytest.mark.parametrize("modules", [1, 6])
def test_my_training_query_count_is_constant(
    student_client, student, modules, django_assert_max_num_queries
):
    pool = make_quiz_pool()
    for index in range(modules):
        module = make_module(cards=pool, slug=f"m-{index}", questions_per_attempt=2)
        assign_module(module, user=student)
        attempt_start(user=student, module=module, now=timezone.now())
    # session, user, expired attempts, the one training query, the nav's two permission lookups;
    # the navigation's settings and "Study now (N due)"
    with django_assert_max_num_queries(8):
        assert student_client.get(reverse("training:training")).status_code == 200


def test_my_training_shows_an_attempt_whose_time_ran_out_as_graded(
    student_client, attempt, student
):
    for question in questions_of(attempt):
        student_client.post(answer_url(attempt, question.position), answer_data(question))
    url = reverse("training:training")
    assert "In progress" in student_client.get(url).content.decode()
    later = attempt.deadline + timedelta(minutes=1)
    with patch("django.utils.timezone.now", return_value=later):
        html = student_client.get(url).content.decode()
    assert "In progress" not in html
    assert "Passed" in html and "Score 100%" in html
    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline and attempt.passed


@pytest.mark.parametrize("modules", [1, 6])
def test_my_training_query_count_with_attempts_in_progress_is_constant(
    student_client, student, modules, django_assert_max_num_queries
):
    pool = make_quiz_pool()
    for index in range(modules):
        module = make_module(
            cards=pool, slug=f"m-{index}", questions_per_attempt=2, time_limit_minutes=30
        )
        assign_module(module, user=student)
        attempt_start(user=student, module=module, now=timezone.now())
    # session, user, expired attempts (none), the one training query, two permission lookups;
    # the navigation's settings and "Study now (N due)"
    with django_assert_max_num_queries(8):
        assert student_client.get(reverse("training:training")).status_code == 200


# --- Module page -----------------------------------------------------------------------------


def test_module_page_marks_lessons_read_after_reading(student_client, module, lessons, student):
    html = student_client.get(module.get_absolute_url()).content.decode()
    assert html.count("Unread") == 2
    assert "Start attempt" in html
    lesson_url = reverse("training:module_lesson", args=[module.slug, lessons[0].pk])
    assert lesson_url in html
    student_client.get(lesson_url)  # reading a lesson within the module records it alone
    assert LessonRead.objects.filter(user=student).count() == 1
    student_client.get(lessons[0].topic.get_absolute_url())  # the topic page records both
    assert LessonRead.objects.filter(user=student).count() == 2
    html = student_client.get(module.get_absolute_url()).content.decode()
    assert "Unread" not in html and html.count(">Read<") == 2


def test_unpublished_module_page_is_403(student_client, module):
    module.is_published = False
    module.save()
    response = student_client.get(module.get_absolute_url())
    assert response.status_code == 403
    assert b"This module is closed." in response.content


@pytest.mark.parametrize("lessons_count", [1, 6])
def test_module_page_query_count_is_constant(
    student_client, student, lessons_count, django_assert_max_num_queries
):
    lessons = [LessonFactory() for _ in range(lessons_count)]
    module = make_module(cards=make_quiz_pool(), lessons=lessons, slug="m")
    assign_module(module, user=student)
    for _ in range(2):
        attempt_submit(
            attempt=attempt_start(user=student, module=module, now=timezone.now()),
            now=timezone.now(),
        )
    # + 2 for every page's navigation: the learner's settings and "Study now (N due)".
    with django_assert_max_num_queries(10):
        assert student_client.get(module.get_absolute_url()).status_code == 200


# --- Starting --------------------------------------------------------------------------------


def test_start_redirects_to_the_attempt_and_resumes(student_client, module):
    url = reverse("training:attempt_start", args=[module.slug])
    first = student_client.post(url)
    assert first.status_code == 302
    attempt = Attempt.objects.get()
    assert first["Location"] == reverse("training:attempt", args=[attempt.pk])
    second = student_client.post(url)
    assert second["Location"] == first["Location"]
    assert Attempt.objects.count() == 1


def test_start_is_post_only(student_client, module):
    response = student_client.get(reverse("training:attempt_start", args=[module.slug]))
    assert response.status_code == 405


def test_start_closed_module_is_403_with_message(student_client, module):
    module.available_until = timezone.now() - timedelta(hours=1)
    module.save()
    response = student_client.post(reverse("training:attempt_start", args=[module.slug]))
    assert response.status_code == 403
    assert b"This module closed on" in response.content
    assert not Attempt.objects.exists()


def test_start_beyond_attempts_allowed_is_403_with_message(student_client, module, student):
    module.attempts_allowed = 1
    module.save()
    attempt_submit(
        attempt=attempt_start(user=student, module=module, now=timezone.now()), now=timezone.now()
    )
    response = student_client.post(reverse("training:attempt_start", args=[module.slug]))
    assert response.status_code == 403
    assert b"You have used your 1 attempt of this module" in response.content
    assert Attempt.objects.count() == 1


# --- Answering -------------------------------------------------------------------------------


def test_attempt_page_shows_every_question_in_one_plain_form(student_client, attempt):
    response = student_client.get(reverse("training:attempt", args=[attempt.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    page_url = reverse("training:attempt_save", args=[attempt.pk])
    assert html.count("<form") == 2  # the attempt's page, and log out
    assert f'action="{page_url}"' in html
    for position in range(1, 5):
        assert f'id="q-{position}"' in html
        assert f'hx-post="{answer_url(attempt, position)}"' in html
        assert f'id="nav-q-{position}"' in html
    assert "Time left" in html
    assert "Finish attempt…" in html


@pytest.mark.parametrize("questions", [2, 8])
def test_attempt_page_query_count_is_constant(
    student_client, student, questions, django_assert_max_num_queries
):
    pool = make_quiz_pool() + make_quiz_pool()
    module = make_module(cards=pool, questions_per_attempt=questions, slug="m")
    assign_module(module, user=student)
    attempt = attempt_start(user=student, module=module, now=timezone.now())
    with django_assert_max_num_queries(8):
        assert student_client.get(reverse("training:attempt", args=[attempt.pk])).status_code == 200


def test_htmx_answer_saves_and_returns_only_the_question(student_client, attempt):
    question = questions_of(attempt)[0]
    response = student_client.post(
        answer_url(attempt, question.position), answer_data(question), **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "<article" not in html
    # The question's status, and its panel entry swapped out of band.
    assert html.strip().startswith('<span class="badge badge-good">Saved</span>')
    assert f'id="nav-q-{question.position}"' in html and 'hx-swap-oob="true"' in html
    assert "is-answered" in html
    assert AttemptQuestion.objects.get(pk=question.pk).response is not None


def test_plain_form_answer_saves_and_redirects_back(student_client, attempt):
    question = questions_of(attempt)[1]
    response = student_client.post(answer_url(attempt, question.position), answer_data(question))
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("training:attempt", args=[attempt.pk]) + f"#q-{question.position}"
    )
    assert AttemptQuestion.objects.get(pk=question.pk).answered_at is not None


@pytest.mark.parametrize("htmx", [True, False])
def test_tampered_choice_id_is_400_and_nothing_written(student_client, attempt, htmx):
    question = next(q for q in questions_of(attempt) if q.card.has_choices)
    headers = HTMX if htmx else {}
    response = student_client.post(
        answer_url(attempt, question.position),
        {f"q{question.position}-choice": ["999999"]},
        **headers,
    )
    assert response.status_code == 400
    assert b"That choice is not part of this question" in response.content
    assert AttemptQuestion.objects.get(pk=question.pk).response is None


def test_non_numeric_choice_is_400(student_client, attempt):
    question = next(q for q in questions_of(attempt) if q.card.has_choices)
    response = student_client.post(
        answer_url(attempt, question.position),
        {f"q{question.position}-choice": ["<script>"]},
        **HTMX,
    )
    assert response.status_code == 400
    assert AttemptQuestion.objects.get(pk=question.pk).response is None


def test_empty_answer_is_400(student_client, attempt):
    question = next(q for q in questions_of(attempt) if q.card.kind == CardKind.CLOZE)
    response = student_client.post(
        answer_url(attempt, question.position), {f"q{question.position}-typed": " "}, **HTMX
    )
    assert response.status_code == 400
    assert b"Type an answer" in response.content


def test_question_not_in_the_attempt_is_404(student_client, attempt):
    response = student_client.post(answer_url(attempt, 99), {"q99-typed": "night"}, **HTMX)
    assert response.status_code == 404
    assert not AttemptQuestion.objects.filter(response__isnull=False).exists()


def test_answer_after_submit_is_409(student_client, attempt):
    student_client.post(reverse("training:attempt_submit", args=[attempt.pk]))
    question = questions_of(attempt)[0]
    response = student_client.post(answer_url(attempt, question.position), answer_data(question))
    assert response.status_code == 409
    assert b"already submitted" in response.content
    assert AttemptQuestion.objects.get(pk=question.pk).response is None


def test_htmx_answer_after_submit_redirects_the_page_to_the_result(student_client, attempt):
    student_client.post(reverse("training:attempt_submit", args=[attempt.pk]))
    question = questions_of(attempt)[0]
    response = student_client.post(
        answer_url(attempt, question.position), answer_data(question), **HTMX
    )
    result_url = reverse("training:attempt_result", args=[attempt.pk])
    assert response.status_code == 409
    assert response["HX-Redirect"] == result_url
    assert b"<html" not in response.content and b"<article" not in response.content
    assert AttemptQuestion.objects.get(pk=question.pk).response is None
    assert "already submitted" in student_client.get(result_url).content.decode()


def test_answer_after_the_deadline_is_409_and_the_attempt_graded(student_client, attempt):
    first, second, *_ = questions_of(attempt)
    student_client.post(answer_url(attempt, first.position), answer_data(first), **HTMX)
    later = attempt.deadline + timedelta(seconds=1)
    with patch("django.utils.timezone.now", return_value=later):
        response = student_client.post(
            answer_url(attempt, second.position), answer_data(second), **HTMX
        )
    result_url = reverse("training:attempt_result", args=[attempt.pk])
    assert response.status_code == 409
    assert response["HX-Redirect"] == result_url
    assert b"<html" not in response.content
    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline
    assert attempt.score is not None
    assert AttemptQuestion.objects.get(pk=second.pk).response is None
    assert "Time is up" in student_client.get(result_url).content.decode()


def test_answer_after_the_module_closed_is_409_and_the_attempt_graded(student_client, attempt):
    module = attempt.module
    module.available_until = timezone.now() + timedelta(minutes=5)
    module.save()
    question = questions_of(attempt)[0]
    later = module.available_until + timedelta(seconds=1)
    with patch("django.utils.timezone.now", return_value=later):
        plain = student_client.post(answer_url(attempt, question.position), answer_data(question))
    assert plain.status_code == 409
    assert "The module has closed" in plain.content.decode()
    attempt.refresh_from_db()
    assert attempt.submitted_at == module.available_until
    assert AttemptQuestion.objects.get(pk=question.pk).response is None


def test_attempt_page_counts_down_to_the_module_closing(student_client, attempt):
    module = attempt.module
    module.available_until = timezone.now() + timedelta(minutes=7)
    module.save()
    html = student_client.get(reverse("training:attempt", args=[attempt.pk])).content.decode()
    assert re.search(r"data-timer-value>about [67] minutes", html)
    assert 'data-deadline="' in html and 'data-server-now="' in html


def test_opening_an_expired_attempt_grades_it(student_client, attempt):
    later = attempt.deadline + timedelta(minutes=5)
    with patch("django.utils.timezone.now", return_value=later):
        response = student_client.get(reverse("training:attempt", args=[attempt.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("training:attempt_result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline


def test_single_answers_save_on_change_unless_feedback_follows_each_question(
    student_client, attempt
):
    url = reverse("training:attempt", args=[attempt.pk])
    html = student_client.get(url).content.decode()
    assert html.count('hx-trigger="change"') == 4
    assert "Check answer" not in html
    attempt.module.feedback_policy = FeedbackPolicy.IMMEDIATE
    attempt.module.save()
    html = student_client.get(url).content.decode()
    # Answers are still saved as they change, but only the button makes one final (a misclick
    # or an arrow key must not lock it).
    assert html.count('hx-trigger="change"') == 4
    assert html.count("Check answer</button>") == 4


def test_immediate_feedback_shows_the_verdict_and_locks_the_question(student_client, attempt):
    attempt.module.feedback_policy = FeedbackPolicy.IMMEDIATE
    attempt.module.save()
    question = next(q for q in questions_of(attempt) if q.card.kind == CardKind.MCQ)
    url = answer_url(attempt, question.position)
    saved = student_client.post(url, answer_data(question, right=False), **HTMX)
    assert saved.status_code == 200 and "Right answer" not in saved.content.decode()
    checked = {**answer_data(question, right=False), "check": str(question.position)}
    response = student_client.post(url, checked, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not right" in html and "Right answer" in html
    assert "Because the article says so." in html  # the explanation
    assert f'action="{url}"' not in html  # locked: no answer form
    assert 'action="/cards/report/"' in html and 'name="place" value="quiz"' in html
    response = student_client.post(url, {**answer_data(question), "check": "1"}, **HTMX)
    assert response.status_code == 409


# --- Submitting and the result ---------------------------------------------------------------


def test_double_submit_grades_once(student_client, attempt):
    url = reverse("training:attempt_submit", args=[attempt.pk])
    first = student_client.post(url)
    attempt.refresh_from_db()
    submitted = attempt.submitted_at
    logs = ReviewLog.objects.count()
    second = student_client.post(url)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == reverse("training:attempt_result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.submitted_at == submitted
    assert ReviewLog.objects.count() == logs == 4


def test_result_after_submit_shows_feedback(student_client, attempt):
    for question in questions_of(attempt):
        student_client.post(answer_url(attempt, question.position), answer_data(question))
    student_client.post(reverse("training:attempt_submit", args=[attempt.pk]))
    response = student_client.get(reverse("training:attempt_result", args=[attempt.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "100%" in html and "passed" in html
    assert html.count("Because the article says so.") == 4
    assert reverse("training:certificate", args=[attempt.module.slug]) in html


def test_result_hides_feedback_until_the_module_closes(student_client, attempt):
    module = attempt.module
    module.feedback_policy = FeedbackPolicy.AFTER_CLOSE
    module.available_until = timezone.now() + timedelta(days=2)
    module.save()
    student_client.post(reverse("training:attempt_submit", args=[attempt.pk]))
    url = reverse("training:attempt_result", args=[attempt.pk])
    html = student_client.get(url).content.decode()
    assert "Because the article says so." not in html
    assert "once the module closes" in html
    with patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(days=3)):
        html = student_client.get(url).content.decode()
    assert html.count("Because the article says so.") == 4


@pytest.mark.parametrize("questions", [2, 8])
def test_result_query_count_is_constant(
    student_client, student, questions, django_assert_max_num_queries
):
    module = make_module(
        cards=make_quiz_pool() + make_quiz_pool(), slug="m", questions_per_attempt=questions
    )
    assign_module(module, user=student)
    attempt = attempt_start(user=student, module=module, now=timezone.now())
    attempt_submit(attempt=attempt, now=timezone.now())
    # + 2 for every page's navigation: the learner's settings and "Study now (N due)".
    with django_assert_max_num_queries(10):
        response = student_client.get(reverse("training:attempt_result", args=[attempt.pk]))
    assert response.status_code == 200


def test_question_changed_after_the_attempt_started_is_marked_never_500(student_client, attempt):
    for question in questions_of(attempt):
        student_client.post(answer_url(attempt, question.position), answer_data(question))
    changed = next(q for q in questions_of(attempt) if q.card.kind == CardKind.MCQ)
    changed.card.kind = CardKind.BASIC
    changed.card.save()
    page = student_client.get(reverse("training:attempt", args=[attempt.pk])).content.decode()
    assert "Question changed after the attempt started" in page
    refused = student_client.post(
        answer_url(attempt, changed.position), answer_data(changed), **HTMX
    )
    assert refused.status_code == 409
    assert b"changed by your instructor" in refused.content
    assert refused.content.decode().strip().startswith("<article")  # locked: the whole question

    response = student_client.post(reverse("training:attempt_submit", args=[attempt.pk]))
    assert response.status_code == 302
    html = student_client.get(response["Location"]).content.decode()
    assert "75%" in html
    assert f"Question {changed.position}: Question changed after the attempt started" in html


def test_unsubmitted_result_redirects_to_the_attempt(student_client, attempt):
    response = student_client.get(reverse("training:attempt_result", args=[attempt.pk]))
    assert response["Location"] == reverse("training:attempt", args=[attempt.pk])


def test_certificate_needs_a_pass(student_client, module):
    assert (
        student_client.get(reverse("training:certificate", args=[module.slug])).status_code == 404
    )


# --- The whole journey -----------------------------------------------------------------------


def test_nurse_journey_from_lessons_to_certificate_review_and_report(module, lessons, instructor):
    nurses = Group.objects.create(name="Ward 5 nurses")
    nurse = UserFactory(username="nurse", first_name="Nia", last_name="Okafor")
    nurse.groups.add(nurses)
    module.assignments.all().delete()
    assign_module(module, group=nurses)

    browser = Client()
    browser.force_login(nurse)
    assert module.title in browser.get(reverse("training:training")).content.decode()
    html = browser.get(module.get_absolute_url()).content.decode()
    for lesson in lessons:
        assert lesson.title in html
    for lesson in lessons:
        browser.get(reverse("training:module_lesson", args=[module.slug, lesson.pk]))
    assert "Unread" not in browser.get(module.get_absolute_url()).content.decode()

    start = browser.post(reverse("training:attempt_start", args=[module.slug]))
    attempt = Attempt.objects.get(user=nurse)
    questions = questions_of(attempt)
    drawn = [(q.card_id, q.choice_order) for q in questions]
    # Three right, the fourth (multi-select) wrong: 75% < 80%; first time round she answers two.
    for question in questions[:2]:
        browser.post(answer_url(attempt, question.position), answer_data(question), **HTMX)

    browser = Client()  # the browser was closed; she logs in again
    browser.force_login(nurse)
    resumed = browser.post(reverse("training:attempt_start", args=[module.slug]))
    assert resumed["Location"] == start["Location"]
    page = browser.get(resumed["Location"]).content.decode()
    assert page.count('badge-good">Answered') == 2
    assert page.count("panel-q is-answered") == 2
    assert [(q.card_id, q.choice_order) for q in questions_of(attempt)] == drawn
    wrong_card = None
    for question in questions[2:]:
        right = question.card.kind != CardKind.MULTI_SELECT or wrong_card is not None
        if not right:
            wrong_card = question.card_id
        browser.post(answer_url(attempt, question.position), answer_data(question, right=right))
    if wrong_card is None:  # the multi-select question was among the first two
        module.pass_mark = 100
        module.save()
    browser.post(reverse("training:attempt_submit", args=[attempt.pk]))
    attempt.refresh_from_db()
    if wrong_card is None:
        assert attempt.passed
    else:
        assert attempt.score == 75
        assert not attempt.passed
        # A second attempt, all right this time.
        browser.post(reverse("training:attempt_start", args=[module.slug]))
        attempt = Attempt.objects.get(user=nurse, number=2)
        for question in questions_of(attempt):
            browser.post(answer_url(attempt, question.position), answer_data(question))
        browser.post(reverse("training:attempt_submit", args=[attempt.pk]))
        attempt.refresh_from_db()
        assert attempt.passed

    certificate = browser.get(reverse("training:certificate", args=[module.slug]))
    html = certificate.content.decode()
    assert certificate.status_code == 200
    assert "Nia Okafor" in html and module.title in html and "100%" in html
    assert 'media="print"' in html

    if wrong_card is not None:
        tomorrow = timezone.now() + timedelta(days=1)
        screen = review_screen(user=nurse, now=tomorrow, learner_settings=learner_settings(nurse))
        assert screen.state is not None and screen.state.card_id == wrong_card
        assert ReviewLog.objects.filter(user=nurse, source=ReviewSource.QUIZ).count() == 1

    staff = Client()
    staff.force_login(instructor)
    report = staff.get(reverse("admin:training_completion_report"), {"group": nurses.pk})
    html = report.content.decode()
    assert report.status_code == 200
    row = re.search(r"<tr class=\"status-passed\">.*?</tr>", html, re.S).group(0)
    assert "Nia Okafor" in row and "100%" in row and "Ward 5 nurses" in row
