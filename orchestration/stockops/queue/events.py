"""The queue's event log, written by people and by the system: an owner's action appended on
the state it was decided on (`apply_action`), and stockops.auto's approvals and executions of
what auto_execution_policy allows (`record_auto_executions`; stockops.queue.automation decides
what policy allows)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from stockops import jsonio
from stockops.queue import clock
from stockops.queue.rows import AUTO_ACTOR
from stockops.queue.sql import Cursor

if TYPE_CHECKING:
    from stockops.queue.store import QueueStore


def latest_item(cur: Cursor, decision_id: str, lock: bool = False) -> dict[str, Any] | None:
    """The latest queued version of a decision (its fct_decisions row parsed into `decision`);
    with `lock`, its row is locked for this transaction on PostgreSQL."""
    suffix = " for update" if lock and cur.dialect.name == "postgres" else ""
    item = cur.one(
        "select * from queue_items where decision_id = ? "
        "order by decision_version desc limit 1" + suffix,
        (decision_id,),
    )
    if item is not None:
        item["decision"] = jsonio.loads(item.pop("payload"))
    return item


def version_events(cur: Cursor, decision_id: str, version: int) -> list[dict[str, Any]]:
    """The events of one decision version, in the order the lifecycle applies them."""
    return cur.all(
        """
        select * from queue_events where decision_id = ? and decision_version = ?
        order by occurred_at, event_id
        """,
        (decision_id, version),
    )


def apply_action(
    store: QueueStore,
    decision_id: str,
    decide: Callable[[dict[str, Any] | None, list[dict[str, Any]]], Mapping[str, Any]],
) -> dict[str, Any]:
    """Append one owner's event, decided on the state it sees, in one write transaction.

    `decide(item, events)` gets the latest queued version of the decision (None if it is not
    queued) and that version's events, and returns the event to append: event_type, actor_id,
    and optionally reason, snoozed_until, occurred_at. It raises to refuse; then nothing is
    written. The write lock (SQLite) or the row lock (PostgreSQL) is held while deciding, so
    two owners cannot both act on the same state.
    """
    with store.transaction() as cur:
        item = latest_item(cur, decision_id, lock=True)
        events = version_events(cur, decision_id, item["decision_version"]) if item else []
        event = decide(item, events)
        if item is None:
            raise LookupError(f"decision {decision_id} is not in any queue")
        store.lock_events(cur)
        row = {
            "event_id": f"{event['event_type']}:{uuid.uuid4()}",
            "decision_id": decision_id,
            "decision_version": item["decision_version"],
            "event_type": event["event_type"],
            "actor_id": event["actor_id"],
            "occurred_at": event.get("occurred_at") or clock.utc_now(),
            "reason": event.get("reason"),
            "snoozed_until": event.get("snoozed_until"),
        }
        cur.execute(
            """
            insert into queue_events (
                event_id, decision_id, decision_version, event_type, actor_id, occurred_at,
                reason, snoozed_until
            ) values (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            tuple(row.values()),
        )
        return row


def record_auto_executions(
    store: QueueStore,
    grants: Sequence[Mapping[str, Any]],
    steps: Callable[[dict[str, Any], list[dict[str, Any]]], Sequence[str]],
    batch_size: int = 500,
) -> list[tuple[str, int]]:
    """The system actor approves and executes decisions: for each grant (decision_id,
    decision_version, reason) whose queued latest version is that version, `steps(item,
    events)` names the events the state allows now ('approved' then 'executed', or just
    'executed'); they are appended by stockops.auto with the grant's reason, and the queue row
    is closed. Event ids are keyed on the version (`auto-<event>:<decision_id>:<version>`), so
    a repeated export appends nothing twice; one transaction per batch. Returns the
    (decision_id, version) executed."""
    done: list[tuple[str, int]] = []
    for start in range(0, len(grants), batch_size):
        with store.transaction() as cur:
            store.lock_events(cur)
            for grant in grants[start : start + batch_size]:
                item = latest_item(cur, str(grant["decision_id"]), lock=True)
                version = int(grant["decision_version"])
                if item is None or int(item["decision_version"]) != version:
                    continue
                events = version_events(cur, item["decision_id"], version)
                todo = list(steps(item, events))
                if not todo:
                    continue
                now = datetime.now(UTC)
                cur.executemany(
                    """
                    insert into queue_events (
                        event_id, decision_id, decision_version, event_type, actor_id,
                        occurred_at, reason
                    ) values (?, ?, ?, ?, ?, ?, ?)
                    on conflict (event_id) do nothing
                    """,
                    [
                        (
                            f"auto-{event_type}:{item['decision_id']}:{version}",
                            item["decision_id"],
                            version,
                            event_type,
                            AUTO_ACTOR,
                            # one millisecond apart: approved strictly before executed
                            (now + timedelta(milliseconds=n)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                            grant["reason"],
                        )
                        for n, event_type in enumerate(todo)
                    ],
                )
                cur.execute(
                    "update queue_items set queue_status = 'closed', updated_at = ? "
                    "where decision_id = ? and decision_version = ?",
                    (clock.utc_now(), item["decision_id"], version),
                )
                done.append((item["decision_id"], version))
    return done


def auto_executions(
    store: QueueStore, owner_id: str | None = None, since: str | None = None
) -> list[dict[str, Any]]:
    """Decisions stockops.auto executed (after `since`, of one owner or all), newest first:
    the decision's queue fields with the event's time and reason."""
    with store.reading() as cur:
        if cur is None:
            return []
        return cur.all(
            """
            select queue_items.decision_id, queue_items.decision_version,
                   queue_items.owner_id, queue_items.decision_type, queue_items.value_at_stake,
                   queue_items.reason as decision_reason, queue_events.occurred_at,
                   queue_events.reason
            from queue_events
            inner join queue_items
                on queue_items.decision_id = queue_events.decision_id
                and queue_items.decision_version = queue_events.decision_version
            where queue_events.event_type = 'executed' and queue_events.actor_id = ?
              and (cast(? as text) is null or queue_items.owner_id = ?)
              and (cast(? as text) is null or queue_events.occurred_at > ?)
            order by queue_events.occurred_at desc, queue_items.decision_id
            """,
            (AUTO_ACTOR, owner_id, owner_id, since, since),
        )
