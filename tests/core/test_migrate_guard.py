"""`migrate` on a database made by the old single-app layout stops with one line saying what to
do, instead of building the new tables beside the old ones."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder


@pytest.mark.django_db(transaction=True)
def test_migrate_refuses_a_database_of_the_old_layout():
    recorder = MigrationRecorder(connection)
    recorder.record_applied("quizzes", "0001_initial")
    try:
        with pytest.raises(CommandError) as refused:
            call_command("migrate", verbosity=0)
    finally:
        recorder.record_unapplied("quizzes", "0001_initial")
    message = str(refused.value)
    assert "older BoneLearn layout" in message and "make clean" in message
    assert "\n" not in message
