"""Quiz submits racing daily answers on the same cards: the review log still replays exactly into
the memory states (`rebuild_memory --check` clean), on SQLite (a database file, writers queue) and
on PostgreSQL (row locks)."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from quizzes.content.models import CardKind
from quizzes.review.errors import DuplicateAnswer, GradeRefused, StaleAnswer
from quizzes.review.models import MemoryStage, MemoryState, ReviewLog, ReviewSource
from quizzes.review.selectors.settings import learner_settings
from quizzes.training.models import Attempt
from quizzes.training.services.attempts import answer_save, attempt_start, attempt_submit
from tests.factories import UserFactory, answer_shown, assign_module, make_module, make_quiz_pool
from tests.review.test_concurrency import concurrent_database  # noqa: F401 (a fixture)

SUBMITTERS = 4
ANSWERERS = 4
ANSWERS_EACH = 6


def _wrong(question) -> dict:
    if question.card.kind == CardKind.CLOZE:
        return {"typed": "morning"}
    return {"choice_ids": [next(c.pk for c in question.card.choices.all() if not c.is_correct)]}


def _open_attempts(user, cards, count: int, now) -> list[Attempt]:
    """`count` open attempts over the same cards, every answer wrong (each mistake is logged)."""
    attempts = []
    for index in range(count):
        module = make_module(cards=cards, questions_per_attempt=len(cards), slug=f"race-{index}")
        assign_module(module, user=user)
        attempt = attempt_start(user=user, module=module, now=now)
        for question in attempt.questions.select_related("card").prefetch_related("card__choices"):
            answer_save(attempt=attempt, question=question, now=now, **_wrong(question))
        attempts.append(attempt)
    return attempts


def _rebuild_check_is_clean() -> bool:
    try:
        call_command("rebuild_memory", "--check", stdout=open("/dev/null", "w"))  # noqa: SIM115
    except SystemExit as stop:
        return stop.code == 0
    return True


def _studied(user, cards, now) -> None:
    for card in cards:
        MemoryState.objects.create(
            user=user,
            card=card,
            unlocked_at=now - timedelta(days=30),
        )
        state = MemoryState.objects.select_related("card").get(user=user, card=card)
        answer_shown(state, rating=3, now=now - timedelta(days=20))


@pytest.mark.django_db(transaction=True)
def test_a_daily_answer_committed_while_the_submit_waits_is_replayed_first(
    concurrent_database,  # noqa: F811
):
    """The submit's request began (and read its clock) before a daily answer to the same card
    committed: its mistakes are still logged after that answer, so the replay matches."""
    user = UserFactory()
    cards = make_quiz_pool()
    started = timezone.now()
    _studied(user, cards, started)
    (attempt,) = _open_attempts(user, cards, 1, started)
    submit_began = timezone.now()  # the request's `now`, taken before it waits for the lock
    card = cards[0]
    state = MemoryState.objects.select_related("card").get(user=user, card=card)
    answered_at = timezone.now()
    answer_shown(state, rating=4, now=answered_at)
    attempt_submit(attempt=attempt, now=submit_began)
    quiz = ReviewLog.objects.get(user=user, card=card, source=ReviewSource.QUIZ)
    assert quiz.reviewed_at >= answered_at
    assert MemoryState.objects.get(user=user, card=card).stage == MemoryStage.RELEARNING
    assert _rebuild_check_is_clean()


@pytest.mark.django_db(transaction=True)
def test_racing_quiz_submits_and_daily_answers_replay_exactly(concurrent_database):  # noqa: F811
    user = UserFactory()
    cards = make_quiz_pool()
    started = timezone.now()
    _studied(user, cards, started)
    attempts = _open_attempts(user, cards, SUBMITTERS, started)
    settings = learner_settings(user)
    barrier = threading.Barrier(SUBMITTERS + ANSWERERS)
    problems: list[str] = []
    applied: list[int] = []

    def submitter(attempt: Attempt) -> None:
        try:
            barrier.wait()
            mine = Attempt.objects.select_related("module").get(pk=attempt.pk)
            attempt_submit(attempt=mine, now=timezone.now())
        except Exception as error:  # recorded, so the assertion shows it
            problems.append(repr(error))
        finally:
            connections.close_all()

    def answerer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            barrier.wait()
            for _ in range(ANSWERS_EACH):
                card = rng.choice(cards)
                rating = rng.choice([1, 3, 4])
                now = timezone.now()  # as the review view does, before its transaction
                state = MemoryState.objects.select_related("card").get(user=user, card=card)
                try:
                    # Checked as the screen does: right for Good/Easy, "Show answer" for Again.
                    answer_shown(state, rating=rating, now=now, learner_settings=settings)
                    applied.append(1)
                except (StaleAnswer, DuplicateAnswer):
                    pass  # the card moved on meanwhile: the learner is shown it again
                except GradeRefused:
                    pass  # another tab checked this showing first: its verdict stands
        except Exception as error:
            problems.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submitter, args=(a,)) for a in attempts]
    threads += [threading.Thread(target=answerer, args=(n,)) for n in range(ANSWERERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert problems == []
    assert Attempt.objects.filter(submitted_at__isnull=True).count() == 0
    assert ReviewLog.objects.filter(source=ReviewSource.QUIZ).count() == SUBMITTERS * len(cards)
    assert applied  # daily answers did land among the submits
    assert _rebuild_check_is_clean()
