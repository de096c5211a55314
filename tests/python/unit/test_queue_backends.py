"""Outbox, ledger, reconciliation and claiming on both queue backends (SQLite and a real PostgreSQL)."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from stockops.jsonio import loads
from stockops.queue.export import run_export
from stockops.queue.rows import LOCAL_CHANNEL, payload_text
from stockops.queue.store import QueueStore

from queue_support import BACKENDS, decision, make_store


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[QueueStore]:
    yield from make_store(request.param, tmp_path, request)


def test_export_twice_delivers_each_version_once(store: QueueStore) -> None:
    rows = [decision("a"), decision("b", escalate_to="head.buying")]
    first = run_export(store, rows)
    again = run_export(store, rows)
    assert (first.staged, first.queued, first.escalations) == (2, 3, 1)
    assert (again.staged, again.queued, again.escalations) == (0, 0, 0)
    assert store.count() == 2
    ledger = store.deliveries(LOCAL_CHANNEL)
    assert len(ledger) == 3  # two assignments, one escalation
    assert {(r["status"], r["attempts"]) for r in ledger} == {("delivered", 1)}
    events = [(e["decision_id"], e["event_type"]) for e in store.events_after(0)]
    assert sorted(events) == [("a", "assigned"), ("b", "assigned"), ("b", "escalated")]
    assert first.reconcile is not None and first.reconcile.ok


def test_versions_are_superseded_and_withdrawn_not_deleted(store: QueueStore) -> None:
    run_export(store, [decision("a"), decision("b")])
    report = run_export(store, [decision("a", 2, value=25.0), decision("b", status="withdrawn")])
    assert (report.staged, report.superseded, report.closed) == (1, 1, 1)
    rows = {
        (r["decision_id"], r["decision_version"], r["queue_status"])
        for r in store.items(include_closed=True)
    }
    assert rows == {("a", 1, "superseded"), ("a", 2, "open"), ("b", 1, "withdrawn")}


def test_escalation_reaches_the_escalation_owners_queue(store: QueueStore) -> None:
    run_export(store, [decision("a", escalate_to="head.buying"), decision("b")])
    assert [i["decision_id"] for i in store.items(owner_id="head.buying")] == ["a"]
    assert {i["decision_id"] for i in store.items(owner_id="buyer.ana")} == {"a", "b"}
    [item] = store.items(owner_id="head.buying")
    assert item["escalated_to"] == "head.buying" and item["escalated_at"]


def test_reconciliation_requeues_what_the_queue_lost(store: QueueStore) -> None:
    """The ledger says delivered but the queue row is gone (the 'marked synced, never sent' bug):
    reconciliation finds exactly that row and the export puts it back, once."""
    rows = [decision(f"d{i}") for i in range(5)]
    run_export(store, rows)
    with store.transaction() as cur:
        cur.execute("delete from queue_items where decision_id = ?", ("d3",))
        cur.execute(
            "update deliveries set status = 'pending' where message_id = ?", ("assigned:d1:1",)
        )
    result = store.reconcile(rows)
    assert (result.missing_requeued, result.ledger_fixed) == (1, 2)
    report = run_export(store, rows)
    assert report.reconcile is not None and report.reconcile.ok
    assert sorted(i["decision_id"] for i in store.items()) == [f"d{i}" for i in range(5)]
    assert {r["status"] for r in store.deliveries(LOCAL_CHANNEL)} == {"delivered"}


def test_names_with_quotes_semicolons_and_braces_round_trip(store: QueueStore) -> None:
    owner = "o'hara; drop table queue_items;-- {{ 7*7 }} \\ %s ?"
    run_export(store, [decision("x", owner=owner, escalate_to=owner + " boss")])
    [item] = store.items(owner_id=owner)
    assert item["owner_id"] == owner
    assert store.items(owner_id=owner + " boss")[0]["escalated_to"] == owner + " boss"
    assert store.item("x")["decision"]["owner_id"] == owner
    assert store.count() == 1


def test_concurrent_deliverers_apply_each_message_once(store: QueueStore) -> None:
    """Two deliverers drain the same outbox at once: on PostgreSQL each claims with SKIP LOCKED
    (disjoint batches), on SQLite the write lock serialises them. Nothing applied twice."""
    rows = [decision(f"c{i:04d}") for i in range(600)]
    store.stage(rows)
    applied: list[int] = []
    errors: list[BaseException] = []

    def drain() -> None:
        try:
            applied.append(store.deliver_local(batch_size=20))
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(applied) == 600
    assert store.count() == 600
    assert len([e for e in store.events_after(0) if e["event_type"] == "assigned"]) == 600
    assert {r["attempts"] for r in store.deliveries(LOCAL_CHANNEL)} == {1}


def test_batches_walk_the_outbox_in_order_and_deliver_everything_once(store: QueueStore) -> None:
    """Each batch continues after the last message the previous one claimed (keyset on the
    outbox's order index): with batches smaller than the export, and messages staged by two
    exports, every message is applied once, oldest first."""
    store.stage([decision(f"d{i:02d}") for i in range(7)])
    store.stage([decision(f"d{i:02d}", 2) for i in range(0, 7, 3)])  # newer versions, later
    assert store.deliver_local(batch_size=2) == 10
    assert store.deliver_local(batch_size=2) == 0
    assert {r["status"] for r in store.deliveries(LOCAL_CHANNEL)} == {"delivered"}
    order = [(e["decision_id"], e["decision_version"]) for e in store.events_after(0)]
    assert order[:7] == [(f"d{i:02d}", 1) for i in range(7)]
    assert order[7:] == [(f"d{i:02d}", 2) for i in range(0, 7, 3)]
    status = {
        (r["decision_id"], r["decision_version"]): r["queue_status"]
        for r in store.items(include_closed=True)
    }
    assert status[("d00", 1)] == "superseded" and status[("d00", 2)] == "open"
    assert status[("d01", 1)] == "open"


def test_readers_can_leave_out_payloads_and_other_event_types(store: QueueStore) -> None:
    run_export(store, [decision("a"), decision("b", escalate_to="head.buying")])
    items = store.items(include_closed=True, payload=False)
    assert [i["decision_id"] for i in items] == ["a", "b"]
    assert all("payload" not in i and i["queue_status"] == "open" for i in items)
    assert [e["decision_id"] for e in store.events_after(0, "escalated")] == ["b"]


def test_a_re_run_stages_nothing_and_a_new_channel_gets_the_open_backlog(store: QueueStore) -> None:
    """Staging reads the keys already there first: the same decisions again add no outbox or
    ledger rows; a channel that appears later gets a pending ledger row for each staged message."""
    rows = [decision(f"d{i}") for i in range(4)]
    assert store.stage(rows).staged == 4
    assert store.stage(rows).staged == 0
    assert len(store.deliveries(LOCAL_CHANNEL)) == 4
    assert store.stage([*rows, decision("d9")], ["webhook"]).staged == 1
    assert len(store.deliveries(LOCAL_CHANNEL)) == 5
    hook = store.deliveries("webhook")
    assert len(hook) == 5 and {r["status"] for r in hook} == {"pending"}


def test_payloads_keep_dates_as_text_sort_keys_and_read_back_older_json() -> None:
    row = {
        "value_at_stake": Decimal("12.50"),
        "decision_id": "d-é",
        "detected_at": datetime(2026, 11, 1, 6, 0, 0),
        "due_date": date(2026, 11, 3),
        "sigma": float("nan"),
        "inputs": {"z": 1.5, "a": None},
    }
    text = payload_text(row)
    assert list(json.loads(text)) == sorted(row)  # keys sorted, at every level
    assert list(json.loads(text)["inputs"]) == ["a", "z"]
    back = loads(text)
    assert back["detected_at"] == "2026-11-01 06:00:00"  # str(datetime), as before orjson
    assert back["due_date"] == "2026-11-03"
    assert back["value_at_stake"] == "12.50"
    assert back["decision_id"] == "d-é"
    assert back["sigma"] is None  # NaN is not JSON: null
    # a payload an earlier json.dumps wrote, NaN token included, still reads back
    older = json.dumps({"sigma": float("nan"), "decision_id": "x"})
    assert math.isnan(loads(older)["sigma"])
