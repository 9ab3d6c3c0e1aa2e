"""Twenty identical answers at once (double clicks, two tabs, retries) are applied exactly once;
ten tabs answering ten new cards at once respect the new-card limit."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from quizzes.review.errors import DuplicateAnswer, LimitReached, StaleAnswer
from quizzes.review.models import LearnerSettings, MemoryState, ReviewLog
from quizzes.review.selectors.settings import learner_settings
from quizzes.review.services.recording import review_record
from quizzes.review.tokens import token_issue, token_read
from tests.concurrency import concurrent_database, fire  # noqa: F401  (a fixture)
from tests.factories import CardFactory, MemoryStateFactory, UserFactory

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SUBMISSIONS = 20


def _outcome(error: Exception) -> str:
    if isinstance(error, DuplicateAnswer):
        return "duplicate"
    if isinstance(error, StaleAnswer):
        return "stale"
    if isinstance(error, LimitReached):
        return "limit"
    return f"error: {error!r}"


def _fire(submit, submissions: int = SUBMISSIONS) -> list[str]:
    """Run `submit` in `submissions` threads released together; collect what each one got."""
    return fire(submit, times=submissions, outcome_of=_outcome)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("concurrent_database")
def test_twenty_simultaneous_identical_answers_apply_once():
    user = UserFactory()
    card = CardFactory()
    state = MemoryStateFactory(user=user, card=card, unlocked_at=NOW)
    settings = learner_settings(user)
    shown = token_read(token_issue(user=user, state=state, now=NOW))

    def submit() -> str:
        review_record(
            user=user,
            card=card,
            rating=3,
            now=NOW,
            shown=shown,
            learner_settings=settings,
        )
        return "applied"

    results = _fire(submit)
    assert sorted(results) == ["applied"] + ["duplicate"] * (SUBMISSIONS - 1)
    assert ReviewLog.objects.count() == 1
    state = MemoryState.objects.get(pk=state.pk)
    assert state.version == 1 and state.reps == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("concurrent_database")
def test_twenty_tabs_answering_the_same_card_apply_once():
    user = UserFactory()
    card = CardFactory()
    state = MemoryStateFactory(user=user, card=card, unlocked_at=NOW)
    settings = learner_settings(user)
    # Each tab loaded the page itself: same card and version, a different token.
    tokens = iter(
        [token_read(token_issue(user=user, state=state, now=NOW)) for _ in range(SUBMISSIONS)]
    )
    token_lock = threading.Lock()

    def submit() -> str:
        with token_lock:
            token = next(tokens)
        review_record(
            user=user,
            card=card,
            rating=3,
            now=NOW,
            shown=token,
            learner_settings=settings,
        )
        return "applied"

    results = _fire(submit)
    assert sorted(results) == ["applied"] + ["stale"] * (SUBMISSIONS - 1)
    assert ReviewLog.objects.count() == 1
    assert MemoryState.objects.get(pk=state.pk).version == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("concurrent_database")
def test_ten_tabs_answering_ten_new_cards_at_once_record_only_the_limit():
    """Ten tabs opened at once, each showing another new card (each was within the limit when
    shown), answered at once with a limit of 3 new cards a day: 3 recorded, 7 refused."""
    user = UserFactory()
    LearnerSettings.objects.create(user=user, new_cards_per_day=3)
    states = [MemoryStateFactory(user=user, unlocked_at=NOW) for _ in range(10)]
    settings = learner_settings(user)
    shown = iter([token_read(token_issue(user=user, state=s, now=NOW)) for s in states])
    cards = {state.card_id: state.card for state in states}
    token_lock = threading.Lock()

    def submit() -> str:
        with token_lock:
            token = next(shown)
        review_record(
            user=user,
            card=cards[token.card_id],
            rating=3,
            now=NOW,
            shown=token,
            learner_settings=settings,
        )
        return "applied"

    results = _fire(submit, 10)
    assert sorted(results) == ["applied"] * 3 + ["limit"] * 7
    assert ReviewLog.objects.filter(user=user).count() == 3
    assert MemoryState.objects.filter(user=user, version=1).count() == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("concurrent_database")
def test_twenty_simultaneous_submits_of_one_attempt_grade_it_once():
    from quizzes.content.models import CardKind
    from quizzes.review.models import ReviewSource
    from quizzes.training.models import Attempt, AttemptQuestion, Completion
    from quizzes.training.services.attempts import answer_save, attempt_start, attempt_submit
    from tests.factories import assign_module, make_module, make_quiz_pool

    user = UserFactory()
    module = make_module(cards=make_quiz_pool(), questions_per_attempt=4, pass_mark=50)
    assign_module(module, user=user)
    attempt = attempt_start(user=user, module=module, now=NOW)
    questions = list(attempt.questions.select_related("card").prefetch_related("card__choices"))
    # Two right, two left blank: 50%, a pass, and two mistakes for the review.
    for question in questions:
        if question.card.kind in (CardKind.MCQ, CardKind.TRUE_FALSE):
            right = [c.pk for c in question.card.choices.all() if c.is_correct]
            answer_save(attempt=attempt, question=question, choice_ids=right, now=NOW)

    def submit() -> str:
        # Each click is its own request: its own copy of the attempt, its own connection.
        mine = Attempt.objects.select_related("module").get(pk=attempt.pk)
        graded = attempt_submit(attempt=mine, now=NOW)
        return "graded" if graded.passed else f"not passed: {graded.score}"

    results = _fire(submit)
    assert results == ["graded"] * SUBMISSIONS
    attempt.refresh_from_db()
    assert attempt.submitted_at == NOW and attempt.score == 50
    assert Completion.objects.filter(user=user, module=module).count() == 1
    quiz_logs = ReviewLog.objects.filter(user=user, source=ReviewSource.QUIZ)
    assert quiz_logs.count() == 2
    assert set(MemoryState.objects.filter(user=user).values_list("version", flat=True)) == {1}
    assert not AttemptQuestion.objects.filter(attempt=attempt, fraction__isnull=True).exists()
