"""The SQL both queue backends share: `Dialect` holds what differs between SQLite and PostgreSQL
(placeholders, DDL types, locking) and `Cursor` runs the same statements on either. Every value
reaches the database as a bound parameter, never as SQL text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Dialect:
    name: str
    serial_pk: str  # DDL of the autoincrementing event sequence column
    timestamp: str  # DDL type of timestamp columns
    real: str
    group_concat: str  # aggregate over decision_type, `{col}` placeholder
    skip_locked: str  # appended to a claim query

    def sql(self, text: str) -> str:
        return text if self.name == "sqlite" else text.replace("?", "%s")


SQLITE = Dialect(
    name="sqlite",
    serial_pk="integer primary key autoincrement",
    timestamp="text",
    real="real",
    group_concat="group_concat(distinct {col})",
    skip_locked="",
)
POSTGRES = Dialect(
    name="postgres",
    serial_pk="bigint generated always as identity primary key",
    timestamp="timestamptz",
    real="double precision",
    group_concat="string_agg(distinct {col}, ',')",
    skip_locked="for update skip locked",
)


class Cursor:
    """A thin wrapper that takes `?` placeholders on both backends and returns dict rows."""

    def __init__(self, raw: Any, dialect: Dialect) -> None:
        self.raw = raw
        self.dialect = dialect

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cur = self.raw.execute(self.dialect.sql(sql), tuple(params))
        return max(cur.rowcount, 0)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        if not rows:
            return 0
        cur = self.raw.cursor()
        cur.executemany(self.dialect.sql(sql), [tuple(r) for r in rows])
        return max(cur.rowcount, 0)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self.raw.execute(self.dialect.sql(sql), tuple(params))
        return [_plain(dict(r)) for r in cur.fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        rows = self.all(sql, params)
        return rows[0] if rows else None


def message_ids_present(
    cur: Cursor, select_in: str, keys: Sequence[str], params: Sequence[Any] = (), chunk: int = 500
) -> set[str]:
    """The `keys` a `select message_id from ... message_id in` query finds, asked `chunk` keys at a
    time (SQLite caps bound parameters; each chunk is one primary-key lookup per key)."""
    found: set[str] = set()
    for start in range(0, len(keys), chunk):
        part = keys[start : start + chunk]
        marks = ", ".join("?" * len(part))
        found.update(r["message_id"] for r in cur.all(f"{select_in} ({marks})", (*params, *part)))
    return found


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """Rows look the same on both backends: timestamps as ISO text (UTC, 'Z'), numbers as float."""
    for key, value in row.items():
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                value = value.astimezone(UTC).replace(tzinfo=None)
            row[key] = value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        elif type(value).__name__ == "Decimal":
            row[key] = float(value)
    return row
