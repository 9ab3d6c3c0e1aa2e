"""Training services: drawing, resuming, answering, the time limit, attempt limits, grading once,
completions, and mistakes entering the daily review."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from quizzes.content.models import CardKind, CardStatus
from quizzes.review.models import MemoryStage, MemoryState, ReviewLog, ReviewSource
from quizzes.review.selectors.queue import review_screen
from quizzes.review.selectors.settings import learner_settings
from quizzes.review.services.checking import answer_reveal
from quizzes.review.services.reading import lesson_read
from quizzes.review.services.recording import review_record
from quizzes.training.errors import (
    AlreadyAnswered,
    AttemptFinished,
    InvalidAnswer,
    LessonsUnread,
    ModuleClosed,
    NoAttemptsLeft,
    NotAssigned,
    QuestionChanged,
    TimeUp,
)
from quizzes.training.models import Attempt, AttemptQuestion, Completion, FeedbackPolicy
from quizzes.training.services.attempts import (
    CLOSED_MESSAGE,
    answer_save,
    attempt_start,
    attempt_submit,
    attempts_expire,
)
from tests.factories import UserFactory, assign_module, make_module, make_quiz_pool, shown

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def pool(db):
    return make_quiz_pool()


@pytest.fixture
def module(pool, student):
    module = make_module(cards=pool, questions_per_attempt=4, time_limit_minutes=20)
    assign_module(module, user=student)
    return module


def right_answer(question: AttemptQuestion) -> dict:
    card = question.card
    if card.kind == CardKind.CLOZE:
        return {"typed": "Night"}
    return {"choice_ids": [c.pk for c in card.choices.all() if c.is_correct]}


def wrong_answer(question: AttemptQuestion) -> dict:
    card = question.card
    if card.kind == CardKind.CLOZE:
        return {"typed": "morning"}
    return {"choice_ids": [next(c.pk for c in card.choices.all() if not c.is_correct)]}


def questions_of(attempt):
    return list(attempt.questions.select_related("card").prefetch_related("card__choices"))


def answer_all(attempt, answer=right_answer, *, now=NOW):
    for question in questions_of(attempt):
        answer_save(attempt=attempt, question=question, now=now, **answer(question))


# --- Starting and resuming -------------------------------------------------------------------


def test_start_draws_the_questions_per_attempt_from_the_pool(module, student, pool):
    module.questions_per_attempt = 3
    module.save()
    attempt = attempt_start(user=student, module=module, now=NOW, rng=random.Random(1))
    questions = questions_of(attempt)
    assert [q.position for q in questions] == [1, 2, 3]
    assert len({q.card_id for q in questions}) == 3
    assert {q.card_id for q in questions} <= {card.pk for card in pool}
    for question in questions:
        assert sorted(question.choice_order) == sorted(c.pk for c in question.card.choices.all())
    assert attempt.number == 1
    assert attempt.started_at == NOW
    assert attempt.deadline == NOW + timedelta(minutes=20)


def test_each_attempt_draws_afresh(module, student, pool):
    module.questions_per_attempt = 2
    module.save()
    drawn = set()
    for seed in range(6):
        attempt = attempt_start(user=student, module=module, now=NOW, rng=random.Random(seed))
        drawn |= {q.card_id for q in attempt.questions.all()}
        attempt_submit(attempt=attempt, now=NOW)
    assert len(drawn) > 2


def test_starting_again_resumes_the_same_attempt_with_the_same_questions(module, student):
    first = attempt_start(user=student, module=module, now=NOW)
    question = questions_of(first)[0]
    answer_save(attempt=first, question=question, now=NOW, **right_answer(question))
    shown = list(first.questions.values_list("card_id", "choice_order"))
    again = attempt_start(user=student, module=module, now=NOW + timedelta(minutes=5))
    assert again.pk == first.pk
    assert list(again.questions.values_list("card_id", "choice_order")) == shown
    assert again.questions.get(pk=question.pk).response is not None
    assert Attempt.objects.count() == 1


def test_unshuffled_module_keeps_pool_and_choice_order(pool, student):
    module = make_module(
        cards=pool, questions_per_attempt=4, shuffle_questions=False, shuffle_choices=False
    )
    assign_module(module, user=student)
    attempt = attempt_start(user=student, module=module, now=NOW, rng=random.Random(3))
    assert [q.card_id for q in questions_of(attempt)] == [card.pk for card in pool]
    for question in questions_of(attempt):
        assert question.choice_order == [c.pk for c in question.card.choices.all()]


def test_only_published_quiz_cards_are_drawn(student, pool):
    pool[0].status = CardStatus.DRAFT
    pool[0].save()
    from tests.factories import CardFactory

    basic = CardFactory()
    module = make_module(cards=[*pool, basic], questions_per_attempt=5)
    assign_module(module, user=student)
    attempt = attempt_start(user=student, module=module, now=NOW)
    assert {q.card_id for q in attempt.questions.all()} == {c.pk for c in pool[1:]}


def test_group_assignment_lets_members_start(pool, student):
    group = Group.objects.create(name="Ward 5 nurses")
    student.groups.add(group)
    module = make_module(cards=pool, questions_per_attempt=2)
    assign_module(module, group=group)
    assert attempt_start(user=student, module=module, now=NOW).user == student


def test_unassigned_module_cannot_be_started(pool, other_student, module):
    with pytest.raises(NotAssigned):
        attempt_start(user=other_student, module=module, now=NOW)
    assert not Attempt.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"is_published": False},
        {"available_from": NOW + timedelta(days=1)},
        {"available_until": NOW},
        {"available_until": NOW - timedelta(days=1)},
    ],
)
def test_closed_module_cannot_be_started(module, student, change):
    for name, value in change.items():
        setattr(module, name, value)
    module.save()
    with pytest.raises(ModuleClosed):
        attempt_start(user=student, module=module, now=NOW)
    assert not Attempt.objects.exists()


def test_module_without_questions_cannot_be_started(student):
    module = make_module(cards=[])
    assign_module(module, user=student)
    with pytest.raises(ModuleClosed, match="no questions"):
        attempt_start(user=student, module=module, now=NOW)


def test_attempts_beyond_the_limit_cannot_be_started(module, student):
    module.attempts_allowed = 2
    module.save()
    for _ in range(2):
        attempt = attempt_start(user=student, module=module, now=NOW)
        answer_all(attempt, wrong_answer)
        attempt_submit(attempt=attempt, now=NOW)
    with pytest.raises(NoAttemptsLeft, match="all 2 attempts"):
        attempt_start(user=student, module=module, now=NOW)
    assert Attempt.objects.count() == 2


def test_unlimited_attempts_when_zero(module, student):
    module.attempts_allowed = 0
    module.save()
    for number in range(1, 5):
        attempt = attempt_start(user=student, module=module, now=NOW)
        assert attempt.number == number
        attempt_submit(attempt=attempt, now=NOW)


# --- Answering -------------------------------------------------------------------------------


def test_answer_is_saved_at_once(module, student):
    attempt = attempt_start(user=student, module=module, now=NOW)
    for question in questions_of(attempt):
        answer_save(attempt=attempt, question=question, now=NOW, **right_answer(question))
        stored = AttemptQuestion.objects.get(pk=question.pk)
        assert stored.response is not None
        assert stored.answered_at == NOW
        assert stored.fraction is None  # graded on submit


def test_changing_an_answer_before_submit_keeps_the_last_one(module, student):
    attempt = attempt_start(user=student, module=module, now=NOW)
    question = next(q for q in questions_of(attempt) if q.card.kind == CardKind.MCQ)
    answer_save(attempt=attempt, question=question, now=NOW, **wrong_answer(question))
    answer_save(attempt=attempt, question=question, now=NOW, **right_answer(question))
    assert (
        AttemptQuestion.objects.get(pk=question.pk).response == right_answer(question)["choice_ids"]
    )


def test_tampered_choice_id_is_refused_and_nothing_written(module, student):
    attempt = attempt_start(user=student, module=module, now=NOW)
    question = next(q for q in questions_of(attempt) if q.card.has_choices)
    with pytest.raises(InvalidAnswer, match="not part of this question"):
        answer_save(attempt=attempt, question=question, choice_ids=[999_999], now=NOW)
    assert AttemptQuestion.objects.get(pk=question.pk).response is None


@pytest.mark.parametrize(
    ("kind", "answer"),
    [
        (CardKind.MCQ, {"choice_ids": []}),
        (CardKind.TRUE_FALSE, {"choice_ids": "both"}),
        (CardKind.CLOZE, {"typed": "   "}),
        (CardKind.CLOZE, {"typed": "x" * 501}),
    ],
)
def test_malformed_answers_are_refused(module, student, kind, answer):
    attempt = attempt_start(user=student, module=module, now=NOW)
    question = next(q for q in questions_of(attempt) if q.card.kind == kind)
    if answer.get("choice_ids") == "both":
        answer = {"choice_ids": question.choice_order}
    with pytest.raises(InvalidAnswer):
        answer_save(attempt=attempt, question=question, now=NOW, **answer)
    assert AttemptQuestion.objects.get(pk=question.pk).response is None


def test_question_of_another_attempt_is_refused(module, student, other_student, pool):
    assign_module(module, user=other_student)
    mine = attempt_start(user=student, module=module, now=NOW)
    theirs = attempt_start(user=other_student, module=module, now=NOW)
    question = questions_of(theirs)[0]
    with pytest.raises(InvalidAnswer):
        answer_save(attempt=mine, question=question, now=NOW, **right_answer(question))
    assert AttemptQuestion.objects.get(pk=question.pk).response is None


def test_answer_after_submit_is_refused(module, student):
    attempt = attempt_start(user=student, module=module, now=NOW)
    attempt_submit(attempt=attempt, now=NOW)
    question = questions_of(attempt)[0]
    with pytest.raises(AttemptFinished):
        answer_save(attempt=attempt, question=question, now=NOW, **right_answer(question))
    assert AttemptQuestion.objects.get(pk=question.pk).response is None


def test_immediate_feedback_makes_the_first_answer_final(module, student):
    module.feedback_policy = FeedbackPolicy.IMMEDIATE
    module.save()
    attempt = attempt_start(user=student, module=module, now=NOW)
    question = next(q for q in questions_of(attempt) if q.card.kind == CardKind.MCQ)
    # Saved as the learner goes, an answer may still change until "Check answer"...
    answer_save(attempt=attempt, question=question, now=NOW, **right_answer(question))
    answer_save(attempt=attempt, question=question, now=NOW, check=True, **wrong_answer(question))
    # ...which makes it final, and puts the mistake in the daily review at once.
    with pytest.raises(AlreadyAnswered):
        answer_save(attempt=attempt, question=question, now=NOW, **right_answer(question))
    assert (
        AttemptQuestion.objects.get(pk=question.pk).response == wrong_answer(question)["choice_ids"]
    )
    assert ReviewLog.objects.filter(token=f"quiz-{question.pk}", source=ReviewSource.QUIZ).exists()


# --- Time limit ------------------------------------------------------------------------------


def test_answer_just_before_the_deadline_is_accepted(module, student):
    attempt = attempt_start(user=student, module=module, now=NOW)
    question = questions_of(attempt)[0]
    late = NOW + timedelta(minutes=20) - timedelta(seconds=1)
    answer_save(attempt=attempt, question=question, now=late, **right_answer(question))
    assert AttemptQuestion.objects.get(pk=question.pk).answered_at == late


def test_answer_after_the_deadline_is_refused_and_the_attempt_graded(module, student):
    attempt = attempt_start(user=student, module=module, now=NOW)
    first, second, *_ = questions_of(attempt)
    answer_save(
        attempt=attempt, question=first, now=NOW + timedelta(minutes=5), **right_answer(first)
    )
    with pytest.raises(TimeUp, match="Time is up"):
        answer_save(
            attempt=attempt,
            question=second,
            now=NOW + timedelta(minutes=21),
            **right_answer(second),
        )
    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline
    assert attempt.score == Decimal("25.00")  # only the answer saved in time counts
    assert AttemptQuestion.objects.get(pk=second.pk).response is None
    assert AttemptQuestion.objects.get(pk=first.pk).fraction == 1


def test_expired_attempt_is_graded_when_starting_again(module, student):
    attempt = attempt_start(user=student, module=module, now=NOW)
    answer_all(attempt)
    later = NOW + timedelta(hours=1)
    new = attempt_start(user=student, module=module, now=later)
    attempt.refresh_from_db()
    assert new.pk != attempt.pk
    assert attempt.submitted_at == attempt.deadline
    assert attempt.passed is True
    assert new.number == 2


def test_expired_attempt_counts_against_the_limit(module, student):
    module.attempts_allowed = 1
    module.save()
    attempt_start(user=student, module=module, now=NOW)
    with pytest.raises(NoAttemptsLeft):
        attempt_start(user=student, module=module, now=NOW + timedelta(hours=1))
    assert Attempt.objects.get().submitted_at is not None


def test_module_without_time_limit_has_no_deadline(pool, student):
    module = make_module(cards=pool, questions_per_attempt=2)
    assign_module(module, user=student)
    attempt = attempt_start(user=student, module=module, now=NOW)
    assert attempt.deadline is None
    question = questions_of(attempt)[0]
    answer_save(
        attempt=attempt, question=question, now=NOW + timedelta(days=3), **right_answer(question)
    )


# --- The module closing ----------------------------------------------------------------------


def test_deadline_is_capped_at_the_module_closing(module, student):
    module.available_until = NOW + timedelta(minutes=10)
    module.save()
    attempt = attempt_start(user=student, module=module, now=NOW)
    assert attempt.deadline == NOW + timedelta(minutes=10)  # not the 20-minute limit


def test_module_closing_sets_the_deadline_without_a_time_limit(pool, student):
    module = make_module(
        cards=pool, questions_per_attempt=2, available_until=NOW + timedelta(days=1)
    )
    assign_module(module, user=student)
    assert attempt_start(user=student, module=module, now=NOW).deadline == NOW + timedelta(days=1)


def test_deadline_is_the_time_limit_when_the_module_closes_later(module, student):
    module.available_until = NOW + timedelta(days=1)
    module.save()
    attempt = attempt_start(user=student, module=module, now=NOW)
    assert attempt.deadline == NOW + timedelta(minutes=20)


def test_answer_after_the_module_closed_is_refused_and_the_attempt_graded(pool, student):
    closes = NOW + timedelta(hours=2)
    module = make_module(cards=pool, questions_per_attempt=4, available_until=closes)
    assign_module(module, user=student)
    attempt = attempt_start(user=student, module=module, now=NOW)
    first, second, *_ = questions_of(attempt)
    answer_save(
        attempt=attempt, question=first, now=closes - timedelta(seconds=1), **right_answer(first)
    )
    with pytest.raises(TimeUp, match="module has closed") as refused:
        answer_save(attempt=attempt, question=second, now=closes, **right_answer(second))
    assert str(refused.value) == CLOSED_MESSAGE
    attempt.refresh_from_db()
    assert attempt.submitted_at == closes
    assert attempt.score == Decimal("25.00")  # only what was saved before it closed
    assert AttemptQuestion.objects.get(pk=second.pk).response is None


def test_module_closed_early_mid_attempt_stops_answers(module, student):
    attempt = attempt_start(user=student, module=module, now=NOW)  # deadline NOW + 20 min
    module.available_until = NOW + timedelta(minutes=5)  # the instructor closes it early
    module.save()
    attempt.refresh_from_db()
    question = questions_of(attempt)[0]
    with pytest.raises(TimeUp, match="module has closed"):
        answer_save(
            attempt=attempt,
            question=question,
            now=NOW + timedelta(minutes=6),
            **right_answer(question),
        )
    attempt.refresh_from_db()
    assert attempt.submitted_at == NOW + timedelta(minutes=5)


def test_submit_after_the_module_closed_is_stamped_at_the_closing(pool, student):
    closes = NOW + timedelta(hours=1)
    module = make_module(cards=pool, questions_per_attempt=2, available_until=closes)
    assign_module(module, user=student)
    attempt = attempt_start(user=student, module=module, now=NOW)
    graded = attempt_submit(attempt=attempt, now=closes + timedelta(days=2))
    assert graded.submitted_at == closes


def test_attempts_expire_grades_only_attempts_whose_time_is_up(pool, student):
    timed = make_module(cards=pool, questions_per_attempt=2, time_limit_minutes=10)
    closing = make_module(cards=pool, questions_per_attempt=2)
    running = make_module(cards=pool, questions_per_attempt=2, time_limit_minutes=60)
    for module in (timed, closing, running):
        assign_module(module, user=student)
    first = attempt_start(user=student, module=timed, now=NOW)
    second = attempt_start(user=student, module=closing, now=NOW)
    third = attempt_start(user=student, module=running, now=NOW)
    closing.available_until = NOW + timedelta(minutes=15)
    closing.save()
    assert attempts_expire(user=student, now=NOW + timedelta(minutes=30)) == 2
    for attempt, submitted in [
        (first, NOW + timedelta(minutes=10)),
        (second, NOW + timedelta(minutes=15)),
        (third, None),
    ]:
        attempt.refresh_from_db()
        assert attempt.submitted_at == submitted
    assert attempts_expire(user=student, now=NOW + timedelta(minutes=30)) == 0


# --- A card changed after it was drawn -------------------------------------------------------


def test_card_changed_to_another_kind_earns_zero_and_submit_still_grades(module, student):
    attempt = attempt_start(user=student, module=module, now=NOW)
    answer_all(attempt)
    changed = next(q for q in questions_of(attempt) if q.card.kind == CardKind.MCQ)
    changed.card.kind = CardKind.BASIC  # the instructor turned it into a plain flashcard
    changed.card.save()
    graded = attempt_submit(attempt=attempt, now=NOW)
    assert graded.score == Decimal("75.00")
    assert AttemptQuestion.objects.get(pk=changed.pk).fraction == 0
    # Not the learner's mistake: it is not sent to her review.
    assert not ReviewLog.objects.filter(card=changed.card).exists()


def test_card_changed_between_choice_kinds_is_not_graded_as_drawn(module, student):
    attempt = attempt_start(user=student, module=module, now=NOW)
    answer_all(attempt)
    changed = next(q for q in questions_of(attempt) if q.card.kind == CardKind.MCQ)
    changed.card.kind = CardKind.MULTI_SELECT
    changed.card.save()
    attempt_submit(attempt=attempt, now=NOW)
    assert AttemptQuestion.objects.get(pk=changed.pk).fraction == 0


def test_answer_to_a_changed_question_is_refused(module, student):
    attempt = attempt_start(user=student, module=module, now=NOW)
    question = next(q for q in questions_of(attempt) if q.card.kind == CardKind.CLOZE)
    question.card.kind = CardKind.BASIC
    question.card.save()
    with pytest.raises(QuestionChanged):
        answer_save(attempt=attempt, question=question, now=NOW, typed="night")
    assert AttemptQuestion.objects.get(pk=question.pk).response is None


# --- Submitting ------------------------------------------------------------------------------


def test_all_right_passes_and_records_the_completion(module, student):
    attempt = attempt_start(user=student, module=module, now=NOW)
    answer_all(attempt)
    graded = attempt_submit(attempt=attempt, now=NOW + timedelta(minutes=3))
    assert graded.score == Decimal("100.00")
    assert graded.passed is True
    completion = Completion.objects.get(user=student, module=module)
    assert completion.attempt_id == attempt.pk
    assert completion.score == Decimal("100.00")
    assert completion.completed_at == NOW + timedelta(minutes=3)
    assert not ReviewLog.objects.exists()


def test_below_pass_mark_fails_without_completion(module, student):
    attempt = attempt_start(user=student, module=module, now=NOW)
    questions = questions_of(attempt)
    for index, question in enumerate(questions):
        answer = right_answer if index < 3 else wrong_answer
        answer_save(attempt=attempt, question=question, now=NOW, **answer(question))
    graded = attempt_submit(attempt=attempt, now=NOW)
    assert graded.score == Decimal("75.00")
    assert graded.passed is False
    assert not Completion.objects.exists()


def test_partial_credit_module_scores_multi_select_partly(pool, student):
    module = make_module(cards=pool, questions_per_attempt=4, partial_credit=True)
    assign_module(module, user=student)
    attempt = attempt_start(user=student, module=module, now=NOW)
    for question in questions_of(attempt):
        answer = right_answer(question)
        if question.card.kind == CardKind.MULTI_SELECT:
            answer = {"choice_ids": answer["choice_ids"][:1]}
        answer_save(attempt=attempt, question=question, now=NOW, **answer)
    graded = attempt_submit(attempt=attempt, now=NOW)
    assert graded.score == Decimal("87.50")
    multi = attempt.questions.get(card__kind=CardKind.MULTI_SELECT)
    assert multi.fraction == Decimal("0.5")


def test_double_submit_grades_once(module, student):
    attempt = attempt_start(user=student, module=module, now=NOW)
    answer_all(attempt, wrong_answer)
    first = attempt_submit(attempt=attempt, now=NOW)
    logs = ReviewLog.objects.count()
    second = attempt_submit(attempt=attempt, now=NOW + timedelta(minutes=1))
    assert second.submitted_at == first.submitted_at == NOW
    assert second.score == first.score
    assert ReviewLog.objects.count() == logs == 4


def test_first_pass_stays_the_completion(module, student):
    first = attempt_start(user=student, module=module, now=NOW)
    answer_all(first)
    attempt_submit(attempt=first, now=NOW)
    second = attempt_start(user=student, module=module, now=NOW + timedelta(days=1))
    answer_all(second, now=NOW + timedelta(days=1))
    attempt_submit(attempt=second, now=NOW + timedelta(days=1))
    completion = Completion.objects.get()
    assert completion.attempt_id == first.pk
    assert completion.completed_at == NOW


def test_wrong_answers_enter_tomorrows_review(module, student, pool):
    attempt = attempt_start(user=student, module=module, now=NOW)
    questions = questions_of(attempt)
    wrong_cards = set()
    for index, question in enumerate(questions):
        if index % 2:
            wrong_cards.add(question.card_id)
            answer_save(attempt=attempt, question=question, now=NOW, **wrong_answer(question))
        else:
            answer_save(attempt=attempt, question=question, now=NOW, **right_answer(question))
    attempt_submit(attempt=attempt, now=NOW)

    logs = ReviewLog.objects.filter(user=student)
    assert set(logs.values_list("card_id", flat=True)) == wrong_cards
    assert set(logs.values_list("source", flat=True)) == {ReviewSource.QUIZ}
    assert set(logs.values_list("rating", flat=True)) == {1}
    assert set(logs.values_list("token", flat=True)) == {
        f"quiz-{q.pk}" for q in questions if q.card_id in wrong_cards
    }
    states = MemoryState.objects.filter(user=student)
    assert set(states.values_list("card_id", flat=True)) == wrong_cards
    tomorrow = NOW + timedelta(days=1)
    for state in states:
        assert state.stage in (MemoryStage.LEARNING, MemoryStage.RELEARNING)
        assert state.due <= tomorrow
    screen = review_screen(user=student, now=tomorrow, learner_settings=learner_settings(student))
    assert screen.learning == len(wrong_cards)
    assert screen.state.card_id in wrong_cards


def test_blank_answers_also_enter_the_review(module, student):
    attempt = attempt_start(user=student, module=module, now=NOW)
    attempt_submit(attempt=attempt, now=NOW)
    assert ReviewLog.objects.filter(user=student, source=ReviewSource.QUIZ).count() == 4


def test_quiz_mistake_on_a_card_already_in_review_sends_it_back_to_relearning(module, student):
    attempt = attempt_start(user=student, module=module, now=NOW)
    question = questions_of(attempt)[0]
    MemoryState.objects.create(
        user=student,
        card=question.card,
        stage=MemoryStage.REVIEW,
        stability=30,
        difficulty=5,
        due=NOW + timedelta(days=20),
        last_review=NOW - timedelta(days=10),
        reps=4,
        unlocked_at=NOW - timedelta(days=30),
    )
    answer_save(attempt=attempt, question=question, now=NOW, **wrong_answer(question))
    attempt_submit(attempt=attempt, now=NOW)
    state = MemoryState.objects.get(user=student, card=question.card)
    assert state.stage == MemoryStage.RELEARNING
    assert state.due < NOW + timedelta(days=1)


@pytest.mark.parametrize("wrong", [2, 8])
def test_submit_query_count_does_not_grow_with_wrong_questions(
    student, wrong, django_assert_max_num_queries
):
    module = make_module(cards=make_quiz_pool() + make_quiz_pool(), questions_per_attempt=wrong)
    assign_module(module, user=student)
    attempt = attempt_start(user=student, module=module, now=NOW)
    # savepoint, claim, attempt, questions, choices, fractions, score, claim of the mistakes,
    # settings, logged tokens, new states, locked states, logs, states, release: 15 however
    # many are wrong.
    with django_assert_max_num_queries(15):
        attempt_submit(attempt=attempt, now=NOW)
    assert ReviewLog.objects.filter(user=student).count() == wrong


def test_quiz_mistakes_move_memory_exactly_as_a_single_review_would(module, student, other_student):
    """The batched mistakes write the same log and memory as review_record does for one answer."""
    attempt = attempt_start(user=student, module=module, now=NOW)
    question = questions_of(attempt)[0]
    before = {
        "stage": MemoryStage.REVIEW,
        "stability": 30,
        "difficulty": 5,
        "due": NOW + timedelta(days=20),
        "last_review": NOW - timedelta(days=10),
        "reps": 4,
        "lapses": 7,  # the next lapse makes it a leech
        "unlocked_at": NOW - timedelta(days=30),
    }
    MemoryState.objects.create(user=student, card=question.card, **before)
    MemoryState.objects.create(user=other_student, card=question.card, **before)
    answer_save(attempt=attempt, question=question, now=NOW, **wrong_answer(question))
    attempt_submit(attempt=attempt, now=NOW, clock=lambda: NOW)
    theirs = MemoryState.objects.get(user=other_student, card=question.card)
    on_screen = shown(theirs, now=NOW)
    answer_reveal(  # "Show answer": a wrong answer, graded Again
        user=other_student,
        card=question.card,
        shown=on_screen,
        now=NOW,
        learning_day=learner_settings(other_student).learning_day,
    )
    single = review_record(
        user=other_student, card=question.card, rating=1, now=NOW, shown=on_screen
    )
    batched = ReviewLog.objects.get(user=student, card=question.card)
    assert batched.source == ReviewSource.QUIZ
    fields = ["rating", "stage_before", "state_before", "state_after", "interval_seconds"]
    assert [getattr(batched, f) for f in fields] == [getattr(single.log, f) for f in fields]
    mine = MemoryState.objects.get(user=student, card=question.card)
    theirs = MemoryState.objects.get(user=other_student, card=question.card)
    compared = ["stage", "step", "due", "reps", "lapses", "is_leech", "suspended", "version"]
    assert [getattr(mine, f) for f in compared] == [getattr(theirs, f) for f in compared]
    assert mine.is_leech and mine.lapses == 8


# --- Demo command ----------------------------------------------------------------------------


def test_demo_training_does_nothing_without_content(db):
    from io import StringIO

    from django.core.management import call_command

    from quizzes.training.models import TrainingModule

    out = StringIO()
    call_command("setup_demo_training", stdout=out)
    assert "skipped" in out.getvalue()
    assert not TrainingModule.objects.exists()


def test_demo_training_builds_the_ward_module_from_the_seed(db):
    from io import StringIO
    from pathlib import Path

    from django.conf import settings
    from django.core.management import call_command

    from quizzes.content.services.importing import import_article_file
    from quizzes.training.models import Assignment, TrainingModule

    import_article_file(Path(settings.BASE_DIR) / "content" / "bone-metastases.txt")
    call_command("setup_demo_training", stdout=StringIO())
    call_command("setup_demo_training", stdout=StringIO())  # idempotent
    module = TrainingModule.objects.get()
    assert (module.pass_mark, module.attempts_allowed, module.time_limit_minutes) == (80, 3, 20)
    assert module.is_published
    titles = {lesson.topic.title.lower() for lesson in module.lessons.select_related("topic")}
    assert any("symptom" in t for t in titles) and any("complication" in t for t in titles)
    pool = module.question_pool.all()
    assert pool.count() >= module.questions_per_attempt == 10
    assert all(card.kind != CardKind.BASIC and card.status == CardStatus.PUBLISHED for card in pool)
    assignment = Assignment.objects.get()
    assert assignment.group.name == "Ward 5 nurses"
    assert timedelta(days=13) < assignment.due_at - timezone.now() <= timedelta(days=14)
    assert module.lessons_required and module.cpd_hours and module.questions_per_page == 5
    nurse = UserFactory(username="nurse")
    nurse.groups.add(assignment.group)
    with pytest.raises(LessonsUnread):
        attempt_start(user=nurse, module=module, now=NOW)
    for lesson in module.lessons.all():
        lesson_read(user=nurse, lesson=lesson, now=NOW)
    attempt = attempt_start(user=nurse, module=module, now=NOW)
    assert attempt.questions.count() == 10


def test_demo_training_never_undoes_an_instructors_changes(db):
    from io import StringIO
    from pathlib import Path

    from django.conf import settings
    from django.core.management import call_command

    from quizzes.content.services.importing import import_article_file
    from quizzes.training.models import Assignment, ModuleLesson, TrainingModule

    import_article_file(Path(settings.BASE_DIR) / "content" / "bone-metastases.txt")
    call_command("setup_demo_training", stdout=StringIO())
    module = TrainingModule.objects.get()
    removed_card = module.question_pool.first()
    module.question_pool.remove(removed_card)
    ModuleLesson.objects.filter(module=module).order_by("position").first().delete()
    Assignment.objects.filter(module=module).delete()
    TrainingModule.objects.filter(pk=module.pk).update(pass_mark=90, is_published=False)
    pool, lessons = module.question_pool.count(), module.lessons.count()
    out = StringIO()
    call_command("setup_demo_training", stdout=out)
    module.refresh_from_db()
    assert "left as it is" in out.getvalue()
    assert (module.pass_mark, module.is_published) == (90, False)
    assert module.question_pool.count() == pool and removed_card not in module.question_pool.all()
    assert module.lessons.count() == lessons
    assert not Assignment.objects.filter(module=module).exists()
