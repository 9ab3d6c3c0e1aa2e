"""After a run: did every answer that got a 2xx leave its review-log row?

The load generator writes the one-time token of each answer the server accepted (status 2xx);
here each is looked up the way the review service stores it (`stored_token`). A token without a
row is an answer lost. Run against the run's database (DATABASE_URL):
    python -m bench.verify TOKENS_FILE [--learners NAME,NAME...]
prints one JSON object: answers, distinct tokens, missing (lost), and with --learners the number
of review-log rows those learners have. `verify_tokens` runs it for the bench (which has no Django
of its own: each run has its own database), and `replay_check` runs `manage.py rebuild_memory
--check`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from itertools import islice
from pathlib import Path

from bench.server import BASE_DIR, manage

CHUNK = 500


def _chunks(items: Iterable[str], size: int) -> Iterable[list[str]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def missing_answers(tokens: Iterable[str]) -> list[str]:
    """The raw tokens (as the server issued them) that have no review-log row."""
    from quizzes.review.models import ReviewLog
    from quizzes.review.tokens import stored_token

    by_stored = {stored_token(token): token for token in tokens}
    found: set[str] = set()
    for chunk in _chunks(by_stored, CHUNK):
        found.update(ReviewLog.objects.filter(token__in=chunk).values_list("token", flat=True))
    return [raw for stored, raw in by_stored.items() if stored not in found]


def log_rows(usernames: Sequence[str]) -> int:
    """How many review-log rows these learners have."""
    from quizzes.review.models import ReviewLog

    return ReviewLog.objects.filter(user__username__in=usernames).count()


def token_report(tokens: Sequence[str], *, learners: Sequence[str] = ()) -> dict:
    missing = missing_answers(tokens)
    report = {"answers": len(tokens), "distinct": len(set(tokens)), "missing": len(missing)}
    if learners:
        report["log_rows"] = log_rows(learners)
    return report


def verify_tokens(env: dict, tokens: list[str], *, path: Path, learners: str = "") -> dict:
    """bench.verify against the run's database: accepted answers, missing rows (and log rows)."""
    path.write_text("".join(f"{token}\n" for token in tokens), encoding="utf-8")
    command = [sys.executable, "-m", "bench.verify", str(path)]
    if learners:
        command += ["--learners", learners]
    output = subprocess.run(
        command, cwd=BASE_DIR, env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def replay_check(env: dict) -> tuple[bool, str, float]:
    """`manage.py rebuild_memory --check`: (clean, its summary line, seconds)."""
    began = time.monotonic()
    done = manage(env, "rebuild_memory", "--check", capture=True)
    lines = (done.stdout or done.stderr or "").strip().splitlines()
    return done.returncode == 0, lines[-1] if lines else "", round(time.monotonic() - began, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check accepted answers against the log.")
    parser.add_argument("tokens", help="file of one-time tokens, one a line")
    parser.add_argument("--learners", default="", help="comma-separated usernames to count")
    args = parser.parse_args(argv)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonelearn.settings")
    django.setup()
    with open(args.tokens, encoding="utf-8") as handle:
        tokens = [line.strip() for line in handle if line.strip()]
    learners = [name for name in args.learners.split(",") if name]
    print(json.dumps(token_report(tokens, learners=learners)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
