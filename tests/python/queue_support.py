"""Helpers for the queue tests: stores on both backends and decision rows shaped like fct_decisions."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from stockops.queue.store import QueueStore

BACKENDS = ["sqlite", "postgres"]


def decision(
    decision_id: str,
    version: int = 1,
    owner: str = "buyer.ana",
    value: float = 10.0,
    status: str = "assigned",
    escalate_to: str | None = None,
) -> dict[str, Any]:
    return {
        "decision_id": decision_id,
        "decision_version": version,
        "owner_id": owner,
        "escalation_owner_id": "head.buying",
        "approver_role": "buyer",
        "decision_type": "replenish",
        "priority": "high",
        "value_at_stake": value,
        "due_by": "2026-11-30",
        "reason": f"reason for {decision_id}",
        "signal_at": "2026-11-20T10:00:00",
        "status": status,
        "escalate_to": escalate_to,
        "escalated_at": None,
        "inputs": {"on_hand_qty": 3.0},
    }


def make_store(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[QueueStore]:
    if backend == "sqlite":
        from stockops.queue.sqlite_store import SqliteQueueStore

        yield SqliteQueueStore(tmp_path / "queue.sqlite")
        return
    from stockops.queue.postgres_store import PostgresQueueStore

    dsn = request.getfixturevalue("pg_dsn")
    store = PostgresQueueStore(dsn, schema=f"t_{uuid.uuid4().hex[:12]}")
    try:
        yield store
    finally:
        store.drop_schema()


def write_decisions(path: Path, n: int, version_of: int = 0, withdraw_every: int = 0) -> Path:
    """n synthetic decisions as Parquet: every 10th overdue (escalate_to set); with `version_of`,
    every version_of-th decision is at version 2; with `withdraw_every`, every such one withdrawn."""
    v2 = f"i % {version_of} = 0" if version_of else "false"
    withdrawn = f"i % {withdraw_every} = 1" if withdraw_every else "false"
    duckdb.execute(
        f"""
        copy (
            select
                'D' || lpad(i::varchar, 6, '0') as decision_id,
                case when {v2} then 2 else 1 end as decision_version,
                'buyer.' || (i % 7) as owner_id,
                'head.buying' as escalation_owner_id,
                'buyer' as approver_role,
                'replenish' as decision_type,
                'high' as priority,
                (i % 97) * 10.5 as value_at_stake,
                '2026-11-30' as due_by,
                'reason ' || i as reason,
                '2026-11-20T10:00:00' as signal_at,
                case when {withdrawn} then 'withdrawn' else 'assigned' end as status,
                case when i % 10 = 0 then 'head.buying' end as escalate_to,
                null::varchar as escalated_at
            from range({n}) as t (i)
        ) to '{path}' (format parquet)
        """
    )
    return path
