"""Locust scenarios for `make bench`: signed-in learners and an instructor against gunicorn.

`bench.run` starts one headless locust per scenario (a user class named on the command line).
Sessions come from the dataset generator (BENCH_SESSIONS, a JSON file of session keys), so no
password is hashed during the run. Each simulated user is a different learner; a learner whose queue
runs out hands over to the next one, so every answer is a first answer to a due card.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re

from locust import FastHttpUser, between, constant, task

CSRF = "benchcsrf" + "0" * 23  # any 32 letters/digits: Django compares the header with the cookie
SESSIONS_FILE = os.environ.get("BENCH_SESSIONS", "var/bench/sessions.json")
with open(SESSIONS_FILE, encoding="utf-8") as handle:
    SESSIONS = json.load(handle)
LEARNERS = SESSIONS["learners"]
# Scenarios start at different learners: one scenario's answers must not empty the next's queue.
_next_learner = itertools.count(int(os.environ.get("BENCH_LEARNER_OFFSET", "0")))

CARD = re.compile(r'name="card" value="(\d+)"')
TOKEN = re.compile(r'name="token" value="([^"]+)"')
VERDICT = re.compile(r'name="verdict" value="([^"]+)"')
CHECK_FORM = 'action="/review/check/"'
RATINGS = (1, 2, 3, 3, 3, 3, 3, 3, 4, 4)


def _headers(session_key: str, *, htmx: bool = False) -> dict[str, str]:
    headers = {"Cookie": f"sessionid={session_key}; csrftoken={CSRF}", "X-CSRFToken": CSRF}
    if htmx:
        headers["HX-Request"] = "true"
    return headers


class Learner(FastHttpUser):
    """Base: a learner's signed-in session; not run on its own."""

    abstract = True
    wait_time = constant(0)

    def on_start(self) -> None:
        self.switch_learner()

    def switch_learner(self) -> None:
        self.session_key = LEARNERS[next(_next_learner) % len(LEARNERS)]
        self.card = self.token = None
        self.needs_check = False

    def read_card(self, html: str) -> bool:
        card, token = CARD.search(html), TOKEN.search(html)
        if card and token:
            self.card, self.token = card.group(1), token.group(1)
            self.needs_check = CHECK_FORM in html
            return True
        self.card = self.token = None
        return False

    def check(self) -> str | None:
        """Choice and cloze cards are answered before grading: submit a blank answer (wrong)."""
        with self.client.post(
            "/review/check/",
            data={"card": self.card, "token": self.token},
            headers=_headers(self.session_key, htmx=True),
            name="POST /review/check/",
            catch_response=True,
        ) as response:
            verdict = VERDICT.search(response.text or "")
            if response.status_code != 200 or not verdict:
                response.failure(f"status {response.status_code}: {(response.text or '')[:120]}")
                return None
            response.success()
            return verdict.group(1)

    def open_review(self) -> None:
        with self.client.get(
            "/review/", headers=_headers(self.session_key), name="GET /review/", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return
            self.read_card(response.text or "")
            response.success()

    def answer(self) -> None:
        """Grade the shown card as the keyboard does (htmx); the reply holds the next card."""
        if self.token is None:
            self.open_review()
            if self.token is None:
                self.switch_learner()
                return
        data = {"card": self.card, "token": self.token, "rating": str(random.choice(RATINGS))}
        if self.needs_check:
            verdict = self.check()
            if verdict is None:
                self.token = None
                return
            # A blank answer is wrong, and the server only accepts Again after a wrong answer.
            data.update(verdict=verdict, rating="1")
        with self.client.post(
            "/review/answer/",
            data=data,
            headers=_headers(self.session_key, htmx=True),
            name="POST /review/answer/",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}: {(response.text or '')[:120]}")
                self.token = None
                return
            response.success()
            if not self.read_card(response.text or ""):
                self.switch_learner()


class Healthz(FastHttpUser):
    """The baseline: a view that touches neither the database nor a template."""

    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="GET /healthz")


class SignedInFloor(Learner):
    """The lightest signed-in page (a learner's empty list of suspended cards): session, user, one
    query and the base layout. What any signed-in HTML page costs before it does its own work."""

    @task
    def suspended(self) -> None:
        self.client.get(
            "/review/suspended/", headers=_headers(self.session_key), name="GET /review/suspended/"
        )


class ReviewPage(Learner):
    @task
    def review(self) -> None:
        self.open_review()


class Answer(Learner):
    @task
    def post_answer(self) -> None:
        self.answer()


class ProgressPage(Learner):
    @task
    def progress(self) -> None:
        self.client.get("/progress/", headers=_headers(self.session_key), name="GET /progress/")


class InstructorDashboard(FastHttpUser):
    wait_time = constant(0)

    @task
    def dashboard(self) -> None:
        key = SESSIONS["instructors"][0]
        self.client.get("/instructor/", headers=_headers(key), name="GET /instructor/")


class PacedLearner(Learner):
    """A learner at a realistic pace: a card every second or so, the progress page now and then."""

    wait_time = between(0.5, 1.5)
    weight = 15

    @task(8)
    def answer_card(self) -> None:
        self.answer()

    @task(1)
    def review(self) -> None:
        self.open_review()

    @task(1)
    def progress(self) -> None:
        self.client.get("/progress/", headers=_headers(self.session_key), name="GET /progress/")


class PacedInstructor(InstructorDashboard):
    wait_time = between(2, 4)
    weight = 1

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="GET /healthz")
