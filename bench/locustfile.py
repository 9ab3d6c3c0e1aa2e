"""Locust users of `make bench`: paced learners and a few instructors.

Sessions come from the dataset (BENCH_SESSIONS, a JSON file of session keys), so no password is
hashed during a run. Each simulated learner studies as one dataset learner at a time, taken from a
shared pool (BENCH_LEARNERS, e.g. "0:900"): a learner whose queue is empty goes back to the end of
the pool and the user takes the next, so two users never answer for the same learner (one of them
would be answering a stale screen) and a learner comes round again only after all the others.

Every answer that got a 2xx has its one-time token appended to BENCH_TOKENS, for the check that
each has its review-log row (bench.verify).
"""

from __future__ import annotations

import json
import os
import random
from collections import deque

from locust import FastHttpUser, between, task

from bench.screens import ShownCard, checked, headers, shown_card

with open(os.environ.get("BENCH_SESSIONS", "var/bench/sessions.json"), encoding="utf-8") as f:
    SESSIONS = json.load(f)
_first, _, _last = os.environ.get("BENCH_LEARNERS", "0:").partition(":")
FREE_LEARNERS = deque(SESSIONS["learners"][int(_first or 0) : int(_last) if _last else None])
ACCEPTED = open(os.environ.get("BENCH_TOKENS", os.devnull), "a", encoding="utf-8")  # noqa: SIM115
# Roughly what learners press when every grade is open; after a check, among those it allows.
RATING_WEIGHTS = {1: 10, 2: 15, 3: 65, 4: 10}


def grade(allowed: list[int]) -> str:
    return str(random.choices(allowed, weights=[RATING_WEIGHTS[r] for r in allowed])[0])


class PacedLearner(FastHttpUser):
    """A learner at their own pace: a card every 6-10 s (a choice or cloze card is answered and
    checked before it is graded), the progress page now and then."""

    wait_time = between(6, 10)

    def on_start(self) -> None:
        self.session_key: str | None = None
        self.shown: ShownCard | None = None
        self.take_learner()

    def on_stop(self) -> None:
        if self.session_key:
            FREE_LEARNERS.append(self.session_key)
        self.session_key, self.shown = None, None

    def take_learner(self) -> None:
        """Hand the current learner back to the pool and study as the next free one."""
        self.on_stop()
        if FREE_LEARNERS:
            self.session_key = FREE_LEARNERS.popleft()

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str]:
        """A signed-in request (POSTs as htmx); anything but 200 counts as a failure."""
        with self.client.request(
            method,
            path,
            data=data,
            headers=headers(self.session_key, htmx=method == "POST"),
            name=f"{method} {path}",
            catch_response=True,
        ) as response:
            text = response.text or ""
            if response.status_code != 200:
                response.failure(f"status {response.status_code}: {text[:120]}")
            return response.status_code, text

    def show_next(self, html: str) -> None:
        self.shown = shown_card(html)
        if self.shown is None:
            self.take_learner()

    @task(12)
    def study_card(self) -> None:
        if self.session_key is None:
            self.take_learner()
            return
        if self.shown is None:
            status, html = self.request("GET", "/review/")
            if status == 200:
                self.show_next(html)
            return
        shown, self.shown = self.shown, None
        answer = {"card": shown.card, "token": shown.token, "rating": grade([1, 2, 3, 4])}
        if shown.needs_check:
            pick = random.choice(shown.choices) if shown.choices else None
            status, html = self.request("POST", "/review/check/", shown.check_data(pick))
            allowed = checked(html) if status == 200 else []
            if not allowed:
                return
            answer["rating"] = grade(allowed)
        status, html = self.request("POST", "/review/answer/", answer)
        if status == 200:
            ACCEPTED.write(shown.token + "\n")
            ACCEPTED.flush()
            self.show_next(html)

    @task(1)
    def progress(self) -> None:
        if self.session_key:
            self.request("GET", "/progress/")


class PacedInstructor(FastHttpUser):
    """An instructor reading the cohort dashboard every 20-40 s."""

    wait_time = between(20, 40)
    fixed_count = int(os.environ.get("BENCH_INSTRUCTORS", "3"))

    @task
    def dashboard(self) -> None:
        key = random.choice(SESSIONS["instructors"])
        self.client.get("/instructor/", headers=headers(key), name="GET /instructor/")
