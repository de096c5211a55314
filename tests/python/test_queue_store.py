"""The SQLite owner-queue store: idempotent on (decision_id, decision_version), nothing deleted."""

from __future__ import annotations

from pathlib import Path

from stockops.queue.sqlite_store import SqliteQueueStore


def _decision(
    decision_id: str, version: int, owner: str = "buyer.ana", value: float = 10.0
) -> dict:
    return {
        "decision_id": decision_id,
        "decision_version": version,
        "owner_id": owner,
        "decision_type": "replenish",
        "priority": "high",
        "value_at_stake": value,
        "due_by": "2026-10-31",
        "reason": "r",
        "signal_at": "2026-10-30T10:00:00",
        "inputs": {"x": 1},
    }


def test_enqueue_is_idempotent(tmp_path: Path) -> None:
    store = SqliteQueueStore(tmp_path / "queue.sqlite")
    first = store.enqueue([_decision("a", 1), _decision("b", 1)])
    again = store.enqueue([_decision("a", 1), _decision("b", 1)])
    assert (first.inserted, again.inserted) == (2, 0)
    assert store.count() == 2


def test_new_version_supersedes_and_keeps_the_old(tmp_path: Path) -> None:
    store = SqliteQueueStore(tmp_path / "queue.sqlite")
    store.enqueue([_decision("a", 1)])
    result = store.enqueue([_decision("a", 2, value=25.0)])
    assert (result.inserted, result.superseded) == (1, 1)
    rows = {(r["decision_version"], r["queue_status"]) for r in store.items(include_closed=True)}
    assert rows == {(1, "superseded"), (2, "open")}
    assert [r["decision_version"] for r in store.items()] == [2]


def test_owner_text_round_trips_unchanged(tmp_path: Path) -> None:
    owner = "o'brien; drop table queue_items; -- {{ 7*7 }}"
    store = SqliteQueueStore(tmp_path / "queue.sqlite")
    store.enqueue([_decision("a", 1, owner=owner)])
    assert [r["owner_id"] for r in store.items(owner_id=owner)] == [owner]
    assert store.owner_summary()[0]["owner_id"] == owner
