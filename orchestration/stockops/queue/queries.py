"""Reading the queue: an owner's queue in priority, due or value order, one decision and its
events, the events after a sequence number (the event snapshot), and counts per status and owner."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from stockops.queue.events import latest_item, version_events
from stockops.queue.rows import QUEUE_COLUMNS

if TYPE_CHECKING:
    from stockops.queue.store import QueueStore

# what each --sort orders an owner's queue by (ties: decision_id)
ITEM_ORDER = {
    "priority": "coalesce(priority_score, 0) desc, due_by, decision_id, decision_version",
    "due": "due_by, coalesce(priority_score, 0) desc, decision_id, decision_version",
    "value": "coalesce(value_at_stake, 0) desc, coalesce(priority_score, 0) desc, decision_id, decision_version",
}
# every queue_items column but the payload (readers that need the facts, not the message body)
ITEM_COLUMNS_WITHOUT_PAYLOAD = (
    *QUEUE_COLUMNS,
    "queue_status",
    "escalated_to",
    "escalated_at",
    "enqueued_at",
    "updated_at",
)


def queue_id(store: QueueStore) -> str:
    """A random id given to this queue database when it was created: event snapshots carry
    it, so a queue created afresh never mistakes an older queue's files for its own."""
    with store.transaction() as cur:
        cur.execute(
            "insert into queue_meta (key, value) values ('queue_id', ?) "
            "on conflict (key) do nothing",
            (uuid.uuid4().hex[:12],),
        )
        row = cur.one("select value from queue_meta where key = 'queue_id'")
    assert row is not None
    return str(row["value"])


def item(store: QueueStore, decision_id: str) -> dict[str, Any] | None:
    """The latest queued version of a decision (its fct_decisions row parsed into `decision`)."""
    with store.reading() as cur:
        return None if cur is None else latest_item(cur, decision_id)


def events_for(store: QueueStore, decision_id: str, decision_version: int) -> list[dict[str, Any]]:
    """The events of one decision version, in the order the lifecycle applies them."""
    with store.reading() as cur:
        return [] if cur is None else version_events(cur, decision_id, decision_version)


def events_after(
    store: QueueStore, seq: int, event_type: str | None = None
) -> list[dict[str, Any]]:
    """Queue events with a sequence number above `seq` (of one type, or all), oldest first."""
    with store.reading() as cur:
        if cur is None:
            return []
        return cur.all(
            "select * from queue_events where seq > ? "
            "and (cast(? as text) is null or event_type = ?) order by seq",
            (seq, event_type, event_type),
        )


def items(
    store: QueueStore,
    owner_id: str | None = None,
    include_closed: bool = False,
    payload: bool = True,
    *,
    sort: str = "priority",
    limit: int | None = None,
    decision_type: str | None = None,
    min_value: float | None = None,
) -> list[dict[str, Any]]:
    """Queue rows of one owner (theirs, or escalated to them), or of everyone (by owner); without
    the payload column when `payload` is false (most of a row's bytes).

    `sort`: priority (the default: priority_score, highest first — the owner's priority_rank
    order, which `stockops queue list` shows and a planner works top-down), due (earliest
    due_by first) or value (largest value_at_stake first). `decision_type` and `min_value`
    (value_at_stake at least) filter; `limit` keeps the first rows."""
    if sort not in ITEM_ORDER:
        raise ValueError(f"sort must be one of {', '.join(ITEM_ORDER)}, got {sort!r}")
    with store.reading() as cur:
        if cur is None:
            return []
        listed = "*" if payload else ", ".join(ITEM_COLUMNS_WITHOUT_PAYLOAD)
        sql = (
            f"select {listed} from queue_items "  # noqa: S608 (fixed column names)
            "where (cast(? as text) is null or owner_id = ? or escalated_to = ?)"
            " and (cast(? as text) is null or decision_type = ?)"
            f" and (cast(? as {cur.dialect.real}) is null or value_at_stake >= ?)"
        )
        if not include_closed:
            sql += " and queue_status = 'open'"
        sql += f" order by {'' if owner_id else 'owner_id, '}{ITEM_ORDER[sort]}"
        params: list[Any] = [owner_id] * 3 + [decision_type] * 2 + [min_value] * 2
        if limit is not None:
            sql += " limit ?"
            params.append(int(limit))
        return cur.all(sql, params)


def knows_owner(store: QueueStore, owner_id: str) -> bool:
    """Whether any queue row (open or not) is owned by or escalated to `owner_id`."""
    with store.reading() as cur:
        if cur is None:
            return False
        return (
            cur.one(
                "select 1 as found from queue_items where owner_id = ? or escalated_to = ? limit 1",
                (owner_id, owner_id),
            )
            is not None
        )


def count(store: QueueStore) -> int:
    with store.reading() as cur:
        if cur is None:
            return 0
        row = cur.one("select count(*) as n from queue_items")
        return int(row["n"]) if row else 0


def status_counts(store: QueueStore) -> dict[str, int]:
    """Queue rows per queue_status."""
    with store.reading() as cur:
        if cur is None:
            return {}
        rows = cur.all("select queue_status, count(*) as n from queue_items group by queue_status")
        return {r["queue_status"]: int(r["n"]) for r in rows}


def owner_summary(store: QueueStore) -> list[dict[str, Any]]:
    """Open decisions and value at stake per owner, largest value first."""
    with store.reading() as cur:
        if cur is None:
            return []
        types = cur.dialect.group_concat.format(col="decision_type")
        return cur.all(
            f"""
            select owner_id,
                   count(*) as open_decisions,
                   round(cast(coalesce(sum(value_at_stake), 0) as numeric), 2) as value_at_stake,
                   {types} as decision_types
            from queue_items where queue_status = 'open'
            group by owner_id order by value_at_stake desc, owner_id
            """
        )
