"""Signed-in sessions for the benchmark's users, stored by the configured session engine (the
database, or Redis and the database when REDIS_URL is set), as the log-in view would leave them.

The benchmark measures the pages, not PBKDF2: logging a thousand learners in through the form
would spend its time hashing passwords.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from importlib import import_module


def create_sessions(*, usernames: Sequence[str], lifetime: timedelta = timedelta(days=1)) -> dict:
    """One new session per user; returns username → session key."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.db import transaction

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    keys: dict[str, str] = {}
    with transaction.atomic():
        for user in get_user_model().objects.filter(username__in=usernames):
            store = store_class()
            store.update(
                {
                    SESSION_KEY: str(user.pk),
                    BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: user.get_session_auth_hash(),
                }
            )
            store.set_expiry(int(lifetime.total_seconds()))
            store.create()
            keys[user.get_username()] = store.session_key
    return keys
