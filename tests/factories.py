"""Factories for tests: each builds a valid object with the fewest decisions left to the caller."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from quizzes.content.models import (
    Article,
    Card,
    CardKind,
    CardStatus,
    Choice,
    Lesson,
    Topic,
    TopicKind,
)
from quizzes.review.models import MemoryState


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"learner{n}")
    first_name = factory.Faker("first_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct-horse-battery")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    source_name = "article.txt"
    content_hash = "0" * 64


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    article = factory.SubFactory(ArticleFactory)
    kind = TopicKind.KEY_FACT
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Topic {n}")
    key = factory.Sequence(lambda n: f"topic-{n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")
    position = factory.Sequence(lambda n: n)


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    topic = factory.SubFactory(TopicFactory)
    key = factory.Sequence(lambda n: f"lesson-{n}")
    title = factory.Sequence(lambda n: f"Lesson {n}")
    position = factory.Sequence(lambda n: n)
    body = "Osteolytic lesions destroy bone tissue."
    source_passage = "Osteolytic lesions destroy bone tissue."


class CardFactory(factory.django.DjangoModelFactory):
    """A published basic card tied to a lesson."""

    class Meta:
        model = Card

    lesson = factory.SubFactory(LessonFactory)
    topic = factory.LazyAttribute(lambda card: card.lesson.topic)
    kind = CardKind.BASIC
    status = CardStatus.PUBLISHED
    front = factory.Sequence(lambda n: f"Question {n}?")
    back = "Answer"
    explanation = "Because the article says so."
    source_excerpt = "Osteolytic lesions destroy bone tissue."
    position = factory.Sequence(lambda n: n)


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Choice

    card = factory.SubFactory(CardFactory, kind=CardKind.MCQ)
    text = factory.Sequence(lambda n: f"Choice {n}")
    is_correct = False
    position = factory.Sequence(lambda n: n)


def make_choice_card(
    *,
    kind: str = CardKind.MCQ,
    correct: tuple[str, ...] = ("Osteolytic",),
    wrong: tuple[str, ...] = ("Osteoblastic", "Mixed", "Sclerotic"),
    **card_fields,
) -> Card:
    """A published choice card with the given right and wrong answers, in that order."""
    card = CardFactory(kind=kind, back=", ".join(correct), **card_fields)
    for position, text in enumerate(correct + wrong):
        Choice.objects.create(card=card, text=text, is_correct=text in correct, position=position)
    return card


class MemoryStateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemoryState

    user = factory.SubFactory(UserFactory)
    card = factory.SubFactory(CardFactory)
    unlocked_at = factory.LazyFunction(timezone.now)


# Analytics fixtures: reviews and submitted quiz attempts written straight to the tables.
_analytics_tokens = iter(range(1, 10**9))


def log_review(
    *, user, card, rating: int, at, stage_before: int = 2, source: str = "review", undone=None
):
    """One ReviewLog row as the review service leaves it (undone=datetime adds a ReviewUndo)."""
    from quizzes.review.models import ReviewLog, ReviewUndo

    review = ReviewLog.objects.create(
        user=user,
        card=card,
        rating=rating,
        reviewed_at=at,
        source=source,
        stage_before=stage_before,
        state_before={"stage": stage_before},
        state_after={"stage": 2 if rating > 1 else 3},
        interval_seconds=86400,
        desired_retention=0.9,
        token=f"analytics-{next(_analytics_tokens)}",
    )
    if undone is not None:
        ReviewUndo.objects.create(review=review, undone_at=undone)
    return review


def make_module(*, cards=(), lessons=(), slug=None, pass_mark: int = 80, **fields):
    """A published training module over the given lessons with the given question pool.

    Its lessons need not be read before the quiz unless the test says lessons_required=True.
    """
    from quizzes.training.models import ModuleLesson, TrainingModule

    n = next(_analytics_tokens)
    fields.setdefault("title", f"Module {n}")
    fields.setdefault("lessons_required", False)
    module = TrainingModule.objects.create(
        slug=slug or f"module-{n}", pass_mark=pass_mark, is_published=True, **fields
    )
    for position, lesson in enumerate(lessons):
        ModuleLesson.objects.create(module=module, lesson=lesson, position=position)
    module.question_pool.set(cards)
    return module


def submit_attempt(*, user, module, answers, number: int = 1, at=None, score=None):
    """A submitted attempt with one question per (card, fraction, response) in `answers`.

    The score defaults to the percentage of credit earned; `passed` follows the module's pass mark.
    """
    from decimal import Decimal

    from quizzes.training.models import Attempt, AttemptQuestion

    at = at or timezone.now()
    if score is None:
        score = 100 * sum(fraction for _, fraction, _ in answers) / max(1, len(answers))
    attempt = Attempt.objects.create(
        module=module,
        user=user,
        number=number,
        started_at=at,
        submitted_at=at,
        score=Decimal(f"{score:.2f}"),
        passed=score >= module.pass_mark,
    )
    for position, (card, fraction, response) in enumerate(answers, start=1):
        AttemptQuestion.objects.create(
            attempt=attempt,
            card=card,
            position=position,
            response=response,
            answered_at=at,
            fraction=Decimal(f"{fraction:.4f}"),
        )
    return attempt


# Training: a module with a pool of every gradable kind, assigned to a learner or group.


def make_quiz_pool(*, lesson=None) -> list:
    """Four published quiz cards, one of each gradable kind: MCQ, true/false, multi, cloze."""
    lesson = lesson or LessonFactory()
    return [
        make_choice_card(kind=CardKind.MCQ, lesson=lesson),
        make_choice_card(
            kind=CardKind.TRUE_FALSE, correct=("True",), wrong=("False",), lesson=lesson
        ),
        make_choice_card(
            kind=CardKind.MULTI_SELECT,
            correct=("Spine", "Pelvis"),
            wrong=("Skull", "Hands"),
            lesson=lesson,
        ),
        CardFactory(
            kind=CardKind.CLOZE,
            front="Bone pain is often worse at {{c1::night}}.",
            accepted_answers="night-time",
            lesson=lesson,
        ),
    ]


def assign_module(module, *, user=None, group=None, due_at=None):
    """Assign the module to one learner or a group, due in a week unless told otherwise."""
    from datetime import timedelta

    from quizzes.training.models import Assignment

    return Assignment.objects.create(
        module=module,
        user=user,
        group=group,
        due_at=due_at or timezone.now() + timedelta(days=7),
    )


def shown(state, *, now, user=None):
    """The verified one-time token a review screen issues for `state`'s card at its current
    version at `now` (what review_record takes as `shown`)."""
    from quizzes.review.tokens import token_issue, token_read

    return token_read(token_issue(user=user or state.user, state=state, now=now))


def answer_shown(state, *, rating: int, now, learner_settings=None):
    """Answer the card as a learner on the review screen does: show it at `now`, check it (the
    right answer for a grade above Again, "Show answer" for Again) and grade it."""
    from quizzes.content import answers
    from quizzes.review.selectors.settings import learner_settings as settings_of
    from quizzes.review.services.checking import answer_check, answer_reveal
    from quizzes.review.services.recording import review_record

    card = state.card
    on_screen = shown(state, now=now)
    learning_day = (learner_settings or settings_of(state.user)).learning_day
    if answers.needs_check(card.kind):
        common = {"user": state.user, "card": card, "shown": on_screen, "now": now}
        if rating == 1:
            answer_reveal(**common, learning_day=learning_day)
        else:
            choices = [(choice.pk, choice.is_correct) for choice in card.choices.all()]
            typed = answers.cloze_expected(card.front, card.accepted_answers)[:1]
            answer_check(
                **common,
                choices=choices,
                picked=[pk for pk, correct in choices if correct],
                typed=typed[0] if typed else "",
                learning_day=learning_day,
            )
    return review_record(
        user=state.user,
        card=card,
        rating=rating,
        now=now,
        shown=on_screen,
        learner_settings=learner_settings,
    )
