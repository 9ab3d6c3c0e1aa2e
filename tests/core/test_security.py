"""Security that must hold: log-in lockout, password rules, session lifetime, deploy checks."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"
BASE_DIR = Path(__file__).resolve().parents[2]


def _log_in(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def _is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def learner(db):
    return UserFactory(username="ward_nurse")


def test_correct_password_logs_in_through_the_form(client, learner):
    response = _log_in(client, "ward_nurse", PASSWORD)
    assert response.status_code == 302
    assert _is_logged_in(client)


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, learner):
    limit = django_settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        response = _log_in(client, "ward_nurse", "wrong-password")
        assert response.status_code == 200  # the form again, with its error
    response = _log_in(client, "ward_nurse", "wrong-password")
    assert response.status_code == 429
    assert b"Too many failed log-ins" in response.content

    response = _log_in(client, "ward_nurse", PASSWORD)
    assert response.status_code == 429
    assert not _is_logged_in(client)


def test_lockout_cools_off_instead_of_locking_for_good(client, learner):
    assert django_settings.AXES_COOLOFF_TIME is not None
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        _log_in(client, "ward_nurse", "wrong-password")
    assert _log_in(client, "ward_nurse", PASSWORD).status_code == 429

    # Axes reads the attempt time from its own clock; move it past the cool-off period.
    later = timezone.now() + django_settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
    with mock.patch("axes.handlers.proxy.now", return_value=later):
        response = _log_in(client, "ward_nurse", PASSWORD)
    assert response.status_code == 302
    assert _is_logged_in(client)


def test_lockout_is_per_account_so_one_attacker_cannot_lock_out_others(client, learner):
    UserFactory(username="other_nurse")
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        _log_in(client, "ward_nurse", "wrong-password")
    assert _log_in(client, "other_nurse", PASSWORD).status_code == 302


def test_an_overlong_username_is_a_wrong_log_in_not_a_server_error(client, learner):
    # Axes records the attempted username in a 255-character column (PostgreSQL enforces it).
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        response = _log_in(client, "x" * 5000, "wrong-password")
        assert response.status_code in (200, 429)
    assert response.status_code == 429
    assert _log_in(client, "ward_nurse", PASSWORD).status_code == 302


def test_a_success_resets_the_failure_count(client, learner):
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        _log_in(client, "ward_nurse", "wrong-password")
    assert _log_in(client, "ward_nurse", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        _log_in(client, "ward_nurse", "wrong-password")
    assert _log_in(client, "ward_nurse", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "password",
    ["short1!", "password123", "12345678901234", "ward_nurse_1"],
    ids=["too-short", "common", "numeric", "like-username"],
)
def test_weak_passwords_are_rejected(learner, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=learner)


def test_a_strong_password_passes_the_validators(learner):
    validate_password("tibia-osteoid-lantern-93", user=learner)


def test_password_change_form_refuses_a_weak_password(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "password", "new_password2": "password"},
    )
    assert response.status_code == 200
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)


def test_sessions_have_a_bounded_lifetime():
    assert 0 < django_settings.SESSION_COOKIE_AGE <= 60 * 60 * 24 * 14
    assert django_settings.SESSION_COOKIE_HTTPONLY


def test_an_expired_session_sends_the_learner_back_to_log_in(client, learner):
    client.force_login(learner)
    assert client.get(reverse("review:home")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("review:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logout_ends_the_session_on_the_server(client, learner):
    client.force_login(learner)
    session_key = client.session.session_key
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=session_key).exists()

    # Replaying the old cookie does not log anyone back in.
    replay = Client()
    replay.cookies[django_settings.SESSION_COOKIE_NAME] = session_key
    response = replay.get(reverse("review:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logout_by_get_is_refused(client, learner):
    client.force_login(learner)
    assert client.get(reverse("logout")).status_code == 405
    assert _is_logged_in(client)


def test_password_change_ends_the_other_sessions_but_keeps_this_one(learner):
    this_device, other_device = Client(), Client()
    this_device.force_login(learner)
    other_device.force_login(learner)
    response = this_device.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "tibia-osteoid-lantern-93",
            "new_password2": "tibia-osteoid-lantern-93",
        },
    )
    assert response.status_code == 302
    assert this_device.get(reverse("review:home")).status_code == 200
    response = other_device.get(reverse("review:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_htmx_requests_carry_the_csrf_token_from_the_body(client, learner):
    client.force_login(learner)
    html = client.get(reverse("review:home")).content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


def test_posts_without_a_csrf_token_are_refused(learner):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)
    assert strict.post(reverse("logout")).status_code == 403
    assert strict.post(reverse("review:review_answer"), {"rating": "3"}).status_code == 403


def test_no_view_is_exempt_from_csrf():
    offenders = []
    for path in [*BASE_DIR.joinpath("quizzes").rglob("*.py"), BASE_DIR / "bonelearn" / "urls.py"]:
        if "csrf_exempt" in path.read_text(encoding="utf-8"):
            offenders.append(str(path.relative_to(BASE_DIR)))
    assert offenders == []


def _production_environment() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE is set for the browser tests; production never sets it.
        if key
        not in {
            "SECURE_SSL_REDIRECT",
            "SECURE_COOKIES",
            "SECURE_HSTS_SECONDS",
            "DEBUG",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="bonelearn.example.org",
        DJANGO_SETTINGS_MODULE="bonelearn.settings",
    )
    return env


def test_check_deploy_with_production_settings_has_no_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=_production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output
    assert "System check identified no issues" in output


def test_production_settings_turn_on_https_hardening():
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.X_FRAME_OPTIONS]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=_production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    debug, ssl_redirect, session_secure, csrf_secure, hsts, frame = json.loads(
        result.stdout.strip().splitlines()[-1]
    )
    assert (debug, ssl_redirect, session_secure, csrf_secure) == (False, True, True, True)
    assert hsts >= 31536000
    assert frame == "DENY"
