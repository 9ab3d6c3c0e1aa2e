"""Factories for tests: each builds a valid object with the fewest decisions left to the caller."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from quizzes.models import (
    Article,
    Card,
    CardKind,
    CardStatus,
    Choice,
    Lesson,
    MemoryState,
    Topic,
    TopicKind,
)


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
    *, kind: str = CardKind.MCQ, correct: tuple[str, ...] = ("Osteolytic",),
    wrong: tuple[str, ...] = ("Osteoblastic", "Mixed", "Sclerotic"), **card_fields
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
