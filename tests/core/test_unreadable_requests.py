"""Requests Django or the database cannot read get a one-line 400, never a server error: a NUL in
the address, a query longer than any page needs, a form body in another charset, too many fields,
too large, and admin list filters with values their column cannot take."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from quizzes.content.models import Card
from quizzes.core.middleware import MAX_QUERY_BYTES
from quizzes.core.roles import INSTRUCTORS_GROUP
from quizzes.review.models import LearnerSettings
from tests.factories import UserFactory, make_choice_card

pytestmark = pytest.mark.django_db

# A well-formed CSRF secret: the checks run as in production, where the CSRF middleware is the
# first to read a POSTed form.
CSRF_SECRET = "b0nelearn" * 3 + "fuzz1"
URLENCODED = "application/x-www-form-urlencoded"


def post_raw(client: Client, url: str, body: bytes, content_type: str):
    """POST the bytes as they are (the test client's post() would re-encode them)."""
    return client.generic("POST", url, body, content_type=content_type)


def csrf_client(user=None) -> Client:
    client = Client(enforce_csrf_checks=True, headers={"X-CSRFToken": CSRF_SECRET})
    client.cookies["csrftoken"] = CSRF_SECRET
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def instructor_user(db):
    user = UserFactory(username="instructor", is_staff=True)
    user.groups.add(Group.objects.get(name=INSTRUCTORS_GROUP))
    return user


def test_the_csrf_secret_is_well_formed():
    assert len(CSRF_SECRET) == 32 and CSRF_SECRET.isalnum()


# --- form bodies -------------------------------------------------------------------------------

FORM_URLS = ["login", "logout", "review:settings", "password_change", "review:review_answer"]


@pytest.mark.parametrize("name", FORM_URLS)
@pytest.mark.parametrize("charset", ["utf-16", "utf-32", "UTF-16LE", "latin-1", "cp500"])
def test_a_form_in_another_charset_is_a_400(student, name, charset):
    body = "new_cards_per_day=5&time_zone=UTC".encode(charset)
    response = post_raw(
        csrf_client(student), reverse(name), body, f"{URLENCODED}; charset={charset}"
    )
    assert response.status_code == 400
    assert response.content.decode() == (
        "HTTP requests with the 'application/x-www-form-urlencoded' content type must be UTF-8 "
        "encoded."
    )
    assert not LearnerSettings.objects.exists()


def test_the_admin_refuses_a_form_in_another_charset(instructor_user):
    card = make_choice_card()
    url = reverse("admin:content_card_change", args=[card.pk])
    response = post_raw(
        csrf_client(instructor_user),
        url,
        "front=x".encode("utf-16"),
        f"{URLENCODED}; charset=utf-16",
    )
    assert response.status_code == 400
    assert Card.objects.get().front == card.front


@pytest.mark.parametrize("charset", ["utf-16", "bogus", "utf-8", ""])
def test_a_multipart_form_in_any_charset_never_errors(instructor_user, charset):
    body = b'--x\r\nContent-Disposition: form-data; name="article"\r\n\r\nabc\r\n--x--\r\n'
    response = post_raw(
        csrf_client(instructor_user),
        reverse("admin:content_article_upload"),
        body,
        f"multipart/form-data; boundary=x; charset={charset}",
    )
    assert response.status_code == 400  # the upload form: no article file


def test_too_many_fields_is_a_400(student):
    body = "&".join(f"f{number}=1" for number in range(1_500)).encode()
    response = post_raw(csrf_client(student), reverse("review:settings"), body, URLENCODED)
    assert response.status_code == 400
    assert "DATA_UPLOAD_MAX_NUMBER_FIELDS" in response.content.decode()


def test_a_form_body_too_large_is_a_400(student):
    body = b"time_zone=" + b"x" * (3 * 1024 * 1024)
    response = post_raw(csrf_client(student), reverse("review:settings"), body, URLENCODED)
    assert response.status_code == 400


def test_a_get_with_an_odd_charset_is_read_as_usual(student):
    response = csrf_client(student).get(
        reverse("review:home"), {"topic": "1"}, content_type="text/plain; charset=utf-16"
    )
    assert response.status_code == 200


# --- addresses ---------------------------------------------------------------------------------

NUL_FILTERS = [
    {"status__exact": "draft\x00"},
    {"origin__exact": "\x00"},
    {"kind": "\x00"},
    {"front__startswith": "\x00"},
    {"q": "a\x00b"},
    {"topic__article__id__exact": "1\x00"},
    {"o": "1\x00"},
    {"\x00": "1"},
]


@pytest.mark.parametrize("query", NUL_FILTERS)
def test_a_nul_in_an_admin_list_filter_is_a_400(instructor_client, query):
    make_choice_card()
    response = instructor_client.get(reverse("admin:content_card_changelist"), query)
    assert response.status_code == 400
    assert response.content.decode() == "The address contains a NUL character."


def test_a_nul_in_the_path_is_a_400(instructor_client):
    card = make_choice_card()
    response = instructor_client.get(f"/admin/content/card/{card.pk}%00/change/")
    assert response.status_code == 400


def test_a_query_longer_than_any_page_needs_is_a_400(instructor_client):
    url = reverse("admin:content_card_changelist")
    assert instructor_client.get(url, {"q": "x" * (MAX_QUERY_BYTES - 2)}).status_code == 200
    response = instructor_client.get(url, {"front__startswith": "x" * 60_000})
    assert response.status_code == 400
    assert response.content.decode() == "The address is too long."


@pytest.fixture
def superuser_client(db):
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("admin:axes_accessattempt_changelist", {"ip_address": "x"}),
        ("admin:axes_accessattempt_changelist", {"ip_address__exact": "0"}),
        ("admin:auth_user_changelist", {"last_login__year": "99999999999"}),
        ("admin:content_card_changelist", {"created_at__year": "99999999999"}),
    ],
)
def test_an_admin_filter_value_its_column_cannot_take_is_a_400(superuser_client, url, query):
    response = superuser_client.get(reverse(url), query)
    # PostgreSQL's inet column refuses "x" when the query is compiled; SQLite compares text.
    assert response.status_code in (200, 400)
    if response.status_code == 400 or "year" in next(iter(query)):
        assert response.content.decode() == "This list cannot be filtered by that value."


@pytest.mark.parametrize(
    "query",
    [{"name__regex": "("}, {"name__iregex": "(a+)+$"}, {"get_data__range": "000"}],
)
def test_lookups_no_admin_list_offers_are_a_400(superuser_client, query):
    url = reverse("admin:axes_accessattempt_changelist")
    if "name" in next(iter(query)):
        url = reverse("admin:auth_group_changelist")
    response = superuser_client.get(url, query)
    assert response.status_code == 400
    assert response.content.decode() == "This list cannot be filtered that way."
