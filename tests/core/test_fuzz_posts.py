"""Random and malformed form data to every POST endpoint: never a server error, never a write."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from quizzes.core.roles import INSTRUCTORS_GROUP
from quizzes.review.models import LearnerSettings, LessonRead, MemoryState, ReviewLog, ReviewUndo
from quizzes.review.tokens import token_issue
from quizzes.training.models import Assignment, Attempt, AttemptQuestion, Completion
from tests.core.test_unreadable_requests import csrf_client, post_raw
from tests.factories import MemoryStateFactory, UserFactory, make_choice_card, make_module

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

REVIEW_FIELDS = ["card", "token", "rating", "choice", "typed", "duration_ms", "review"]
# POST endpoint → the field names its form knows (random names are added on top).
ENDPOINTS = {
    "review:review_reveal": REVIEW_FIELDS,
    "review:review_check": REVIEW_FIELDS,
    "review:review_answer": REVIEW_FIELDS,
    "review:review_undo": REVIEW_FIELDS,
    "review:review_bury": REVIEW_FIELDS,
    "review:review_suspend": REVIEW_FIELDS,
    "review:settings": [
        "desired_retention",
        "critical_retention",
        "new_cards_per_day",
        "max_reviews_per_day",
        "time_zone",
        "day_start_hour",
        "learn_ahead_minutes",
    ],
    "review:time_zone_detect": ["time_zone"],
    "review:review_override": REVIEW_FIELDS,
    "training:attempt_start": ["choice", "typed"],
    "training:attempt_answer": ["q1-choice", "q1-typed", "check"],
    "training:attempt_flag": ["flag"],
    "password_change": ["old_password", "new_password1", "new_password2"],
    "login": ["username", "password", "next"],
    "logout": ["next"],
}
# Submitting an attempt needs no data at all, and a page of an attempt saves whatever answers it
# carries: any POST by its owner is a valid request.
VALID_WHATEVER_THE_DATA = {"training:attempt_submit", "training:attempt_save"}

text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60)
value = st.one_of(
    text,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "None", "null", "NaN", "-1", "0", "1e309", "0x1f", "[]", "{}"]),
    st.sampled_from(["\x00", "' OR 1=1 --", "<script>alert(1)</script>", "{{c1::x}}", "%ff"]),
    st.just("9" * 5000),
    st.just("x" * 100_000),
)
values = st.one_of(value, st.lists(value, min_size=2, max_size=4))


def _form(fields: list[str]):
    keys = st.one_of(st.sampled_from(fields), text)
    return st.dictionaries(keys, values, max_size=len(fields) + 2)


raw_bodies = st.one_of(
    st.binary(max_size=300),
    st.just(b"card=%ff%fe&token=%c3%28&rating=%80"),
    st.just(b"rating=3&rating=4&card=1&card=2"),
    st.just(b"=&&==&%&%%"),
)


@pytest.fixture
def world(db):
    now = timezone.now()
    learner = UserFactory(username="student_a")
    instructor = UserFactory(username="instructor", is_staff=True)
    instructor.groups.add(Group.objects.get(name=INSTRUCTORS_GROUP))
    card = make_choice_card()
    MemoryStateFactory(user=learner, card=card)
    module = make_module(cards=[card], lessons=[card.lesson], questions_per_attempt=1)
    Assignment.objects.create(module=module, user=learner, due_at=now + timedelta(days=7))
    attempt = Attempt.objects.create(module=module, user=learner, number=1, started_at=now)
    AttemptQuestion.objects.create(
        attempt=attempt,
        card=card,
        position=1,
        choice_order=[choice.pk for choice in card.choices.all()],
    )
    kwargs = {
        "training:attempt_start": {"slug": module.slug},
        "training:attempt_answer": {"attempt_id": attempt.pk, "position": 1},
        "training:attempt_submit": {"attempt_id": attempt.pk},
        "training:attempt_save": {"attempt_id": attempt.pk},
        "training:attempt_flag": {"attempt_id": attempt.pk, "position": 1},
    }
    return {"learner": learner, "card": card, "kwargs": kwargs}


def _snapshot(learner) -> tuple:
    """Everything a POST could write, in a comparable form."""
    counts = tuple(
        model.objects.count()
        for model in (
            ReviewLog,
            ReviewUndo,
            MemoryState,
            Attempt,
            AttemptQuestion,
            Completion,
            LearnerSettings,
            LessonRead,
        )
    )
    memory = tuple(MemoryState.objects.order_by("pk").values_list("pk", "version", "suspended"))
    answers = tuple(
        AttemptQuestion.objects.order_by("pk").values_list(
            "pk", "response", "answered_at", "flagged", "checked_at"
        )
    )
    attempts = tuple(Attempt.objects.order_by("pk").values_list("pk", "submitted_at"))
    learner.refresh_from_db()
    return counts, memory, answers, attempts, learner.password


def _post(client: Client, url: str, data) -> int:
    if isinstance(data, bytes):
        response = client.post(url, data, content_type="application/x-www-form-urlencoded")
    else:
        response = client.post(url, data)
    return response.status_code


def _fuzz(world, name: str, data, *, htmx: bool) -> None:
    learner = world["learner"]
    client = Client(headers={"HX-Request": "true"} if htmx else {})
    client.force_login(learner)
    url = reverse(name, kwargs=world["kwargs"].get(name))
    before = _snapshot(learner)
    status = _post(client, url, data)
    assert status < 500, f"POST {url} answered {status} to {data!r:.300}"
    assert _snapshot(learner) == before, f"POST {url} wrote something for {data!r:.300}"


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_random_form_data_never_errors_or_writes(world, name):
    @FUZZ
    @given(data=_form(ENDPOINTS[name]), htmx=st.booleans())
    def check(data, htmx):
        _fuzz(world, name, data, htmx=htmx)

    check()


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_malformed_bodies_never_error_or_write(world, name):
    @settings(FUZZ, max_examples=12)
    @given(body=raw_bodies)
    def check(body):
        _fuzz(world, name, body, htmx=False)

    check()


@pytest.mark.parametrize(
    "name", ["review:review_reveal", "review:review_check", "review:review_answer"]
)
def test_a_genuine_token_with_tampered_fields_never_errors_or_writes(world, name):
    learner, card = world["learner"], world["card"]
    state = MemoryState.objects.get(user=learner, card=card)
    token = token_issue(user=learner, state=state, now=timezone.now())

    @FUZZ
    @given(card_id=value, rating=value, choice=values, htmx=st.booleans())
    def check(card_id, rating, choice, htmx):
        # With a real grade this could be a genuine answer (a write); showing a card never writes.
        assume(name != "review:review_answer" or rating not in {"1", "2", "3", "4"})
        data = {"card": card_id, "token": token, "rating": rating, "choice": choice}
        _fuzz(world, name, data, htmx=htmx)

    check()


@pytest.mark.parametrize("name", sorted(VALID_WHATEVER_THE_DATA))
def test_endpoints_that_need_no_data_never_error(world, name):
    @FUZZ
    @given(data=_form(["next"]))
    def check(data):
        client = Client()
        client.force_login(world["learner"])
        url = reverse(name, kwargs=world["kwargs"].get(name))
        assert _post(client, url, data) < 500

    check()


# Charsets a browser, a script or an attacker may name, and the content types they come with.
CHARSETS = ["utf-16", "utf-16-le", "utf-32", "latin-1", "cp500", "utf-7", "shift_jis", "UTF8"]
CHARSETS += ["bogus", ""]
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "text/plain",
    "application/json",
]


def _encoded(data: dict, charset: str) -> bytes:
    try:
        return urlencode(data, doseq=True).encode(charset or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know is sent as UTF-8, as a browser would
        return urlencode(data, doseq=True).encode()


def odd_charset_posts(fields: list[str]):
    """A form's data, a charset and a content type to send it with."""
    return st.tuples(_form(fields), st.sampled_from(CHARSETS), st.sampled_from(CONTENT_TYPES))


def post_in_charset(user, url: str, post: tuple) -> None:
    """POST it with the CSRF check on, as in production, where it is the first to read the form;
    never a server error."""
    data, charset, content_type = post
    body = _encoded(data, charset)
    response = post_raw(csrf_client(user), url, body, f"{content_type}; charset={charset}")
    assert response.status_code < 500, f"POST {url} {content_type} {charset} {body!r:.200}"


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_forms_in_odd_charsets_never_error_or_write(world, name):
    learner = world["learner"]
    url = reverse(name, kwargs=world["kwargs"].get(name))

    @settings(FUZZ, max_examples=15)
    @given(post=odd_charset_posts(ENDPOINTS[name]))
    def check(post):
        before = _snapshot(learner)
        post_in_charset(learner, url, post)
        assert _snapshot(learner) == before

    check()
