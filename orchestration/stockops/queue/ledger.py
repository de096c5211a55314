"""The delivery ledger: one row per message and channel (`deliveries`) and one per transport
attempt (`delivery_attempts`). Deliverers claim pending messages, record each attempt and the
outcome; a channel that answers 410 Gone is disabled until its target changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stockops.queue import clock
from stockops.queue.sql import Cursor

if TYPE_CHECKING:
    from stockops.queue.store import QueueStore


def claim(
    cur: Cursor, channel: str, limit: int, after: tuple[str, str] | None = None
) -> list[dict[str, Any]]:
    """Pending messages of a channel, oldest first; on PostgreSQL locked for this transaction
    and skipped by every other claimer (FOR UPDATE SKIP LOCKED).

    `after` is the (created_at, message_id) of the last message a caller claimed: the next
    batch then walks the outbox's order index from there and stops at `limit`, instead of
    sorting every pending message again for each batch (at 392k messages that re-sort was
    most of the export). On SQLite `cross join` keeps the outbox as the outer loop."""
    columns = """outbox.message_id, outbox.kind, outbox.decision_id, outbox.decision_version,
               outbox.recipient_id, outbox.payload, outbox.created_at, deliveries.attempts"""
    if after is None:
        sql = f"""
        select {columns}
        from deliveries
        inner join outbox on outbox.message_id = deliveries.message_id
        where deliveries.channel = ? and deliveries.status = 'pending'
        order by outbox.created_at, outbox.message_id
        limit ?
        {cur.dialect.skip_locked}
        """
        return cur.all(sql, (channel, limit))
    sql = f"""
        select {columns}
        from outbox
        cross join deliveries
        where deliveries.message_id = outbox.message_id
          and deliveries.channel = ? and deliveries.status = 'pending'
          and (outbox.created_at, outbox.message_id) > (?, ?)
        order by outbox.created_at, outbox.message_id
        limit ?
        {cur.dialect.skip_locked}
        """
    return cur.all(sql, (channel, after[0], after[1], limit))


def record(
    cur: Cursor,
    msg_id: str,
    channel: str,
    status: str,
    *,
    attempts: int = 1,
    http_status: int | None = None,
    last_error: str | None = None,
    first_attempt_at: str | None = None,
    now: str | None = None,
) -> None:
    """Write a delivery outcome to the ledger: attempts add up, status is the latest."""
    now = now or clock.utc_now()
    cur.execute(
        """
        update deliveries set
            status = ?,
            attempts = attempts + ?,
            http_status = ?,
            last_error = ?,
            first_attempt_at = coalesce(first_attempt_at, ?),
            last_attempt_at = ?,
            delivered_at = case when ? = 'delivered' then ? else delivered_at end
        where message_id = ? and channel = ?
        """,
        (
            status,
            attempts,
            http_status,
            last_error,
            first_attempt_at or now,
            now,
            status,
            now,
            msg_id,
            channel,
        ),
    )


def record_attempt(
    store: QueueStore,
    msg_id: str,
    channel: str,
    http_status: int | None,
    error: str | None,
    at: str | None = None,
    cur: Cursor | None = None,
) -> None:
    """One transport attempt: the attempt log gets a row and the ledger row counts it. In its
    own transaction (on record even if the process dies right after), or in `cur`'s when the
    caller holds the ledger row locked (PostgreSQL claims)."""
    if cur is None:
        with store.transaction() as own:
            record_attempt(store, msg_id, channel, http_status, error, at, own)
        return
    at = at or clock.utc_now()
    cur.execute(
        """
        insert into delivery_attempts (
            message_id, channel, attempt, attempted_at, http_status, error
        ) values (?, ?, (
            select coalesce(max(attempt), 0) + 1 from delivery_attempts
            where message_id = ? and channel = ?
        ), ?, ?, ?)
        """,
        (msg_id, channel, msg_id, channel, at, http_status, error),
    )
    cur.execute(
        """
        update deliveries set attempts = attempts + 1, http_status = ?, last_error = ?,
            first_attempt_at = coalesce(first_attempt_at, ?), last_attempt_at = ?
        where message_id = ? and channel = ?
        """,
        (http_status, error, at, at, msg_id, channel),
    )


def disable_channel(cur: Cursor, channel: str, reason: str) -> None:
    cur.execute(
        "update channels set disabled_at = ?, disabled_reason = ? where channel = ?",
        (clock.utc_now(), reason, channel),
    )


def deliveries(store: QueueStore, channel: str | None = None) -> list[dict[str, Any]]:
    with store.reading() as cur:
        if cur is None:
            return []
        return cur.all(
            "select * from deliveries where (cast(? as text) is null or channel = ?) "
            "order by message_id, channel",
            (channel, channel),
        )


def channels(store: QueueStore) -> list[dict[str, Any]]:
    with store.reading() as cur:
        return [] if cur is None else cur.all("select * from channels order by channel")
