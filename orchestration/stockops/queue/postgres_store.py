"""The owner-queue store on PostgreSQL, for teams: the same queue logic as the SQLite store.

stockops creates and owns one schema (default `stockops_queue`); the connection string comes from
STOCKOPS_POSTGRES_DSN and is never logged. Pending messages are claimed with
`FOR UPDATE SKIP LOCKED`, so several exporters can drain the outbox side by side, and event
writers take a transaction-scoped advisory lock so event sequence numbers commit in order (the
event snapshot's high-water mark relies on that).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from stockops.queue.schema import schema_ddl
from stockops.queue.sql import POSTGRES, Cursor
from stockops.queue.store import QueueStore

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_DDL_LOCK = 7_261_001  # advisory lock keys, private to stockops
_EVENTS_LOCK = 7_261_002


class PostgresQueueStore(QueueStore):
    dialect = POSTGRES

    def __init__(self, dsn: str, schema: str | None = None) -> None:
        schema = schema or "stockops_queue"
        if not _IDENTIFIER.match(schema):
            raise ValueError(
                f"STOCKOPS_POSTGRES_SCHEMA must be a lower-case SQL identifier, got {schema!r}"
            )
        self.dsn = dsn
        self.schema = schema
        self.location = f"postgresql schema {schema}"
        self._ready = False

    def __repr__(self) -> str:  # never show the DSN: it may hold a password
        return f"PostgresQueueStore(schema={self.schema!r})"

    def connect(self) -> psycopg.Connection:
        try:
            con = psycopg.connect(
                self.dsn, row_factory=dict_row, autocommit=True, connect_timeout=15
            )
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConnectionError(f"cannot connect to the PostgreSQL queue: {first}") from None
        if not self._ready:
            with con.transaction():
                con.execute("select pg_advisory_xact_lock(%s)", (_DDL_LOCK,))
                con.execute(
                    sql.SQL("create schema if not exists {}").format(sql.Identifier(self.schema))
                )
                con.execute(
                    sql.SQL("set local search_path to {}").format(sql.Identifier(self.schema))
                )
                for statement in schema_ddl(POSTGRES):
                    con.execute(statement)
            self._ready = True
        con.execute(sql.SQL("set search_path to {}").format(sql.Identifier(self.schema)))
        return con

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        con = self.connect()
        try:
            with con.transaction():
                yield Cursor(con, POSTGRES)
        finally:
            con.close()

    @contextmanager
    def reading(self) -> Iterator[Cursor | None]:
        con = self.connect()
        try:
            yield Cursor(con, POSTGRES)
        finally:
            con.close()

    def lock_events(self, cur: Cursor) -> None:
        cur.execute("select pg_advisory_xact_lock(?)", (_EVENTS_LOCK,))

    def drop_schema(self) -> None:
        """Remove everything stockops created (tests and decommissioning)."""
        con = self.connect()
        try:
            con.execute(
                sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(self.schema))
            )
        finally:
            con.close()
        self._ready = False
