from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from quizzes.core.roles import INSTRUCTORS_GROUP
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Full-strength password hashing costs ~0.3 s per user; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests render templates without running collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def student(db):
    return UserFactory(username="student_a")


@pytest.fixture
def other_student(db):
    return UserFactory(username="student_b")


@pytest.fixture
def instructor(db):
    user = UserFactory(username="instructor", is_staff=True)
    user.groups.add(Group.objects.get(name=INSTRUCTORS_GROUP))
    return user


@pytest.fixture
def student_client(client, student):
    client.force_login(student)
    return client


@pytest.fixture
def instructor_client(client, instructor):
    client.force_login(instructor)
    return client
