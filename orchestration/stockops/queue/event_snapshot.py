"""Owners' events flow back into dbt as landing files: new queue events -> decision_events/*.parquet.

Each snapshot file is named for the queue it comes from and the range of sequence numbers it holds
(`events-<queue_id>-<first>-<last>.parquet`), and the highest <last> among that queue's files
already landed is where the next snapshot starts: the landed files are the high-water mark, so a crash between writing a
file and anything else can neither lose nor duplicate events. Files are written to a temporary name
and renamed into place, so dbt never reads half a file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb

from stockops.queue.store import QueueStore
from stockops.settings import EVENTS_TABLE

EVENT_COLUMNS = (
    "event_id",
    "decision_id",
    "decision_version",
    "event_type",
    "actor_id",
    "occurred_at",
    "reason",
    "snoozed_until",
)
SNAPSHOT_FILE = re.compile(r"^events-([0-9a-f]{12})-(\d{12})-(\d{12})\.parquet$")


def exported_through(events_dir: Path, queue_id: str) -> int:
    """The highest sequence number of this queue already landed (0 when none). Files of another
    queue (one deleted and created afresh, or another backend) do not count: their events stay
    landed, and staging keeps the first landing of each event_id."""
    if not events_dir.is_dir():
        return 0
    ends = [
        int(m.group(3))
        for p in events_dir.iterdir()
        if (m := SNAPSHOT_FILE.match(p.name)) and m.group(1) == queue_id
    ]
    return max(ends, default=0)


def snapshot_events(store: QueueStore, landing_dir: Path) -> int:
    """Land every queue event not landed yet as one Parquet file; return how many."""
    events_dir = landing_dir / EVENTS_TABLE
    queue_id = store.queue_id()
    events = store.events_after(exported_through(events_dir, queue_id))
    if not events:
        return 0
    events_dir.mkdir(parents=True, exist_ok=True)
    first, last = events[0]["seq"], events[-1]["seq"]
    target = events_dir / f"events-{queue_id}-{first:012d}-{last:012d}.parquet"
    partial = events_dir / f".{target.name}.partial"
    # rows go through newline-delimited JSON: DuckDB reads a file in bulk, where inserting row by
    # row from Python costs about a millisecond per event
    rows = events_dir / f".{target.name}.jsonl"
    with rows.open("w", encoding="utf-8") as handle:
        for e in events:
            handle.write(json.dumps({col: e.get(col) for col in EVENT_COLUMNS}) + "\n")
    con = duckdb.connect()
    try:
        con.execute(
            """
            copy (
                select
                    event_id, decision_id, decision_version, event_type, actor_id,
                    cast(rtrim(occurred_at, 'Z') as timestamp) as occurred_at,
                    reason,
                    cast(rtrim(snoozed_until, 'Z') as timestamp) as snoozed_until
                from read_json(?, format = 'newline_delimited', columns = {
                    event_id: 'varchar', decision_id: 'varchar', decision_version: 'integer',
                    event_type: 'varchar', actor_id: 'varchar', occurred_at: 'varchar',
                    reason: 'varchar', snoozed_until: 'varchar'
                })
            ) to ? (format parquet)
            """,
            [str(rows), str(partial)],
        )
    finally:
        con.close()
        rows.unlink(missing_ok=True)
    partial.replace(target)
    return len(events)
