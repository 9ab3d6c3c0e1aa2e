"""What every content admin shares: bulk changes written to the admin history, and deleting only
what nothing else uses."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from quizzes.content.services.deletion import deletion_refusal, deletion_refusals

MAX_LISTED_PROBLEMS = 10


def log_bulk_change(request: HttpRequest, rows: list[Any], message: str) -> None:
    """Bulk actions bypass the change form, so they write the admin history themselves."""
    if rows:
        LogEntry.objects.log_actions(
            user_id=request.user.pk, queryset=rows, action_flag=CHANGE, change_message=message
        )


def message_problems(
    modeladmin: Any, request: HttpRequest, problems: list[str], *, more: str
) -> None:
    """Up to MAX_LISTED_PROBLEMS error messages, then one line saying how many more there are."""
    for problem in problems[:MAX_LISTED_PROBLEMS]:
        modeladmin.message_user(request, problem, messages.ERROR)
    if len(problems) > MAX_LISTED_PROBLEMS:
        modeladmin.message_user(
            request, f"… and {len(problems) - MAX_LISTED_PROBLEMS} {more}", messages.ERROR
        )


class InUseProtectedDeleteMixin:
    """Refuse to delete what learners or modules use; point the instructor to archiving instead."""

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        row = self.get_object(request, unquote(object_id))
        refusal = deletion_refusal(row) if row is not None else None
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
            )
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request: HttpRequest, row: Any) -> None:
        refusal = deletion_refusal(row)
        if refusal:
            raise PermissionDenied(refusal)
        super().delete_model(request, row)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _, name, description = actions["delete_selected"]
            actions["delete_selected"] = (guarded_delete_selected, name, description)
        return actions


def guarded_delete_selected(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet
) -> HttpResponse | None:
    """Django's bulk delete, refused as a whole when anything selected is in use."""
    refusals = deletion_refusals(queryset)
    if refusals:
        message_problems(modeladmin, request, refusals, more="more.")
        modeladmin.message_user(request, "Nothing was deleted.", messages.WARNING)
        return None
    return delete_selected(modeladmin, request, queryset)
