"""Create the demo accounts (idempotent) and print how to log in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from quizzes.core.roles import INSTRUCTORS_GROUP, ensure_instructor_group

DEMO_ACCOUNTS = [
    # username, password, first name, role description, is_staff, groups
    ("student", "bone-student-2026", "Sam", "medical student (daily reviews)", False, []),
    ("nurse", "bone-nurse-2026", "Nia", "nurse (training modules)", False, ["Ward 5 nurses"]),
    (
        "instructor",
        "bone-instructor-2026",
        "Ines",
        "instructor (admin authoring)",
        True,
        [INSTRUCTORS_GROUP],
    ),
]

# Certificates carry the full name.
DEMO_LAST_NAMES = {"student": "Reyes", "nurse": "Adeyemi", "instructor": "Castell"}


class Command(BaseCommand):
    help = "Create demo accounts: a student, a nurse and an instructor. Safe to run repeatedly."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        ensure_instructor_group()
        user_model = get_user_model()
        self.stdout.write("Demo accounts (username / password):")
        for username, password, first_name, role, is_staff, groups in DEMO_ACCOUNTS:
            user, created = user_model.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first_name,
                    "last_name": DEMO_LAST_NAMES.get(username, ""),
                    # Reminder emails print to the console under `make run`.
                    "email": f"{username}@bonelearn.example",
                    "is_staff": is_staff,
                },
            )
            if created:
                user.set_password(password)
                user.save()
            for group_name in groups:
                group, _ = Group.objects.get_or_create(name=group_name)
                user.groups.add(group)
            state = "created" if created else "exists"
            self.stdout.write(f"  {username:<11} {password:<22} {role} [{state}]")
