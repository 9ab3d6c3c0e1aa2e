"""One definition of "in use": a content row that something outside content refers to.

Content sits at the bottom of the domain apps and never imports the apps built on it (review,
training, ...). What they keep about a card or a lesson points at it, and the relations Django
records on the model say where to look, so whatever app adds one later is counted too:
- a foreign key that protects its target (PROTECT or RESTRICT: memory states, the review log, quiz
  questions, a module's lessons): deleting the content would lose or orphan that record;
- a many-to-many field (a module's question pool): someone chose this content.
A foreign key that cascades (a learner's "read" mark on a lesson) records history that may go with
the content; it does not keep the content alive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    PROTECT,
    RESTRICT,
    Exists,
    ForeignObjectRel,
    Model,
    OuterRef,
    Q,
    QuerySet,
)


@dataclass(frozen=True)
class Use:
    """One kind of row that can refer to a content row: its lookup path and its name in words."""

    path: str
    label: str


def _protects(relation: ForeignObjectRel) -> bool:
    return relation.many_to_many or relation.on_delete in (PROTECT, RESTRICT)


def _outside_uses(model: type[Model], *, prefix: str = "") -> list[Use]:
    uses = []
    for relation in model._meta.related_objects:
        related = relation.related_model
        if related._meta.app_label == model._meta.app_label or not _protects(relation):
            continue
        uses.append(
            Use(path=f"{prefix}{relation.name}", label=str(related._meta.verbose_name_plural))
        )
    return uses


def uses_of(model: type[Model]) -> list[Use]:
    """Every way rows outside content can refer to a row of `model`: directly, and for a topic
    through its cards and lessons, for an article through its topics."""
    from quizzes.content.models import Article, Card, Lesson, Topic

    if model is Topic:
        return _outside_uses(Card, prefix="cards__") + _outside_uses(Lesson, prefix="lessons__")
    if model is Article:
        return [
            Use(path=f"topics__{use.path}", label=use.label) for use in uses_of(Topic)
        ] + _outside_uses(Article)
    return _outside_uses(model)


def with_uses(queryset: QuerySet) -> QuerySet:
    """The rows annotated `use_<n>` (a boolean per kind of use), in one query."""
    model = queryset.model
    annotations = {
        f"use_{index}": Exists(
            model._base_manager.filter(pk=OuterRef("pk"), **{f"{use.path}__isnull": False})
        )
        for index, use in enumerate(uses_of(model))
    }
    return queryset.annotate(**annotations)


def used_by(row: Model) -> list[str]:
    """The names of what refers to a row annotated by with_uses ([] when nothing does)."""
    uses = uses_of(type(row))
    return [use.label for index, use in enumerate(uses) if getattr(row, f"use_{index}")]


def in_use_q(model: type[Model]) -> Q:
    """True for rows something outside content refers to (for filters and exclusions)."""
    condition = Q(pk__in=[])
    for use in uses_of(model):
        condition |= Q(
            Exists(model._base_manager.filter(pk=OuterRef("pk"), **{f"{use.path}__isnull": False}))
        )
    return condition


def in_use_ids(model: type[Model], ids: Iterable[int]) -> set[int]:
    """The ids among `ids` of rows something outside content refers to (one query)."""
    return set(
        model._base_manager.filter(in_use_q(model), pk__in=list(ids)).values_list("pk", flat=True)
    )
