"""The learner sheet (CSV: username, name, email, group) read with django-import-export.

One row per learner. A username without an account becomes a new account with no usable password
(the upload page hands out one-time "set your password" links); a username that has an account is
that learner, left as she is (name, email and password) and added to the row's group. Groups that
carry permissions (e.g. Instructors) are refused: this upload must never hand out staff rights.
Every row is checked before anything is written; one bad row writes nothing at all.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from import_export import fields, resources, widgets

LEARNER_COLUMNS = ("username", "name", "email", "group")
MAX_LEARNER_ROWS = 2000
GROUP_NAME_LENGTH = 150


def _tidy(value: Any) -> str:
    return " ".join(str(value or "").split())


class LearnerResource(resources.ModelResource):
    name = fields.Field(attribute="sheet_name", column_name="name", widget=widgets.CharWidget())
    group = fields.Field(attribute="sheet_group", column_name="group", widget=widgets.CharWidget())

    class Meta:
        model = get_user_model()
        import_id_fields = ("username",)
        fields = LEARNER_COLUMNS
        clean_model_instances = True
        skip_diff = True
        store_instance = True
        store_row_values = True
        use_transactions = True

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        """Check the whole sheet's shape; these problems stop every row."""
        dataset.headers = [_tidy(header).lower() for header in dataset.headers or []]
        unknown = [name for name in dataset.headers if name not in LEARNER_COLUMNS]
        missing = [name for name in LEARNER_COLUMNS if name not in dataset.headers]
        if unknown:
            expected = ", ".join(LEARNER_COLUMNS)
            raise ValueError(f"Unknown column(s): {', '.join(unknown)}. Use {expected}.")
        if missing:
            raise ValueError(f"Missing column(s): {', '.join(missing)}.")
        if len(dataset) > MAX_LEARNER_ROWS:
            raise ValueError(f"At most {MAX_LEARNER_ROWS} learners per file.")
        if not len(dataset):
            raise ValueError("The file has a header but no learners.")
        groups = {_tidy(name) for name in dataset["group"]}
        self.privileged = set(
            Group.objects.filter(name__in=groups, permissions__isnull=False).values_list(
                "name", flat=True
            )
        )
        self.seen: dict[str, int] = {}

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        for column in LEARNER_COLUMNS:
            row[column] = _tidy(row.get(column))

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        """Take the row's values (a new account's own; an existing account keeps hers) and check
        them; every problem of the row is raised at once."""
        line = kwargs["row_number"] + 1  # the header is line 1
        instance.sheet_name, instance.sheet_group = row["name"], row["group"]
        instance.sheet_notes = []
        errors = _row_errors(row, line=line, seen=self.seen, privileged=self.privileged)
        if instance.pk is None:
            first, _, last = row["name"].partition(" ")
            instance.username, instance.email = row["username"], row["email"]
            instance.first_name, instance.last_name = first[:150], last.strip()[:150]
            instance.set_unusable_password()
        else:
            errors.update(_existing_account_problems(instance, row))
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance: Any, is_create: bool, row: Any, **kwargs: Any) -> None:
        if is_create:  # an existing account is never written, only added to the group
            super().save_instance(instance, is_create, row, **kwargs)

    def save_m2m(self, instance: Any, row: Any, **kwargs: Any) -> None:
        """Every learner of the sheet, new or existing, joins the row's group (created if new)."""
        group, _ = Group.objects.get_or_create(name=instance.sheet_group)
        instance.groups.add(group)


def _row_errors(row: Any, *, line: int, seen: dict[str, int], privileged: set[str]) -> dict:
    errors: dict[str, list[str]] = {}
    username, group = row["username"], row["group"]
    if not username:
        errors["username"] = ["Username is empty."]
    elif username.casefold() in seen:
        errors["username"] = [f"Username appears twice (also on line {seen[username.casefold()]})."]
    else:
        seen[username.casefold()] = line
    if row["email"]:
        try:
            validate_email(row["email"])
        except ValidationError:
            errors["email"] = [f"“{row['email']}” is not an email address."]
    if not group:
        errors["sheet_group"] = ["Group is empty."]
    elif len(group) > GROUP_NAME_LENGTH:
        errors["sheet_group"] = [f"Group names are at most {GROUP_NAME_LENGTH} characters."]
    elif group in privileged:
        errors["sheet_group"] = [
            f"“{group}” grants staff permissions; only user administration adds people to it."
        ]
    if len(row["name"]) > 300:
        errors["sheet_name"] = ["Name is too long."]
    return errors


def _existing_account_problems(account: Any, row: Any) -> dict:
    """An account the sheet names: a different email is an error (probably the wrong username);
    a different name or an existing membership is only noted."""
    if row["email"] and account.email and row["email"].casefold() != account.email.casefold():
        return {
            "email": [
                "An account with this username already exists with a different email address; "
                "check the username."
            ]
        }
    current = account.get_full_name()
    if row["name"] and current and row["name"].casefold() != current.casefold():
        account.sheet_notes.append(f"The account keeps its name “{current}”.")
    if row["group"] and account.groups.filter(name=row["group"]).exists():
        account.sheet_notes.append("Already in this group: nothing changes.")
    return {}
