"""The roles BoneLearn knows: instructors are a Django group with content permissions only."""

from __future__ import annotations

from typing import Any

INSTRUCTORS_GROUP = "Instructors"

# Content the instructors author; user, group and permission administration is deliberately absent.
INSTRUCTOR_MODELS = {
    "article": ("add", "change", "delete", "view"),
    "topic": ("add", "change", "delete", "view"),
    "lesson": ("add", "change", "delete", "view"),
    "card": ("add", "change", "delete", "view"),
    "choice": ("add", "change", "delete", "view"),
    # The reports queue: read and resolve learners' reports and automatic flags.
    "cardreport": ("change", "view"),
    "trainingmodule": ("add", "change", "delete", "view"),
    "modulelesson": ("add", "change", "delete", "view"),
    "assignment": ("add", "change", "delete", "view"),
    "attempt": ("view",),
    "completion": ("view",),
    "certificate": ("view",),
    "groupinstructor": ("add", "change", "delete", "view"),
    "reminder": ("view",),
}
EXTRA_PERMISSIONS = (
    "view_cohort_statistics",
    "upload_learners",
    "revoke_certificate",
    "signoff_card",
)
# The apps whose permissions the group may hold (never auth: no user administration).
INSTRUCTOR_APPS = ("content", "training", "insights")


def ensure_instructor_group(**kwargs: Any) -> None:
    """post_migrate: create or refresh the Instructors group and its permissions."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    group, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    codenames = [
        f"{action}_{model}" for model, actions in INSTRUCTOR_MODELS.items() for action in actions
    ]
    codenames.extend(EXTRA_PERMISSIONS)
    app_types = ContentType.objects.filter(app_label__in=INSTRUCTOR_APPS)
    permissions = Permission.objects.filter(content_type__in=app_types, codename__in=codenames)
    group.permissions.set(permissions)


def is_instructor(user: Any) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.has_perm("insights.view_cohort_statistics"))
    )
