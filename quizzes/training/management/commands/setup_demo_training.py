"""Create the demo training module from the imported article and assign it to the ward nurses'
group that `setup_demo` puts the demo nurse in.

Create-if-missing only: once the module exists it belongs to the instructors, so a later run
(every `make run`) leaves it exactly as they made it: its pool, lessons, settings and
assignments."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from quizzes.content.models import Card, Lesson, Topic, TopicKind
from quizzes.training.grading import GRADABLE_KINDS
from quizzes.training.models import (
    Assignment,
    FeedbackPolicy,
    GroupInstructor,
    ModuleLesson,
    TrainingModule,
)

SLUG = "bone-metastases-essentials-for-ward-nurses"
TITLE = "Bone metastases essentials for ward nurses"
DESCRIPTION = (
    "Recognising the symptoms of bone metastases and the complications that need urgent action "
    "on the ward: read the lessons, then pass the quiz with 80% or more."
)
GROUP = "Ward 5 nurses"
# setup_demo's instructor receives the group's weekly digest of overdue learners.
INSTRUCTOR = "instructor"
QUESTIONS_PER_ATTEMPT = 10
# The key facts a ward nurse acts on: symptoms and complications (matched by title, not id).
TOPIC_WORDS = ("symptom", "complication")


class Command(BaseCommand):
    help = (
        "Create the demo training module for the ward nurses if it does not exist yet; an "
        "existing module is left as the instructors made it. Safe to run repeatedly."
    )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        existing = TrainingModule.objects.filter(slug=SLUG).first()
        if existing is not None:
            self.stdout.write(f"Demo training: “{existing.title}” exists; left as it is.")
            return
        words = Q()
        for word in TOPIC_WORDS:
            words |= Q(title__icontains=word)
        topics = list(Topic.objects.filter(words, kind=TopicKind.KEY_FACT).order_by("position"))
        pool = Card.objects.published().filter(topic__in=topics, kind__in=GRADABLE_KINDS)
        pool_size = pool.count()
        if not topics or not pool_size:
            self.stdout.write(
                "Demo training skipped: import the article first (make import), then run again."
            )
            return
        module = TrainingModule.objects.create(
            slug=SLUG,
            title=TITLE,
            description=DESCRIPTION,
            version="1.0",
            cpd_hours=Decimal("1.0"),
            questions_per_attempt=min(QUESTIONS_PER_ATTEMPT, pool_size),
            questions_per_page=5,
            lessons_required=True,
            pass_mark=80,
            attempts_allowed=3,
            time_limit_minutes=20,
            feedback_policy=FeedbackPolicy.AFTER_SUBMIT,
            is_published=True,
        )
        lessons = Lesson.objects.filter(topic__in=topics).order_by("topic__position", "position")
        ModuleLesson.objects.bulk_create(
            ModuleLesson(module=module, lesson=lesson, position=position)
            for position, lesson in enumerate(lessons, start=1)
        )
        module.question_pool.add(*pool)
        group, _ = Group.objects.get_or_create(name=GROUP)
        Assignment.objects.create(
            module=module, group=group, due_at=timezone.now() + timedelta(days=14)
        )
        instructor = get_user_model().objects.filter(username=INSTRUCTOR).first()
        if instructor is not None:
            GroupInstructor.objects.get_or_create(group=group, instructor=instructor)
        self.stdout.write(
            f"Demo training: “{module.title}” [created], {lessons.count()} lessons, "
            f"{pool_size} questions in the pool, assigned to {GROUP}."
        )
