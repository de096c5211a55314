"""Staging: the outbox message and the pending ledger rows of every decision version, escalation
and daily digest, written once per message id however often the export runs. Versions the mart has
withdrawn, closed or superseded are marked so in the queue, never deleted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stockops.queue import clock
from stockops.queue.rows import LOCAL_CHANNEL, message_id, payload_text, queue_status, text
from stockops.queue.sql import Cursor, message_ids_present

if TYPE_CHECKING:
    from stockops.queue.store import QueueStore


@dataclass(frozen=True)
class StageResult:
    offered: int
    staged: int
    superseded: int
    closed: int


def enabled_channels(cur: Cursor, channels: Iterable[str]) -> list[str]:
    disabled = {
        r["channel"] for r in cur.all("select channel from channels where disabled_at is not null")
    }
    return [c for c in dict.fromkeys([LOCAL_CHANNEL, *channels]) if c not in disabled]


def register_channel(store: QueueStore, channel: str, target: str) -> None:
    """Record a delivery channel's target; a new target enables a disabled channel again."""
    with store.transaction() as cur:
        cur.execute(
            """
            insert into channels (channel, target) values (?, ?)
            on conflict (channel) do update set
                target = excluded.target,
                disabled_at = case
                    when channels.target = excluded.target then channels.disabled_at
                end,
                disabled_reason = case
                    when channels.target = excluded.target then channels.disabled_reason
                end
            """,
            (channel, target),
        )


def stage_messages(
    cur: Cursor, kind: str, rows: list[tuple[Mapping[str, Any], str]], channels: list[str]
) -> int:
    """Outbox rows for the messages not staged yet, and a pending ledger row per channel that
    lacks one (a channel added later gets the open backlog). This export's keys are looked up
    first (by primary key, in chunks: the cost follows the decisions offered, not the outbox's
    history), so a re-run serialises and inserts nothing; at 392k decisions the blind
    insert-or-ignore of every message was most of a no-op export."""
    if not rows:
        return 0
    now = clock.utc_now()
    keyed = [(message_id(kind, d), d, recipient) for d, recipient in rows]
    ids = [msg_id for msg_id, _, _ in keyed]
    staged_ids = message_ids_present(cur, "select message_id from outbox where message_id in", ids)
    staged = cur.executemany(
        """
        insert into outbox (
            message_id, kind, decision_id, decision_version, recipient_id, payload, created_at
        ) values (?, ?, ?, ?, ?, ?, ?)
        on conflict (message_id) do nothing
        """,
        [
            (
                msg_id,
                kind,
                d["decision_id"],
                int(d["decision_version"]),
                recipient,
                payload_text(d),
                now,
            )
            for msg_id, d, recipient in keyed
            if msg_id not in staged_ids
        ],
    )
    for channel in channels:
        ledger_ids = message_ids_present(
            cur,
            "select message_id from deliveries where channel = ? and message_id in",
            ids,
            (channel,),
        )
        cur.executemany(
            "insert into deliveries (message_id, channel) values (?, ?) "
            "on conflict (message_id, channel) do nothing",
            [(msg_id, channel) for msg_id, _, _ in keyed if msg_id not in ledger_ids],
        )
    return staged


def stage(
    store: QueueStore, decisions: Iterable[Mapping[str, Any]], channels: Iterable[str] = ()
) -> StageResult:
    """Outbox + pending ledger rows for every open decision version; mark closed ones."""
    rows = list(decisions)
    now = clock.utc_now()
    with store.transaction() as cur:
        active = enabled_channels(cur, channels)
        open_rows = [(d, str(d["owner_id"])) for d in rows if queue_status(d) == "open"]
        staged = stage_messages(cur, "assigned", open_rows, active)
        _refresh_live_fields(cur, [d for d, _ in open_rows], now)
        closed = cur.executemany(
            """
            update queue_items set queue_status = ?, updated_at = ?
            where decision_id = ? and decision_version = ? and queue_status = 'open'
            """,
            [
                (queue_status(d), now, d["decision_id"], int(d["decision_version"]))
                for d in rows
                if queue_status(d) != "open"
            ],
        )
        superseded = _mark_superseded(cur, now)
    return StageResult(len(rows), staged, superseded, closed)


def _refresh_live_fields(cur: Cursor, decisions: list[Mapping[str, Any]], now: str) -> int:
    """Open queue rows take the mart's current priority_score, priority and due_by: the
    figures that order a queue move with the data between versions (a keyed update per open
    decision, written only where a figure changed)."""
    return cur.executemany(
        """
        update queue_items set priority_score = ?, priority = ?, due_by = ?, updated_at = ?
        where decision_id = ? and decision_version = ? and queue_status = 'open'
          and (priority_score is null or priority_score != ? or priority is null
               or priority != ? or due_by is null or due_by != ?)
        """,
        [
            (
                d["priority_score"],
                d.get("priority"),
                text(d.get("due_by")),
                now,
                d["decision_id"],
                int(d["decision_version"]),
                d["priority_score"],
                d.get("priority"),
                text(d.get("due_by")),
            )
            for d in decisions
            if d.get("priority_score") is not None
        ],
    )


def _mark_superseded(cur: Cursor, now: str) -> int:
    return cur.execute(
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


def stage_escalations(
    store: QueueStore, decisions: Iterable[Mapping[str, Any]], channels: Iterable[str] = ()
) -> int:
    """An escalation message for every overdue decision (fct_decisions.escalate_to set) that
    was not escalated yet; the message id is stable per version, so it is staged once."""
    due = [
        (d, str(d["escalate_to"]))
        for d in decisions
        if d.get("escalate_to") and not d.get("escalated_at") and queue_status(d) == "open"
    ]
    if not due:
        return 0
    with store.transaction() as cur:
        return stage_messages(cur, "escalated", due, enabled_channels(cur, channels))


def stage_digest(
    store: QueueStore,
    owner_id: str,
    day: str,
    digest: Mapping[str, Any],
    channels: Iterable[str] = (),
    created_at: str | None = None,
) -> bool:
    """Record one owner's digest of `day` in the outbox (message id `digest:<owner>:<day>`,
    so a day has one digest per owner however often the export runs) with a pending ledger
    row per remote channel (webhooks); the queue itself has no digest rows. True when new."""
    msg_id = f"digest:{owner_id}:{day}"
    with store.transaction() as cur:
        staged = cur.execute(
            """
            insert into outbox (
                message_id, kind, decision_id, decision_version, recipient_id, payload,
                created_at
            ) values (?, 'digest', ?, 0, ?, ?, ?)
            on conflict (message_id) do nothing
            """,
            (
                msg_id,
                f"digest:{owner_id}",
                owner_id,
                payload_text(digest),
                created_at or clock.utc_now(),
            ),
        )
        if staged:
            cur.executemany(
                "insert into deliveries (message_id, channel) values (?, ?) "
                "on conflict (message_id, channel) do nothing",
                [
                    (msg_id, channel)
                    for channel in enabled_channels(cur, channels)
                    if channel != LOCAL_CHANNEL
                ],
            )
    return bool(staged)


def last_digest_at(store: QueueStore, owner_id: str, before_day: str) -> str | None:
    """When the owner's latest digest of a day before `before_day` (YYYY-MM-DD) was made."""
    with store.reading() as cur:
        if cur is None:
            return None
        row = cur.one(
            """
            select max(created_at) as created_at from outbox
            where kind = 'digest' and recipient_id = ? and message_id < ?
            """,
            (owner_id, f"digest:{owner_id}:{before_day}"),
        )
        return row["created_at"] if row else None
