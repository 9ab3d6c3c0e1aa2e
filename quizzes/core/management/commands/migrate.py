"""`migrate`, refusing with one line a database made by BoneLearn's old single-app layout.

Before the domain apps (content, review, training, insights) everything lived in one app called
`quizzes`; nothing was deployed, so the apps started their migrations afresh. Migrating such a
database would build the new tables beside the old ones and silently ignore what they hold.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

OLD_LAYOUT_MESSAGE = (
    "This database was made by an older BoneLearn layout (app 'quizzes'); run `make clean` "
    "(it deletes var/ and the local database) and then `make run` again."
)


class Command(MigrateCommand):
    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        recorder = MigrationRecorder(connection)
        if recorder.has_table() and recorder.migration_qs.filter(app="quizzes").exists():
            raise CommandError(OLD_LAYOUT_MESSAGE)
        super().handle(*args, **options)
