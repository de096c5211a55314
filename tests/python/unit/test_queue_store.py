"""The SQLite owner-queue store: idempotent on (decision_id, decision_version), nothing deleted."""

from __future__ import annotations

from pathlib import Path

from stockops.queue.export import run_export
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


def test_export_is_idempotent(tmp_path: Path) -> None:
    store = SqliteQueueStore(tmp_path / "queue.sqlite")
    first = run_export(store, [_decision("a", 1), _decision("b", 1)])
    again = run_export(store, [_decision("a", 1), _decision("b", 1)])
    assert (first.queued, again.queued) == (2, 0)
    assert store.count() == 2


def test_new_version_supersedes_and_keeps_the_old(tmp_path: Path) -> None:
    store = SqliteQueueStore(tmp_path / "queue.sqlite")
    run_export(store, [_decision("a", 1)])
    result = run_export(store, [_decision("a", 2, value=25.0)])
    assert (result.queued, result.superseded) == (1, 1)
    rows = {(r["decision_version"], r["queue_status"]) for r in store.items(include_closed=True)}
    assert rows == {(1, "superseded"), (2, "open")}
    assert [r["decision_version"] for r in store.items()] == [2]


def test_owner_text_round_trips_unchanged(tmp_path: Path) -> None:
    owner = "o'brien; drop table queue_items; -- {{ 7*7 }}"
    store = SqliteQueueStore(tmp_path / "queue.sqlite")
    run_export(store, [_decision("a", 1, owner=owner)])
    assert [r["owner_id"] for r in store.items(owner_id=owner)] == [owner]
    assert store.owner_summary()[0]["owner_id"] == owner


def test_withdrawn_version_is_marked_not_deleted(tmp_path: Path) -> None:
    store = SqliteQueueStore(tmp_path / "queue.sqlite")
    run_export(store, [_decision("a", 1)])
    result = run_export(store, [{**_decision("a", 1), "status": "withdrawn"}])
    assert (result.queued, result.closed) == (0, 1)
    assert [r["queue_status"] for r in store.items(include_closed=True)] == ["withdrawn"]
    assert store.items() == []


def test_each_queued_version_gets_one_assigned_event(tmp_path: Path) -> None:
    store = SqliteQueueStore(tmp_path / "queue.sqlite")
    run_export(store, [_decision("a", 1)])
    run_export(store, [_decision("a", 1), _decision("a", 2)])
    events = store.events_after(0)
    assert [(e["decision_version"], e["event_type"]) for e in events] == [
        (1, "assigned"),
        (2, "assigned"),
    ]


def test_overdue_decisions_are_escalated_once(tmp_path: Path) -> None:
    store = SqliteQueueStore(tmp_path / "queue.sqlite")
    overdue = {**_decision("a", 1), "escalate_to": "head.buying", "escalated_at": None}
    on_time = {**_decision("b", 1), "escalate_to": None}
    already = {
        **_decision("c", 1),
        "escalate_to": "head.buying",
        "escalated_at": "2026-10-01T00:00:00",
    }
    assert run_export(store, [overdue, on_time, already]).escalations == 1
    assert run_export(store, [overdue]).escalations == 0
    [event] = [e for e in store.events_after(0) if e["event_type"] == "escalated"]
    assert event["decision_id"] == "a"
    assert "head.buying" in event["reason"]
    # delivered to the escalation owner's queue, and still in the owner's
    assert [i["decision_id"] for i in store.items(owner_id="head.buying")] == ["a"]
    assert "a" in {i["decision_id"] for i in store.items(owner_id="buyer.ana")}


def test_event_snapshots_land_each_event_once(tmp_path: Path) -> None:
    import duckdb

    from stockops.queue.event_snapshot import snapshot_events

    store = SqliteQueueStore(tmp_path / "queue.sqlite")
    landing = tmp_path / "landing"
    run_export(store, [_decision("a", 1)])
    assert snapshot_events(store, landing) == 1
    assert snapshot_events(store, landing) == 0
    run_export(store, [_decision("b", 1)])
    assert snapshot_events(store, landing) == 1
    files = sorted((landing / "decision_events").glob("*.parquet"))
    queue_id = store.queue_id()
    assert [f.name for f in files] == [
        f"events-{queue_id}-000000000001-000000000001.parquet",
        f"events-{queue_id}-000000000002-000000000002.parquet",
    ]
    ids = duckdb.execute(
        "select event_id from read_parquet(?) order by 1", [[str(f) for f in files]]
    ).fetchall()
    assert ids == [("assigned:a:1",), ("assigned:b:1",)]


def test_a_new_queue_does_not_take_an_old_queues_files_for_its_own(tmp_path: Path) -> None:
    """The queue file deleted and created afresh: its events start again at 1 and still land."""
    from stockops.queue.event_snapshot import snapshot_events

    landing = tmp_path / "landing"
    old = SqliteQueueStore(tmp_path / "old.sqlite")
    run_export(old, [_decision("a", 1), _decision("b", 1)])
    assert snapshot_events(old, landing) == 2
    new = SqliteQueueStore(tmp_path / "new.sqlite")
    run_export(new, [_decision("c", 1)])
    assert new.queue_id() != old.queue_id()
    assert snapshot_events(new, landing) == 1
    assert len(list((landing / "decision_events").glob("*.parquet"))) == 2
