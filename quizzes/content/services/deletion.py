"""Deleting content safely: what learners or modules use is retired, never deleted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Model, QuerySet

from quizzes.content.models import Card
from quizzes.content.usage import used_by, with_uses


def _refusal(row: Model) -> str | None:
    users = used_by(row)
    if not users:
        return None
    what = "retire it instead" if isinstance(row, Card) else "retire its cards instead"
    name = row._meta.verbose_name.capitalize()
    return f"{name} “{row}” is in use ({', '.join(users)}); {what}."


def deletion_refusal(row: Model) -> str | None:
    """Why this card, topic, lesson or article must not be deleted, or None when deleting it loses
    nothing a learner or a module relies on (one query)."""
    checked = with_uses(type(row)._base_manager.filter(pk=row.pk)).first()
    return _refusal(checked) if checked is not None else None


def deletion_refusals(rows: Iterable[Model]) -> list[str]:
    """The refusal of every row of a bulk delete that must be kept; one query per model."""
    by_model: dict[type[Model], list[int]] = defaultdict(list)
    if isinstance(rows, QuerySet):
        by_model[rows.model] = list(rows.order_by().values_list("pk", flat=True))
    else:
        for row in rows:
            by_model[type(row)].append(row.pk)
    messages: list[str] = []
    for model, ids in by_model.items():
        checked = with_uses(model._base_manager.filter(pk__in=ids)).order_by("pk")
        messages += [message for row in checked if (message := _refusal(row))]
    return messages
