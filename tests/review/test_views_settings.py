from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from quizzes.review.models import LearnerSettings

URL = reverse("review:settings")
VALID = {
    "desired_retention": "0.85",
    "critical_retention": "0.95",
    "new_cards_per_day": "15",
    "max_reviews_per_day": "150",
    "time_zone": "Europe/London",
    "day_start_hour": "5",
    "learn_ahead_minutes": "15",
}
DETECT = reverse("review:time_zone_detect")


@pytest.mark.django_db
def test_anonymous_goes_to_login(client):
    for response in (client.get(URL), client.post(URL, VALID)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert LearnerSettings.objects.count() == 0


def test_page_shows_defaults_without_saving(student_client):
    response = student_client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="0.9"' in html and 'value="20"' in html and 'value="200"' in html
    assert 'name="learn_ahead_minutes" value="20"' in html
    assert '<option value="4" selected>04:00</option>' in html
    assert LearnerSettings.objects.count() == 0


def test_valid_settings_are_saved(student_client, student):
    response = student_client.post(URL, VALID)
    assert response.status_code == 302 and response["Location"] == URL
    saved = LearnerSettings.objects.get(user=student)
    assert (saved.desired_retention, saved.new_cards_per_day, saved.time_zone) == (
        0.85,
        15,
        "Europe/London",
    )
    assert (saved.day_start_hour, saved.learn_ahead_minutes, saved.time_zone_set) == (5, 15, True)
    assert b"Settings saved" in student_client.get(URL).content


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("desired_retention", "0.5", "at least 0.70"),
        ("desired_retention", "0.99", "at most 0.97"),
        ("desired_retention", "ninety", "decimal such as 0.90"),
        ("critical_retention", "0.80", "at least your desired retention"),
        ("new_cards_per_day", "-1", "cannot be negative"),
        ("max_reviews_per_day", "100000", "at most 9999"),
        ("time_zone", "Mars/Olympus", "Choose a time zone from the list"),
        ("day_start_hour", "24", "between 00:00 and 23:00"),
        ("learn_ahead_minutes", "-5", "cannot be negative"),
        ("learn_ahead_minutes", "721", "at most 720 minutes"),
        ("learn_ahead_minutes", "soon", "whole number"),
    ],
)
def test_invalid_settings_give_clear_errors_and_save_nothing(
    student_client, student, field, value, message
):
    response = student_client.post(URL, {**VALID, "critical_retention": "0.96", field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LearnerSettings.objects.filter(user=student).exists()


def test_editing_changes_only_the_learners_own_settings(student_client, student, other_student):
    theirs = LearnerSettings.objects.create(user=other_student, new_cards_per_day=3)
    LearnerSettings.objects.create(user=student)
    student_client.post(URL, VALID)
    theirs.refresh_from_db()
    assert theirs.new_cards_per_day == 3
    assert LearnerSettings.objects.get(user=student).new_cards_per_day == 15


@pytest.mark.parametrize("others", [1, 12])
def test_query_count_is_constant(student_client, student, others, django_assert_max_num_queries):
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"peer{i}") for i in range(others)
    )
    LearnerSettings.objects.bulk_create(LearnerSettings(user=user) for user in users)
    with django_assert_max_num_queries(5):
        student_client.get(URL)
    with django_assert_max_num_queries(8):
        student_client.post(URL, VALID)


def test_first_save_when_another_request_created_the_row_updates_it(student_client, student):
    # The page was loaded before any row existed; another tab's first save created it meanwhile.
    page = student_client.get(URL)
    assert page.status_code == 200 and not LearnerSettings.objects.exists()
    LearnerSettings.objects.create(user=student, new_cards_per_day=3)
    response = student_client.post(URL, VALID)
    assert response.status_code == 302
    saved = LearnerSettings.objects.get(user=student)
    assert saved.new_cards_per_day == 15 and saved.time_zone == "Europe/London"


def test_page_links_to_the_suspended_cards(student_client):
    html = student_client.get(URL).content.decode()
    assert f'href="{reverse("review:review_suspended")}"' in html


# --- the time zone, detected from the browser on the first visit ---------------------------


def test_first_visit_pages_carry_the_time_zone_form_until_a_zone_is_set(student_client, student):
    home = student_client.get(reverse("review:home")).content.decode()
    assert f'<meta name="time-zone-detect" content="{DETECT}"' in home
    assert 'src="/static/quizzes/js/time-zone.js"' in home
    response = student_client.post(DETECT, {"time_zone": "Europe/Berlin"})
    assert response.status_code == 204
    saved = LearnerSettings.objects.get(user=student)
    assert (saved.time_zone, saved.time_zone_set) == ("Europe/Berlin", True)
    assert "time-zone-detect" not in student_client.get(reverse("review:home")).content.decode()
    page = student_client.get(URL).content.decode()
    assert "<strong>Europe/Berlin</strong>" in page
    assert '<option value="Europe/Berlin" selected>' in page


def test_a_detected_zone_never_overrides_one_the_learner_chose(student_client, student):
    student_client.post(URL, VALID)
    assert student_client.post(DETECT, {"time_zone": "Asia/Tokyo"}).status_code == 204
    assert LearnerSettings.objects.get(user=student).time_zone == "Europe/London"
    # Nor a second report the first one: the browser's zone is taken once.
    student_client.post(DETECT, {"time_zone": "America/Chicago"})
    assert LearnerSettings.objects.get(user=student).time_zone == "Europe/London"


@pytest.mark.parametrize("zone", ["", "Mars/Olympus", "localtime", "x" * 65, "../../etc/passwd"])
def test_an_unknown_zone_is_refused_with_one_line(student_client, student, zone):
    response = student_client.post(DETECT, {"time_zone": zone})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain") and b"\n" not in response.content
    assert not LearnerSettings.objects.filter(user=student).exists()


def test_detection_needs_a_post_and_a_learner(student_client):
    assert student_client.get(DETECT).status_code == 405
    response = Client().post(DETECT, {"time_zone": "Europe/Paris"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
