"""The embedded owner-queue store: one SQLite file (WAL) beside the warehouse.

A queue row is one decision version, keyed on (decision_id, decision_version): inserting the same
version again has no effect, so the export may repeat and the queue still holds each version once.
Older versions are marked superseded in the queue, never deleted.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
create table if not exists queue_items (
    decision_id      text    not null,
    decision_version integer not null,
    owner_id         text    not null,
    decision_type    text    not null,
    priority         text,
    value_at_stake   real,
    due_by           text,
    reason           text,
    signal_at        text,
    payload          text    not null,
    queue_status     text    not null default 'open',
    enqueued_at      text    not null,
    updated_at       text    not null,
    primary key (decision_id, decision_version)
);
create index if not exists queue_items_owner on queue_items (owner_id, queue_status);
create table if not exists queue_events (
    seq              integer primary key autoincrement,
    event_id         text    not null unique,
    decision_id      text    not null,
    decision_version integer not null,
    event_type       text    not null,
    actor_id         text    not null,
    occurred_at      text    not null,
    reason           text,
    snoozed_until    text
);
"""

# fct_decisions.status -> what the queue shows
QUEUE_STATUS = {
    "withdrawn": "withdrawn",
    "executed": "closed",
    "rejected": "closed",
    "reversed": "closed",
}
SYSTEM_ACTOR = "stockops"

QUEUE_COLUMNS = (
    "decision_id",
    "decision_version",
    "owner_id",
    "decision_type",
    "priority",
    "value_at_stake",
    "due_by",
    "reason",
    "signal_at",
)


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class ExportResult:
    offered: int
    inserted: int
    superseded: int
    closed: int


def queue_status(decision: Mapping[str, Any]) -> str:
    return QUEUE_STATUS.get(str(decision.get("status") or ""), "open")


class SqliteQueueStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("pragma journal_mode=wal")
        con.execute("pragma synchronous=normal")
        con.executescript(SCHEMA)
        return con

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front (BEGIN IMMEDIATE): all of it commits or none of it."""
        con = self.connect()
        try:
            con.execute("begin immediate")
            yield con
            con.execute("commit")
        except BaseException:
            if con.in_transaction:
                con.execute("rollback")
            raise
        finally:
            con.close()

    @staticmethod
    def _record_events(
        con: sqlite3.Connection,
        event_type: str,
        events: list[tuple[Mapping[str, Any], str]],
        at: str,
    ) -> int:
        """Append one event per (decision, reason), id `<type>:<decision_id>:<version>`; a repeat is a no-op."""
        before = con.total_changes
        con.executemany(
            """
            insert into queue_events (
                event_id, decision_id, decision_version, event_type, actor_id, occurred_at, reason
            ) values (?, ?, ?, ?, ?, ?, ?)
            on conflict (event_id) do nothing
            """,
            [
                (
                    f"{event_type}:{d['decision_id']}:{d['decision_version']}",
                    d["decision_id"],
                    d["decision_version"],
                    event_type,
                    SYSTEM_ACTOR,
                    at,
                    reason,
                )
                for d, reason in events
            ],
        )
        return con.total_changes - before

    def enqueue(self, decisions: Iterable[Mapping[str, Any]]) -> ExportResult:
        """Queue every decision version not yet queued, with an 'assigned' event each; mark versions
        superseded, withdrawn or closed as the mart says. One transaction: all of it or nothing."""
        rows = list(decisions)
        now = utc_now()
        with self._transaction() as con:
            new_rows = [
                row
                for row in rows
                if queue_status(row) == "open"
                and con.execute(
                    "select 1 from queue_items where decision_id = ? and decision_version = ?",
                    (row["decision_id"], row["decision_version"]),
                ).fetchone()
                is None
            ]
            before = con.total_changes
            con.executemany(
                """
                insert into queue_items (
                    decision_id, decision_version, owner_id, decision_type, priority,
                    value_at_stake, due_by, reason, signal_at, payload, enqueued_at, updated_at
                ) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                on conflict (decision_id, decision_version) do nothing
                """,
                [
                    (
                        *(_text(row.get(col)) for col in QUEUE_COLUMNS[:5]),
                        row.get("value_at_stake"),
                        *(_text(row.get(col)) for col in QUEUE_COLUMNS[6:]),
                        json.dumps(row, default=str, sort_keys=True),
                        now,
                        now,
                    )
                    for row in new_rows
                ],
            )
            inserted = con.total_changes - before
            self._record_events(
                con, "assigned", [(row, f"queued for {row['owner_id']}") for row in new_rows], now
            )
            before = con.total_changes
            con.executemany(
                """
                update queue_items set queue_status = ?, updated_at = ?
                where decision_id = ? and decision_version = ? and queue_status = 'open'
                """,
                [
                    (queue_status(row), now, row["decision_id"], row["decision_version"])
                    for row in rows
                    if queue_status(row) != "open"
                ],
            )
            closed = con.total_changes - before
            before = con.total_changes
            con.execute(
                """
                update queue_items set queue_status = 'superseded', updated_at = ?
                where queue_status = 'open' and exists (
                    select 1 from queue_items as newer
                    where newer.decision_id = queue_items.decision_id
                      and newer.decision_version > queue_items.decision_version
                )
                """,
                (now,),
            )
            superseded = con.total_changes - before
        return ExportResult(
            offered=len(rows), inserted=inserted, superseded=superseded, closed=closed
        )

    def record_escalations(self, decisions: Iterable[Mapping[str, Any]]) -> int:
        """An 'escalated' event for every overdue decision (fct_decisions.escalate_to set) not escalated
        yet; the event id is stable per version, so repeating the export records it once."""
        due = [d for d in decisions if d.get("escalate_to") and not d.get("escalated_at")]
        if not due:
            return 0
        with self._transaction() as con:
            return self._record_events(
                con,
                "escalated",
                [
                    (d, f"SLA breached: escalated from {d['owner_id']} to {d['escalate_to']}")
                    for d in due
                ],
                utc_now(),
            )

    def events_after(self, seq: int) -> list[dict[str, Any]]:
        """Queue events with a sequence number above `seq`, oldest first."""
        if not self.path.exists():
            return []
        con = self.connect()
        try:
            return [
                dict(r)
                for r in con.execute(
                    "select * from queue_events where seq > ? order by seq", (seq,)
                )
            ]
        finally:
            con.close()

    @staticmethod
    def _latest_item(con: sqlite3.Connection, decision_id: str) -> dict[str, Any] | None:
        row = con.execute(
            "select * from queue_items where decision_id = ? order by decision_version desc limit 1",
            (decision_id,),
        ).fetchone()
        if row is None:
            return None
        item = dict(row)
        item["decision"] = json.loads(item.pop("payload"))
        return item

    @staticmethod
    def _events_for(
        con: sqlite3.Connection, decision_id: str, version: int
    ) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in con.execute(
                """
                select * from queue_events where decision_id = ? and decision_version = ?
                order by occurred_at, event_id
                """,
                (decision_id, version),
            )
        ]

    def item(self, decision_id: str) -> dict[str, Any] | None:
        """The latest queued version of a decision (its fct_decisions row parsed into `decision`)."""
        if not self.path.exists():
            return None
        con = self.connect()
        try:
            return self._latest_item(con, decision_id)
        finally:
            con.close()

    def events_for(self, decision_id: str, decision_version: int) -> list[dict[str, Any]]:
        """The events of one decision version, in the order the lifecycle applies them."""
        if not self.path.exists():
            return []
        con = self.connect()
        try:
            return self._events_for(con, decision_id, decision_version)
        finally:
            con.close()

    def apply_action(
        self,
        decision_id: str,
        decide: Callable[[dict[str, Any] | None, list[dict[str, Any]]], Mapping[str, Any]],
    ) -> dict[str, Any]:
        """Append one owner's event, decided on the state it sees, in one write transaction.

        `decide(item, events)` gets the latest queued version of the decision (None if it is not
        queued) and that version's events, and returns the event to append: event_type, actor_id,
        and optionally reason, snoozed_until, occurred_at. It raises to refuse; then nothing is
        written. Holding the write lock while deciding means two owners cannot both act on the same
        state.
        """
        with self._transaction() as con:
            item = self._latest_item(con, decision_id)
            events = self._events_for(con, decision_id, item["decision_version"]) if item else []
            event = decide(item, events)
            if item is None:
                raise LookupError(f"decision {decision_id} is not in any queue")
            row = {
                "event_id": f"{event['event_type']}:{uuid.uuid4()}",
                "decision_id": decision_id,
                "decision_version": item["decision_version"],
                "event_type": event["event_type"],
                "actor_id": event["actor_id"],
                "occurred_at": event.get("occurred_at") or utc_now(),
                "reason": event.get("reason"),
                "snoozed_until": event.get("snoozed_until"),
            }
            con.execute(
                """
                insert into queue_events (
                    event_id, decision_id, decision_version, event_type, actor_id, occurred_at,
                    reason, snoozed_until
                ) values (
                    :event_id, :decision_id, :decision_version, :event_type, :actor_id, :occurred_at,
                    :reason, :snoozed_until
                )
                """,
                row,
            )
            return row

    def items(
        self, owner_id: str | None = None, include_closed: bool = False
    ) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        con = self.connect()
        try:
            sql = "select * from queue_items where (? is null or owner_id = ?)"
            if not include_closed:
                sql += " and queue_status = 'open'"
            sql += " order by owner_id, due_by, priority, decision_id"
            return [dict(r) for r in con.execute(sql, (owner_id, owner_id))]
        finally:
            con.close()

    def count(self) -> int:
        if not self.path.exists():
            return 0
        con = self.connect()
        try:
            return con.execute("select count(*) from queue_items").fetchone()[0]
        finally:
            con.close()

    def owner_summary(self) -> list[dict[str, Any]]:
        """Open decisions and value at stake per owner, largest value first."""
        if not self.path.exists():
            return []
        con = self.connect()
        try:
            return [
                dict(r)
                for r in con.execute(
                    """
                    select owner_id,
                           count(*) as open_decisions,
                           round(coalesce(sum(value_at_stake), 0), 2) as value_at_stake,
                           group_concat(distinct decision_type) as decision_types
                    from queue_items where queue_status = 'open'
                    group by owner_id order by value_at_stake desc, owner_id
                    """
                )
            ]
        finally:
            con.close()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
