"""The benchmark's article, cards and people: a synthetic article with published cards of every
checked and self-graded kind, learners in one cohort, and a few instructors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

LEARNER_PREFIX = "bench-learner-"
INSTRUCTOR_PREFIX = "bench-instructor-"
INSTRUCTORS = 3
COHORT = "Bench ward"
BENCH_PASSWORD = "bench-tibia-lantern-7"
BENCH_SLUG = "bench"
CARDS_PER_LESSON = 10
LESSON_BODY = (
    "Bone is the third most common site of metastasis after lung and liver. "
    "**Osteolytic** lesions destroy bone; *osteoblastic* lesions form new bone.\n\n"
    "- Breast and prostate cancers most often spread to bone.\n"
    "- Pain, fractures, hypercalcaemia and cord compression are the main events."
)
CLOZE_FRONT = "Spinal cord compression is an {{c1::oncological emergency}}."
CHOICES = {
    "mcq": [("Osteolytic", True), ("Osteoblastic", False), ("Mixed", False)],
    "true_false": [("True", True), ("False", False)],
}


@dataclass(frozen=True)
class BenchCard:
    id: int
    critical: bool


def _lessons(*, cards: int) -> list:
    """The article with one topic and one lesson per ten cards."""
    from quizzes.content.models import Article, Lesson, Topic, TopicKind

    article = Article.objects.create(
        title="Benchmark: bone metastases revision",
        slug=BENCH_SLUG,
        source_name="bench",
        content_hash="0" * 64,
    )
    topics = Topic.objects.bulk_create(
        Topic(
            article=article,
            key=f"bench-topic-{n}",
            kind=TopicKind.KEY_FACT,
            number=n,
            title=f"Key fact {n}: skeletal metastases, aspect {n}",
            slug=f"bench-topic-{n}",
            position=n,
        )
        for n in range(1, max(1, -(-cards // CARDS_PER_LESSON)) + 1)
    )
    return Lesson.objects.bulk_create(
        Lesson(
            topic=topic,
            key=f"bench-lesson-{topic.number}",
            title=f"Lesson {topic.number}",
            position=0,
            body=LESSON_BODY,
            source_passage="Bone is the third most common site of metastasis.",
        )
        for topic in topics
    )


def create_cards(*, cards: int) -> list[BenchCard]:
    """Published cards in reading order: six basic, two single-best-answer, a cloze and a
    true/false in every ten; every seventeenth is critical."""
    from quizzes.content.models import Card, CardKind, CardOrigin, CardStatus, Choice

    lessons = _lessons(cards=cards)
    kinds = [CardKind.BASIC] * 6 + [CardKind.MCQ] * 2 + [CardKind.CLOZE, CardKind.TRUE_FALSE]
    Card.objects.bulk_create(
        Card(
            topic=lessons[n // CARDS_PER_LESSON].topic,
            lesson=lessons[n // CARDS_PER_LESSON],
            key=f"bench-card-{n}",
            origin=CardOrigin.GENERATED,
            kind=kinds[n % len(kinds)],
            status=CardStatus.PUBLISHED,
            front=CLOZE_FRONT
            if kinds[n % len(kinds)] == CardKind.CLOZE
            else f"Question {n}: which lesion type destroys bone tissue?",
            back="Osteolytic lesions.",
            explanation="Osteoclast activity outpaces new bone formation.",
            source_excerpt="Osteolytic lesions destroy bone.",
            critical=n % 17 == 0,
            position=n,
        )
        for n in range(cards)
    )
    created = list(
        Card.objects.filter(topic__article__slug=BENCH_SLUG)
        .order_by("position")
        .values_list("id", "kind", "critical")
    )
    Choice.objects.bulk_create(
        Choice(card_id=card_id, text=text, is_correct=right, position=position)
        for card_id, kind, _ in created
        for position, (text, right) in enumerate(CHOICES.get(kind, []))
    )
    return [BenchCard(id=card_id, critical=critical) for card_id, _, critical in created]


def create_people(*, learners: int, now: datetime) -> list[int]:
    """Learners in one cohort (one shared password hash: hashing a thousand would take minutes)
    and a few instructors; returns the learner ids in username order."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from quizzes.core.roles import INSTRUCTORS_GROUP, ensure_instructor_group

    user_model = get_user_model()
    password = make_password(BENCH_PASSWORD)
    user_model.objects.bulk_create(
        user_model(
            username=f"{LEARNER_PREFIX}{n:04d}",
            first_name=f"Learner {n}",
            email=f"learner{n}@bench.example.org",
            password=password,
            date_joined=now - timedelta(days=366),
        )
        for n in range(learners)
    )
    ensure_instructor_group()
    instructors = Group.objects.get(name=INSTRUCTORS_GROUP)
    for n in range(INSTRUCTORS):
        user = user_model.objects.create(
            username=f"{INSTRUCTOR_PREFIX}{n}", password=password, is_staff=True, date_joined=now
        )
        user.groups.add(instructors)
    learner_ids = list(
        user_model.objects.filter(username__startswith=LEARNER_PREFIX)
        .order_by("username")
        .values_list("id", flat=True)
    )
    cohort, _ = Group.objects.get_or_create(name=COHORT)
    cohort.user_set.add(*learner_ids)
    return learner_ids


def bench_usernames() -> tuple[list[str], list[str]]:
    """(learners, instructors) of the dataset, in order."""
    from django.contrib.auth import get_user_model

    names = get_user_model().objects.order_by("username").values_list("username", flat=True)
    return (
        list(names.filter(username__startswith=LEARNER_PREFIX)),
        list(names.filter(username__startswith=INSTRUCTOR_PREFIX)),
    )
