"""Running the same request or service call in several threads at once, on a database that lets
writers queue as in production."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import connections


def fire(submit: Callable[[], str], *, times: int, outcome_of: Callable[[Exception], str]) -> list:
    """Run `submit` in `times` threads released together; collect what each one got (an
    exception becomes `outcome_of(error)`)."""
    barrier = threading.Barrier(times)
    results: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait()
            outcome = submit()
        except Exception as error:  # recorded, so the assertion shows what went wrong
            outcome = outcome_of(error)
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture(scope="module")
def concurrent_database(django_db_setup, django_db_blocker, tmp_path_factory):
    """On SQLite, run these tests on a database file, configured as in production.

    The default in-memory test database is shared between threads through SQLite's shared cache,
    where a second writer fails at once ("table is locked") instead of waiting its turn; a file
    with WAL and BEGIN IMMEDIATE (bonelearn/settings.py) makes writers queue, as in production.
    PostgreSQL needs nothing: each thread gets its own server connection.
    """
    connection = connections["default"]
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    with django_db_blocker.unblock():
        settings_dict = connection.settings_dict
        memory_name, memory_connection = settings_dict["NAME"], connection.connection
        # Closing would destroy the in-memory database the other tests use; set it aside instead.
        connection.connection = None
        settings_dict["NAME"] = str(tmp_path_factory.mktemp("concurrency") / "test.sqlite3")
        try:
            call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
            # Tests run without migrations, so the cache table comes from its own command.
            call_command("createcachetable", verbosity=0)
            yield
        finally:
            connections.close_all()
            settings_dict["NAME"] = memory_name
            connection.connection = memory_connection
