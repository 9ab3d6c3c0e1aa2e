"""Rows inserted in batches through the connection's fastest bulk path: `COPY` on PostgreSQL,
`executemany` in one transaction per batch on SQLite (autocommit would commit every row)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class BatchWriter:
    """Insert rows of one model's columns in batches of `batch_size`; `flush()` writes the rest."""

    def __init__(self, model: Any, fields: Sequence[str], *, batch_size: int) -> None:
        from django.db import connection

        self.connection = connection
        self.batch_size = batch_size
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
        self.buffer: list[tuple] = []
        self.rows = 0
        self.batches = 0

    def add(self, row: tuple) -> None:
        self.buffer.append(row)
        if len(self.buffer) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        from django.db import transaction

        with transaction.atomic(), self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                    for row in self.buffer:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(self.buffer[0]))
                cursor.executemany(
                    f"INSERT INTO {self.table} ({self.columns}) VALUES ({placeholders})",
                    self.buffer,
                )
        self.rows += len(self.buffer)
        self.batches += 1
        self.buffer = []
