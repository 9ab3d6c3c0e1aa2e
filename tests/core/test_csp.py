"""The Content-Security-Policy on every response, and templates that keep to it: no inline script,
no <style>, no style attribute, no inline event handler (the browser journeys check the pages as
rendered, including the Django admin's)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import make_choice_card

BASE_DIR = Path(__file__).resolve().parents[2]
POLICY = {
    "default-src": "'self'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
}
# What the policy refuses, as it would appear in a template.
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE),
    "<style>": re.compile(r"<style[\s>]", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("anonymous", "/accounts/login/"),
        ("student", "/"),
        ("student", "/settings/"),
        ("instructor", "/instructor/"),
        ("instructor", "/admin/"),
        ("instructor", "/admin/content/card/"),
        ("instructor", "/admin/content/card/import/"),
        ("instructor", "/admin/content/card/?status__exact=%00"),  # a 400 from the middleware
        ("student", "/no-such-page/"),
    ],
)
def test_every_response_carries_the_policy(client, student, instructor, who, url):
    make_choice_card()
    if who != "anonymous":
        client.force_login({"student": student, "instructor": instructor}[who])
    response = client.get(url)
    assert _policy(response) == POLICY, url


def _templates() -> list[Path]:
    return sorted(
        [*BASE_DIR.glob("templates/**/*.html"), *BASE_DIR.glob("quizzes/*/templates/**/*.html")]
    )


def test_there_are_templates_to_check():
    assert len(_templates()) > 20
    assert reverse("admin:content_card_import")


@pytest.mark.parametrize("kind", sorted(INLINE))
def test_no_template_has_what_the_policy_refuses(kind):
    offenders = [
        f"{path.relative_to(BASE_DIR)}:{number}"
        for path in _templates()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if INLINE[kind].search(line)
    ]
    assert offenders == [], f"{kind} in {offenders}"
