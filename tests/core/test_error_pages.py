"""Refusals and missing pages in the app's own style, with a way back; the favicon is served."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_a_student_opening_the_instructor_dashboard_gets_the_styled_403(student_client):
    response = student_client.get(reverse("insights:instructor_dashboard"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "<title>Not for your account · BoneLearn</title>" in html
    assert "This page is not open to your account" in html
    assert 'href="/static/quizzes/css/bonelearn.css"' in html
    assert (
        f'<a class="button primary" href="{reverse("review:home")}">Back to your topics</a>' in html
    )
    assert 'aria-label="Main"' in html  # the site's navigation, not Django's bare page


def test_an_unknown_address_gets_the_styled_404_with_a_way_back(student_client):
    response = student_client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "There is nothing at this address" in html and "Back to your topics" in html
    assert "data-error-message" in html


def test_another_learners_attempt_is_the_same_404(client, student, other_student):
    client.force_login(other_student)
    response = client.get(reverse("training:attempt", args=[999999]))
    assert response.status_code == 404 and b"There is nothing at this address" in response.content


def test_the_500_page_needs_neither_a_request_nor_the_database(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html and 'href="/"' in html
    assert "bonelearn.css" in html and "<script" not in html


def test_favicon_is_linked_and_never_a_404():
    response = Client().get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/quizzes/favicon.svg"
    login = Client().get(reverse("login")).content.decode()
    assert '<link rel="icon" href="/static/quizzes/favicon.svg" type="image/svg+xml">' in login


def test_no_inline_scripts_or_styles_in_the_pages_this_issue_touched(student_client):
    for url in (reverse("review:home"), reverse("review:review"), reverse("insights:progress")):
        html = student_client.get(url).content.decode()
        assert "<script>" not in html and "<style" not in html
        assert 'style="' not in html, url
