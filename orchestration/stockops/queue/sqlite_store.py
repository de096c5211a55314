"""The embedded owner-queue store: one SQLite file (WAL) beside the warehouse.

All queue logic lives behind `stockops.queue.store`; this module gives it SQLite connections. Write
transactions take the database lock up front (BEGIN IMMEDIATE), so a batch commits whole or not
at all; remote deliveries are serialised by an exclusive file lock beside the database, which
the operating system releases when the exporter dies.
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from stockops.queue.schema import added_column_types, schema_ddl
from stockops.queue.sql import SQLITE, Cursor
from stockops.queue.store import QueueStore

# columns added after the first release of the queue file; added in place to older files
_ADDED_COLUMNS = {
    "queue_items": {"escalated_to": "text", "escalated_at": "text", **added_column_types(SQLITE)}
}


class SqliteQueueStore(QueueStore):
    dialect = SQLITE

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self._ready = False
        self._local = threading.local()  # the connection session() holds, per thread

    @property
    def _held(self) -> sqlite3.Connection | None:
        return getattr(self._local, "con", None)

    @contextmanager
    def session(self) -> Iterator[None]:
        """Keep one connection for this thread's transactions inside (the export's delivery
        batches). Opening and closing one per transaction cost ~6 ms a batch: closing the last
        connection checkpoints the WAL into the database file every time."""
        if self._held is not None:
            yield
            return
        self._local.con = self.connect()
        try:
            yield
        finally:
            held, self._local.con = self._local.con, None
            held.close()

    def connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("pragma busy_timeout = 60000")
        if not self._ready:
            con.execute("pragma journal_mode=wal")
            for statement in schema_ddl(SQLITE):
                if statement.lstrip().startswith("create index"):
                    continue
                con.execute(statement)
            for table, columns in _ADDED_COLUMNS.items():
                have = {r["name"] for r in con.execute(f"pragma table_info({table})")}
                for column, ddl in columns.items():
                    if column not in have:
                        con.execute(f"alter table {table} add column {column} {ddl}")
            for statement in schema_ddl(SQLITE):
                if statement.lstrip().startswith("create index"):
                    con.execute(statement)
            self._ready = True
        con.execute("pragma synchronous=normal")
        return con

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """One write transaction, taken up front (BEGIN IMMEDIATE): all of it commits or none."""
        held = self._held
        con = held or self.connect()
        try:
            con.execute("begin immediate")
            yield Cursor(con, SQLITE)
            con.execute("commit")
        except BaseException:
            if con.in_transaction:
                con.execute("rollback")
            raise
        finally:
            if con is not held:
                con.close()

    @contextmanager
    def reading(self) -> Iterator[Cursor | None]:
        if not self.path.exists():
            yield None
            return
        con = self.connect()
        try:
            yield Cursor(con, SQLITE)
        finally:
            con.close()

    @contextmanager
    def delivery_lock(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".deliver.lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
