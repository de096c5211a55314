"""Local delivery: pending `queue` messages become queue rows and events, in batches. Each batch
is one transaction that inserts the queue rows and their `assigned` or `escalated` events (both
idempotent by key) and marks the ledger rows delivered, so a crash anywhere leaves either all of a
batch or none of it. Other channels (webhooks) are delivered by `stockops.queue.export`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stockops import jsonio
from stockops.faults import fault_point
from stockops.queue import clock
from stockops.queue.ledger import claim
from stockops.queue.rows import (
    LOCAL_CHANNEL,
    QUEUE_COLUMNS,
    SYSTEM_ACTOR,
    message_id,
    queue_values,
)
from stockops.queue.sql import Cursor

if TYPE_CHECKING:
    from stockops.queue.store import QueueStore


def deliver_local(store: QueueStore, batch_size: int = 500) -> int:
    """Apply pending `queue` messages, one transaction per batch; return how many applied."""
    applied = 0
    after = None
    with store.session():
        while True:
            applied_now = _deliver_local_batch(store, batch_size, after)
            if applied_now is None:
                return applied
            after, count = applied_now
            applied += count
            fault_point("export_after_batch")


def _deliver_local_batch(
    store: QueueStore, batch_size: int, after: tuple[str, str] | None
) -> tuple[tuple[str, str], int] | None:
    """One delivery batch in one transaction: the position reached and the messages applied,
    or None when nothing is pending after `after`."""
    with store.transaction() as cur:
        batch = claim(cur, LOCAL_CHANNEL, batch_size, after)
        if not batch:
            return None
        store.lock_events(cur)
        now = clock.utc_now()
        _apply_batch(cur, batch, now)
        _supersede_older_versions(
            cur, {m["decision_id"] for m in batch if m["kind"] == "assigned"}, now
        )
    return (batch[-1]["created_at"], batch[-1]["message_id"]), len(batch)


def _apply_batch(cur: Cursor, batch: list[dict[str, Any]], now: str) -> None:
    """Apply a batch of queue messages with a few bulk statements. Every statement is
    idempotent by key (queue row, event id, escalation once), so applying a message again
    changes nothing; the ledger rows are marked delivered in the same transaction."""
    # (decision, its payload text): the outbox holds the canonical JSON the queue row keeps
    assigned = [
        (jsonio.loads(m["payload"]), m["payload"]) for m in batch if m["kind"] == "assigned"
    ]
    escalated = [
        (jsonio.loads(m["payload"]), m["recipient_id"]) for m in batch if m["kind"] == "escalated"
    ]
    cur.executemany(
        f"""
        insert into queue_items (
            {", ".join(QUEUE_COLUMNS)}, payload, enqueued_at, updated_at
        ) values ({", ".join("?" * (len(QUEUE_COLUMNS) + 3))})
        on conflict (decision_id, decision_version) do nothing
        """,
        [(*queue_values(d), payload, now, now) for d, payload in assigned],
    )
    cur.executemany(
        """
        update queue_items set escalated_to = ?, escalated_at = ?, updated_at = ?
        where decision_id = ? and decision_version = ? and escalated_to is null
        """,
        [(to, now, now, d["decision_id"], int(d["decision_version"])) for d, to in escalated],
    )
    events = [(d, "assigned", f"queued for {d['owner_id']}") for d, _ in assigned] + [
        (d, "escalated", f"SLA breached: escalated from {d['owner_id']} to {to}")
        for d, to in escalated
    ]
    cur.executemany(
        """
        insert into queue_events (
            event_id, decision_id, decision_version, event_type, actor_id, occurred_at, reason
        ) values (?, ?, ?, ?, ?, ?, ?)
        on conflict (event_id) do nothing
        """,
        [
            (
                message_id(event_type, d),
                d["decision_id"],
                int(d["decision_version"]),
                event_type,
                SYSTEM_ACTOR,
                now,
                reason,
            )
            for d, event_type, reason in events
        ],
    )
    cur.executemany(
        """
        update deliveries set status = 'delivered', attempts = attempts + 1,
            first_attempt_at = coalesce(first_attempt_at, ?), last_attempt_at = ?,
            delivered_at = ?
        where message_id = ? and channel = ?
        """,
        [(now, now, now, m["message_id"], LOCAL_CHANNEL) for m in batch],
    )


def _supersede_older_versions(cur: Cursor, decision_ids: set[str], now: str) -> int:
    """Mark superseded the open older versions of just these decisions (the ones a delivery
    batch queued a version of): a keyed lookup per decision, not a scan of the whole queue."""
    return cur.executemany(
        """
        update queue_items set queue_status = 'superseded', updated_at = ?
        where decision_id = ? and queue_status = 'open' and decision_version < (
            select max(newer.decision_version) from queue_items as newer
            where newer.decision_id = queue_items.decision_id
        )
        """,
        [(now, decision_id) for decision_id in sorted(decision_ids)],
    )
