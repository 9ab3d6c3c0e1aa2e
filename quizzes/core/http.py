"""Request helpers shared by the views."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django_htmx.middleware import HtmxDetails

M = TypeVar("M", bound=Model)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
    user: AbstractBaseUser


def get_own_or_404(queryset: QuerySet[M], *, user: Any, **lookup: Any) -> M:
    """The learner's own object or 404: another learner's ids never reveal that they exist."""
    return get_object_or_404(queryset, user=user, **lookup)
