"""A per-client request counter in the shared cache, for pages anyone may call without logging in.

Fixed windows: the count of a client address in the current window (e.g. 10 minutes) lives in the
cache under a key that names the window, so it needs no clean-up and every worker sees the same
count (the default cache is a database table). Approximate by design: two requests racing may
both read the same count, which only lets a client slightly over the limit.
"""

from __future__ import annotations

import time

from axes.helpers import get_client_ip_address
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address as django-axes resolves it (the same proxy rules as log-in)."""
    return get_client_ip_address(request) or "unknown"


def over_limit(*, scope: str, client: str, limit: int, window_seconds: int) -> bool:
    """Count one request of `client` and say whether it goes over `limit` in this window."""
    window = int(time.time() // window_seconds)
    key = f"throttle:{scope}:{client}:{window}"
    if cache.add(key, 1, timeout=window_seconds + 5):
        return limit < 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds + 5)
        count = 1
    return count > limit
