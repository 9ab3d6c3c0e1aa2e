"""Requests BoneLearn cannot read get a one-line 400 before any view or check sees them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import DataError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.deprecation import MiddlewareMixin

NUL = "\x00"
# The longest request line gunicorn accepts at all (limit_request_line's maximum): no page of
# BoneLearn needs a longer query, and SQLite refuses LIKE patterns over 50,000 bytes (a 500).
MAX_QUERY_BYTES = 8190
# Lookups no admin list offers that fail in the database on values from an address: a regular
# expression runs in the database (an invalid one is an error, a hostile one a slow query), and
# the admin passes a range's text as it is (three characters, three bounds).
UNOFFERED_LOOKUPS = ("__regex", "__iregex", "__range")


def refuse(message: str) -> HttpResponse:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _is_admin_list(request: HttpRequest) -> bool:
    match = request.resolver_match
    return (
        request.method == "GET"
        and match is not None
        and match.namespace == "admin"
        and (match.url_name or "").endswith("_changelist")
    )


class UnreadableRequestMiddleware(MiddlewareMixin):
    """400 for an address with a NUL character (PostgreSQL cannot compare text with one, so an
    admin list filter failed) or a query longer than any page needs; for a form body Django
    refuses to read (a charset other than UTF-8, too many fields, too large); and for an admin
    list filter its column cannot take.

    Django answers an unreadable form with a 400 itself, but its 400 page runs the CSRF check
    again, which reads the form again and fails again: a 500. Reading the form here, just before
    the CSRF check would (it reads every POST: no view is exempt), turns it into a plain 400.
    Goes before CsrfViewMiddleware.
    """

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_BYTES:
            return refuse("The address is too long.")
        try:
            query = request.GET.lists()
        except SuspiciousOperation as error:  # too many query parameters
            return refuse(str(error))
        if NUL in request.path or any(
            NUL in name or any(NUL in value for value in values) for name, values in query
        ):
            return refuse("The address contains a NUL character.")
        return None

    def process_view(
        self, request: HttpRequest, view: Callable, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if request.method == "POST":
            try:
                request.POST  # noqa: B018  (parsing is the point)
            except (BadRequest, SuspiciousOperation) as error:
                return refuse(str(error))
        elif _is_admin_list(request) and any(
            name.endswith(UNOFFERED_LOOKUPS) for name in request.GET
        ):
            return refuse("This list cannot be filtered that way.")
        return None

    def process_exception(self, request: HttpRequest, error: Exception) -> HttpResponse | None:
        # The admin allows a filter on any field of a list (?ip_address=x, ?last_login__year=
        # 99999999999): a value the column cannot take fails only when the query is compiled,
        # inside the list's rendering. Other errors, and these elsewhere, stay server errors.
        if (
            isinstance(error, ValueError | OverflowError | DataError)
            and request.GET
            and _is_admin_list(request)
        ):
            return refuse("This list cannot be filtered by that value.")
        return None
