"""The instructor dashboard for a group with no learners (the dropdown offers "Instructors", whose
members are all staff), and group values a browser or an attacker may send: never a server error,
on every path the dashboard has."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest.mock import patch

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from quizzes.core.roles import INSTRUCTORS_GROUP
from tests.factories import UserFactory, log_review, make_choice_card, make_module, submit_attempt

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 1, 10, 15, 0, tzinfo=UTC)
DASHBOARD = reverse("insights:instructor_dashboard")
HTMX_TARGETS = [None, "tables", "card-table"]
EXPORTS = ["topics", "cards", "modules"]


@pytest.fixture
def reviews():
    """A learner with reviews and a graded attempt, in no group, so every figure has rows."""
    learner = UserFactory(username="alice")
    card = make_choice_card()
    log_review(user=learner, card=card, rating=3, at=NOW - timedelta(days=1))
    module = make_module(cards=[card])
    right = card.choices.get(is_correct=True)
    submit_attempt(user=learner, module=module, answers=[(card, 1.0, [right.pk])])
    return learner


def _groups_without_learners() -> list[Group]:
    return [Group.objects.get(name=INSTRUCTORS_GROUP), Group.objects.create(name="Night shift")]


def _get(client, url, query, target=None):
    headers = {"HX-Request": "true", "HX-Target": target} if target else {}
    with patch("django.utils.timezone.now", return_value=NOW):
        return client.get(url, query, headers=headers)


@pytest.mark.parametrize("target", HTMX_TARGETS)
def test_the_dashboard_of_a_group_without_learners(instructor_client, reviews, target):
    for group in _groups_without_learners():
        response = _get(instructor_client, DASHBOARD, {"group": group.pk}, target)
        assert response.status_code == 200, group.name
        assert "alice" not in response.content.decode()


@pytest.mark.parametrize("table", EXPORTS)
def test_the_exports_of_a_group_without_learners(instructor_client, reviews, table):
    url = reverse("insights:instructor_export", args=[table])
    for group in _groups_without_learners():
        response = _get(instructor_client, url, {"group": group.pk})
        assert response.status_code == 200, group.name
        lines = b"".join(response.streaming_content).decode().splitlines()
        assert "alice" not in "\n".join(lines)


def test_recalculating_a_group_without_learners(instructor_client, reviews):
    group = Group.objects.create(name="Night shift")
    response = instructor_client.post(
        reverse("insights:instructor_recalculate"), {"group": group.pk}
    )
    assert response.status_code == 302
    assert _get(instructor_client, DASHBOARD, {"group": group.pk}).status_code == 200


@pytest.mark.parametrize("target", HTMX_TARGETS)
@pytest.mark.parametrize("value", ["\uff11", " 1 ", "+1", "1.0", "\u0661", "01"])
def test_odd_spellings_of_a_group_number(instructor_client, reviews, target, value):
    """Python's int() reads "１" (full width), "١" (Arabic-Indic) and " 1 " as 1, so they name
    group 1 if it exists; anything else is the form's 400."""
    response = _get(instructor_client, DASHBOARD, {"group": value}, target)
    assert response.status_code in (200, 400)
    for table in EXPORTS:
        url = reverse("insights:instructor_export", args=[table])
        assert _get(instructor_client, url, {"group": value}).status_code in (200, 400)


def test_the_query_string_the_attack_run_sent(instructor_client, reviews):
    """?group=%EF%BC%91 and ?group=+1+ exactly as they arrived."""
    for query in ["group=%EF%BC%91", "group=+1+"]:
        response = instructor_client.get(f"{DASHBOARD}?{query}")
        expected = 200 if Group.objects.filter(pk=1).exists() else 400
        assert response.status_code == expected, query
