"""Scale-out: two gunicorn instances behind HAProxy, sharing one PostgreSQL database, with sessions
and the cache in Redis (REDIS_URL).

Checks that an answer sent to both instances at once (each copy twice) is recorded once, then
ramps paced learners through HAProxy as the single-instance runs do. Keys in Redis carry a prefix
of their own for the run and are deleted afterwards; nothing else in Redis is touched.
"""

from __future__ import annotations

import json
import secrets
import threading
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from bench.screens import checked, headers, shown_card
from bench.verify import verify_tokens

COPIES_PER_INSTANCE = 2


def send(url: str, session: str, data: dict | None = None) -> tuple[int, str]:
    """GET (no data) or htmx POST as the learner; (status, body)."""
    body = urlencode(data, doseq=True).encode() if data is not None else None
    sent = headers(session, htmx=body is not None)
    if body is not None:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=body, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _answer_everywhere(urls: list[str], session: str, answer: dict) -> list[int]:
    """The same answer POSTed COPIES_PER_INSTANCE times to every instance, all at once."""
    copies = [url for url in urls for _ in range(COPIES_PER_INSTANCE)]
    start, statuses = threading.Barrier(len(copies)), []

    def post(url: str) -> None:
        start.wait()
        statuses.append(send(f"{url}/review/answer/", session, answer)[0])

    threads = [threading.Thread(target=post, args=(url,)) for url in copies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def duplicated_answers(urls: list[str], sessions: list[str]) -> dict:
    """One answer per learner, each sent to every instance at once; the tokens and statuses."""
    tokens, statuses = [], Counter()
    for number, session in enumerate(sessions):
        # The card is shown by one instance and checked by the other: sessions are shared.
        status, html = send(f"{urls[number % 2]}/review/", session)
        shown = shown_card(html) if status == 200 else None
        if shown is None:
            statuses[f"no card ({status})"] += 1
            continue
        answer = {"card": shown.card, "token": shown.token, "rating": "3"}
        if shown.needs_check:
            status, html = send(
                f"{urls[1 - number % 2]}/review/check/", session, shown.check_data()
            )
            allowed = checked(html) if status == 200 else []
            if not allowed:
                statuses[f"check failed ({status})"] += 1
                continue
            answer["rating"] = str(allowed[-1])
        statuses.update(str(code) for code in _answer_everywhere(urls, session, answer))
        tokens.append(shown.token)
    return {"tokens": tokens, "statuses": dict(statuses)}


def duplicates_check(
    urls: list[str], env: dict, *, sessions_file: Path, count: int, work: Path
) -> dict:
    """Duplicated answers split across the instances, against the last `count` learners: every
    copy answered 2xx, and their review logs grew by exactly one row per answer."""
    sessions = json.loads(sessions_file.read_text())
    learners = ",".join(sessions["learner_names"][-count:])
    before = verify_tokens(env, [], path=work / "duplicates-before.txt", learners=learners)
    sent = duplicated_answers(urls, sessions["learners"][-count:])
    after = verify_tokens(env, sent["tokens"], path=work / "duplicates.txt", learners=learners)
    recorded = after["log_rows"] - before["log_rows"]
    copies = len(urls) * COPIES_PER_INSTANCE
    return {
        "answers": len(sent["tokens"]),
        "copies_each": copies,
        "statuses": sent["statuses"],
        "rows_recorded": recorded,
        "missing": after["missing"],
        "recorded_once": recorded == len(sent["tokens"])
        and after["missing"] == 0
        and set(sent["statuses"]) == {"200"},
    }


def cache_prefix() -> str:
    return f"bonelearn-bench-{secrets.token_hex(4)}"


def redis_keys(redis_url: str, prefix: str, *, delete: bool = False) -> int:
    """How many keys of this run are in Redis (sessions and cache entries); delete them if asked."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if delete and keys:
        client.delete(*keys)
    client.close()
    return len(keys)
