"""Learner accounts from an instructor's upload: new accounts without a usable password, and
group memberships."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction


@dataclass(frozen=True)
class LearnersCreated:
    users: int
    groups_created: list[str]
    added: int = 0
    new_accounts: list[Any] = field(default_factory=list)


@transaction.atomic
def learners_create(*, rows: Sequence[Any]) -> LearnersCreated:
    """Create an account for each new username of the checked upload rows, and put every row's
    learner (new or existing) in its group, created if new.

    Rows must already be free of errors (see training_forms). Existing accounts keep their name,
    email and password. New accounts get an unusable password: nobody can log in as them until a
    password is set (the one-time links of the upload page), so a leaked sheet opens nothing.
    """
    user_model = get_user_model()
    names = sorted({row.group for row in rows})
    existing = set(Group.objects.filter(name__in=names).values_list("name", flat=True))
    Group.objects.bulk_create([Group(name=name) for name in names if name not in existing])
    groups = {group.name: group for group in Group.objects.filter(name__in=names)}
    accounts = {
        user.username: user
        for user in user_model.objects.filter(username__in=[row.username for row in rows])
    }
    memberships = []
    new_accounts = []
    for row in rows:
        user = accounts.get(row.username)
        if user is None:
            user = user_model(
                username=row.username,
                first_name=row.first_name[:150],
                last_name=row.last_name[:150],
                email=row.email,
            )
            user.set_unusable_password()
            user.save()
            new_accounts.append(user)
        membership = user_model.groups.through(user_id=user.pk, group_id=groups[row.group].pk)
        memberships.append(membership)
    # Someone already in the group stays there once.
    user_model.groups.through.objects.bulk_create(memberships, ignore_conflicts=True)
    return LearnersCreated(
        users=len(new_accounts),
        groups_created=[name for name in names if name not in existing],
        added=len(rows) - len(new_accounts),
        new_accounts=new_accounts,
    )
