"""The exam-grade attempt: no answer lost on submit, the summary before submitting, the timer's
data, pages with the question panel and flags (htmx and plain forms), lessons read first, module
lessons within the module, and where log-in leads."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes.content.models import CardKind
from quizzes.review.models import LessonRead
from quizzes.training.models import Attempt, AttemptQuestion
from quizzes.training.services.attempts import attempt_start, attempt_submit
from tests.factories import LessonFactory, assign_module, make_module, make_quiz_pool

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def lessons(db):
    first = LessonFactory(title="Recognising bone pain")
    return [first, LessonFactory(title="Spinal cord compression", topic=first.topic)]


@pytest.fixture
def module(lessons, student):
    module = make_module(
        cards=make_quiz_pool(lesson=lessons[0]) + make_quiz_pool(lesson=lessons[1]),
        lessons=lessons,
        questions_per_attempt=8,
        questions_per_page=3,
        time_limit_minutes=20,
        attempts_allowed=3,
        slug="bone-essentials",
        shuffle_questions=False,
    )
    assign_module(module, user=student)
    return module


@pytest.fixture
def attempt(module, student):
    return attempt_start(user=student, module=module, now=timezone.now())


def questions_of(attempt):
    return list(
        attempt.questions.select_related("card")
        .prefetch_related("card__choices")
        .order_by("position")
    )


def answer_data(question, *, right: bool = True) -> dict:
    prefix = f"q{question.position}"
    if question.card.kind == CardKind.CLOZE:
        return {f"{prefix}-typed": "night" if right else "morning"}
    choices = [c.pk for c in question.card.choices.all() if c.is_correct == right]
    return {f"{prefix}-choice": choices if right else choices[:1]}


def started(learner, *, questions: int, **fields):
    """An open attempt of `questions` questions drawn from a pool of twelve."""
    module = make_module(
        cards=make_quiz_pool() + make_quiz_pool() + make_quiz_pool(),
        questions_per_attempt=questions,
        slug=f"sized-{questions}",
        **fields,
    )
    assign_module(module, user=learner)
    return attempt_start(user=learner, module=module, now=timezone.now())


def url(name, attempt, *args):
    return reverse(f"training:{name}", args=[attempt.pk, *args])


# --- No answer lost --------------------------------------------------------------------------


def test_a_typed_answer_posted_with_finish_is_saved_before_the_summary(student_client, attempt):
    cloze = next(q for q in questions_of(attempt) if q.card.kind == CardKind.CLOZE)
    page = (cloze.position - 1) // 3 + 1
    response = student_client.post(
        url("attempt_save", attempt),
        {"page": page, "go": "summary", f"q{cloze.position}-typed": "Night "},
    )
    assert response["Location"] == url("attempt_summary", attempt)
    assert AttemptQuestion.objects.get(pk=cloze.pk).response == "Night"


def test_the_submit_saves_the_answers_it_carries_in_the_same_transaction(student_client, attempt):
    data = {}
    for question in questions_of(attempt):
        data.update(answer_data(question))
    response = student_client.post(url("attempt_submit", attempt), data)
    assert response["Location"] == url("attempt_result", attempt)
    attempt.refresh_from_db()
    assert attempt.score == 100 and attempt.passed


def test_a_late_autosave_equal_to_the_submitted_answer_is_accepted(student_client, attempt):
    question = questions_of(attempt)[0]
    student_client.post(url("attempt_submit", attempt), answer_data(question))
    late = student_client.post(
        url("attempt_answer", attempt, question.position), answer_data(question), **HTMX
    )
    assert late.status_code == 200
    assert "Saved" in late.content.decode()


def test_a_late_autosave_that_differs_is_refused_with_a_clear_message(student_client, attempt):
    question = questions_of(attempt)[0]
    student_client.post(url("attempt_submit", attempt), answer_data(question))
    late = student_client.post(
        url("attempt_answer", attempt, question.position),
        answer_data(question, right=False),
        **HTMX,
    )
    assert late.status_code == 409
    assert late["HX-Redirect"] == url("attempt_result", attempt)
    result = student_client.get(url("attempt_result", attempt)).content.decode()
    assert f"this change to question {question.position} does not count" in result
    assert AttemptQuestion.objects.get(pk=question.pk).fraction == 1


def test_answers_carried_after_the_deadline_are_not_saved(student_client, attempt):
    question = questions_of(attempt)[0]
    later = attempt.deadline + timedelta(seconds=2)
    with patch("django.utils.timezone.now", return_value=later):
        response = student_client.post(url("attempt_submit", attempt), answer_data(question))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline
    assert AttemptQuestion.objects.get(pk=question.pk).response is None
    assert "Time is up" in student_client.get(response["Location"]).content.decode()


# --- Pages, panel, flags ---------------------------------------------------------------------


def test_pages_show_their_questions_and_the_panel_shows_all(student_client, attempt):
    html = student_client.get(url("attempt", attempt) + "?page=2").content.decode()
    assert "page 2 of 3" in html
    shown = re.findall(r'<article class="flashcard quiz-question" id="q-(\d+)"', html)
    assert shown == ["4", "5", "6"]
    assert re.findall(r'id="nav-q-(\d+)"', html) == [str(n) for n in range(1, 9)]
    assert html.count("is-current") == 3
    assert 'value="page-1">← Previous page' in html and 'value="page-3">Next page' in html
    out_of_range = student_client.get(url("attempt", attempt) + "?page=99").content.decode()
    assert "page 3 of 3" in out_of_range and "Next page" not in out_of_range


def test_next_page_saves_the_page_and_moves_on(student_client, attempt):
    first = questions_of(attempt)[0]
    response = student_client.post(
        url("attempt_save", attempt), {"page": 1, "go": "page-2", **answer_data(first)}
    )
    assert response["Location"] == url("attempt", attempt) + "?page=2"
    assert AttemptQuestion.objects.get(pk=first.pk).response is not None


def test_a_panel_button_goes_to_the_page_of_its_question(student_client, attempt):
    response = student_client.post(url("attempt_save", attempt), {"page": 1, "go": "question-7"})
    assert response["Location"] == url("attempt", attempt) + "?page=3#q-7"


def test_flag_without_javascript_saves_the_page_and_marks_the_question(student_client, attempt):
    first, second, *_ = questions_of(attempt)
    response = student_client.post(
        url("attempt_save", attempt), {"page": 1, "flag": "on-2", **answer_data(first)}
    )
    assert response["Location"] == url("attempt", attempt) + "#q-2"
    assert AttemptQuestion.objects.get(pk=second.pk).flagged
    assert AttemptQuestion.objects.get(pk=first.pk).response is not None
    html = student_client.get(url("attempt", attempt)).content.decode()
    assert 'value="off-2" aria-pressed="true"' in html
    assert "panel-q is-answered is-current" in html and "is-flagged" in html


def test_flag_with_htmx_swaps_the_button_and_its_panel_entry(student_client, attempt):
    response = student_client.post(url("attempt_flag", attempt, 1), {"flag": "on-1"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<button type="submit" class="button flag-button" id="flag-1"')
    assert 'aria-pressed="true"' in html and 'id="nav-q-1"' in html and "is-flagged" in html
    plain = student_client.post(url("attempt_flag", attempt, 1), {"flag": "off-1"})
    assert plain.status_code == 302
    assert not AttemptQuestion.objects.get(attempt=attempt, position=1).flagged


def test_malformed_page_posts_are_400_and_write_nothing(student_client, attempt):
    for data in ({"go": "page-x"}, {"flag": "maybe-1"}, {"page": "-3"}):
        response = student_client.post(url("attempt_save", attempt), data)
        assert response.status_code == 400
    assert student_client.post(url("attempt_flag", attempt, 1), {"flag": "1"}).status_code == 400
    assert not AttemptQuestion.objects.filter(attempt=attempt, flagged=True).exists()


def test_a_bad_answer_on_a_page_is_reported_and_the_others_saved(student_client, attempt):
    first, second, _ = questions_of(attempt)[:3]
    data = {"page": 1, "go": "page-2", **answer_data(second), f"q{first.position}-choice": "999"}
    response = student_client.post(url("attempt_save", attempt), data, follow=True)
    assert "Question 1:" in response.content.decode()
    assert AttemptQuestion.objects.get(pk=second.pk).response is not None
    assert AttemptQuestion.objects.get(pk=first.pk).response is None


@pytest.mark.parametrize("questions", [3, 9])
def test_attempt_page_query_count_is_constant(
    student_client, student, questions, django_assert_max_num_queries
):
    attempt = started(student, questions=questions, questions_per_page=3)
    with django_assert_max_num_queries(9):
        assert student_client.get(url("attempt", attempt) + "?page=1").status_code == 200


# --- Summary ---------------------------------------------------------------------------------


def test_summary_lists_each_question_and_confirms_what_submitting_uses(student_client, attempt):
    first, second, *_ = questions_of(attempt)
    student_client.post(url("attempt_answer", attempt, 1), answer_data(first))
    student_client.post(url("attempt_flag", attempt, 2), {"flag": "on-2"})
    html = student_client.get(url("attempt_summary", attempt)).content.decode()
    assert "Summary of attempt 1" in html
    assert html.count('badge badge-good">Answered') == 1
    assert html.count('badge badge-warn">Not answered') == 7
    assert "⚑ Flagged" in html
    assert f'href="{url("attempt", attempt)}?page=3#q-8"' in html
    assert "7 questions are not answered and will score zero." in html
    assert "After this you have 2 attempts left." in html
    assert html.count("Submit all and finish") == 3  # button, dialog heading, dialog button
    assert 'action="' + url("attempt_submit", attempt) + '"' in html


def test_summary_of_the_last_attempt_says_so(student_client, module, student):
    module.attempts_allowed = 1
    module.save()
    attempt = attempt_start(user=student, module=module, now=timezone.now())
    assert (
        "This is your last attempt."
        in student_client.get(url("attempt_summary", attempt)).content.decode()
    )


def test_summary_of_a_submitted_attempt_goes_to_the_result(student_client, attempt):
    attempt_submit(attempt=attempt, now=timezone.now())
    response = student_client.get(url("attempt_summary", attempt))
    assert response["Location"] == url("attempt_result", attempt)


def test_the_timer_gets_the_servers_deadline_and_clock(student_client, attempt):
    now = timezone.now()
    with patch("django.utils.timezone.now", return_value=now):
        html = student_client.get(url("attempt", attempt)).content.decode()
    deadline = int(re.search(r'data-deadline="(\d+)"', html).group(1))
    server_now = int(re.search(r'data-server-now="(\d+)"', html).group(1))
    assert deadline == int(attempt.deadline.timestamp() * 1000)
    assert server_now == int(now.timestamp() * 1000)
    assert 'role="timer"' in html and 'aria-live="assertive"' in html
    assert 'data-timer-form="attempt-form"' in html
    assert f'data-submit-url="{url("attempt_submit", attempt)}"' in html
    assert "<script>" not in html and "style=" not in html


# --- Lessons first, module lessons, log-in ---------------------------------------------------


def test_the_quiz_waits_until_every_lesson_is_read(student_client, module, lessons):
    module.lessons_required = True
    module.save()
    html = student_client.get(module.get_absolute_url()).content.decode()
    assert "Read these 2 lessons before starting the quiz" in html
    assert "“Recognising bone pain”; “Spinal cord compression”" in html
    refused = student_client.post(reverse("training:attempt_start", args=[module.slug]))
    assert refused.status_code == 403 and not Attempt.objects.exists()
    for lesson in lessons:
        student_client.get(reverse("training:module_lesson", args=[module.slug, lesson.pk]))
    html = student_client.get(module.get_absolute_url()).content.decode()
    assert "before starting the quiz" not in html
    assert (
        student_client.post(reverse("training:attempt_start", args=[module.slug])).status_code
        == 302
    )


def test_a_module_lesson_opens_within_the_module(student_client, module, lessons, student):
    module.lessons_required = True
    module.save()
    first = reverse("training:module_lesson", args=[module.slug, lessons[0].pk])
    html = student_client.get(first).content.decode()
    assert "Lesson 1 of 2" in html and module.get_absolute_url() in html
    assert "Back to module" in html and "Next lesson: Spinal cord compression" in html
    assert "unlocked for review" not in html and "Start quiz" not in html
    assert list(LessonRead.objects.filter(user=student).values_list("lesson", flat=True)) == [
        lessons[0].pk
    ]
    last = student_client.get(
        reverse("training:module_lesson", args=[module.slug, lessons[1].pk])
    ).content.decode()
    assert "Previous lesson" in last and "Start quiz" in last


def test_a_lesson_outside_the_module_is_404(student_client, module):
    other = LessonFactory()
    response = student_client.get(reverse("training:module_lesson", args=[module.slug, other.pk]))
    assert response.status_code == 404
    assert not LessonRead.objects.exists()


def test_log_in_leads_a_learner_with_training_to_do_to_my_training(client, module, student):
    response = client.post(
        reverse("login"), {"username": student.username, "password": "correct-horse-battery"}
    )
    assert response["Location"] == reverse("training:after_login")
    assert client.get(response["Location"])["Location"] == reverse("training:training")


def test_log_in_leads_everyone_else_to_the_topics(client, other_student):
    client.force_login(other_student)
    assert client.get(reverse("training:after_login"))["Location"] == reverse("review:home")


@pytest.mark.parametrize("questions", [3, 9])
def test_summary_query_count_is_constant(
    student_client, student, questions, django_assert_max_num_queries
):
    attempt = started(student, questions=questions, time_limit_minutes=30)
    with django_assert_max_num_queries(7):
        assert student_client.get(url("attempt_summary", attempt)).status_code == 200


def test_the_timers_own_submit_may_arrive_a_moment_late_with_its_answers(student_client, attempt):
    question = questions_of(attempt)[0]
    just_late = attempt.deadline + timedelta(seconds=2)
    with patch("django.utils.timezone.now", return_value=just_late):
        response = student_client.post(
            url("attempt_submit", attempt), {"timer": "1", **answer_data(question)}
        )
    assert AttemptQuestion.objects.get(pk=question.pk).response is not None
    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline
    assert "submitted automatically" in student_client.get(response["Location"]).content.decode()
    too_late = attempt_start(user=attempt.user, module=attempt.module, now=timezone.now())
    second = questions_of(too_late)[0]
    with patch("django.utils.timezone.now", return_value=too_late.deadline + timedelta(seconds=30)):
        student_client.post(url("attempt_submit", too_late), {"timer": "1", **answer_data(second)})
    assert AttemptQuestion.objects.get(pk=second.pk).response is None


def test_a_module_lesson_read_does_not_unlock_cards_published_later(
    student_client, module, lessons, student, instructor
):
    """Reading a lesson within a module unlocks no cards (the quiz's answers would show in daily
    review), and neither does a card of that topic published afterwards (cards_published)."""
    from quizzes.content.models import CardStatus
    from quizzes.content.services.publishing import cards_publish
    from quizzes.review.models import MemoryState
    from tests.factories import CardFactory

    student_client.get(reverse("training:module_lesson", args=[module.slug, lessons[0].pk]))
    later = CardFactory(lesson=lessons[0], status=CardStatus.DRAFT)
    result = cards_publish(cards=[later], now=timezone.now(), by=None, note="Reviewed as a file.")
    assert result.published == [later]
    assert not MemoryState.objects.filter(user=student).exists()
    # Opening the topic itself is what unlocks its cards, the later one included.
    student_client.get(lessons[0].topic.get_absolute_url())
    assert MemoryState.objects.filter(user=student, card=later).exists()
