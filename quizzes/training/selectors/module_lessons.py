"""Reads for a module's lessons opened within the module: the lesson and its neighbours."""

from __future__ import annotations

from dataclasses import dataclass

from quizzes.content.models import Lesson
from quizzes.training.models import ModuleLesson, TrainingModule


@dataclass(frozen=True)
class LessonInModule:
    lesson: Lesson
    number: int
    total: int
    previous: Lesson | None
    next: Lesson | None

    @property
    def is_last(self) -> bool:
        return self.next is None


def lesson_in_module(*, module: TrainingModule, lesson_id: int) -> LessonInModule | None:
    """The module's lesson with its place in the module and its neighbours, or None if the
    lesson is not part of the module (one query)."""
    lessons = [
        item.lesson
        for item in ModuleLesson.objects.filter(module=module)
        .select_related("lesson__topic")
        .order_by("position", "id")
    ]
    index = next((i for i, lesson in enumerate(lessons) if lesson.pk == lesson_id), None)
    if index is None:
        return None
    return LessonInModule(
        lesson=lessons[index],
        number=index + 1,
        total=len(lessons),
        previous=lessons[index - 1] if index > 0 else None,
        next=lessons[index + 1] if index + 1 < len(lessons) else None,
    )
