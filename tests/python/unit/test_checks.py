"""The time-to-action checks on owner_queue, as plain functions over hand-made rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import dagster as dg
import pytest

from stockops import checks

FALLBACK = "unassigned.fallback"


def decision(decision_id: str, version: int = 1, **overrides) -> dict:
    row = {
        "decision_id": decision_id,
        "decision_version": version,
        "decision_type": "replenish",
        "subject_key": f"sku|{decision_id}",
        "owner_id": "buyer.ana",
        "status": "assigned",
        "is_open": True,
        "is_overdue": False,
        "escalate_to": None,
        "escalated_at": None,
        "signal_at": datetime(2026, 10, 1, 6, 0),
    }
    return row | overrides


def item(decision_id: str, version: int = 1, **overrides) -> dict:
    row = {
        "decision_id": decision_id,
        "decision_version": version,
        "owner_id": "buyer.ana",
        "queue_status": "open",
        "signal_at": None,
        "enqueued_at": "2026-10-01T10:00:00.000000Z",
        "payload": json.dumps({"decision_id": decision_id, "signal_at": "2026-10-01 06:00:00"}),
    }
    return row | overrides


def ids(rows: list[dict]) -> list[str]:
    return [r["decision_id"] for r in rows]


def test_fallback_owner_comes_from_dbt_project() -> None:
    assert checks.fallback_owner_id() == FALLBACK


def test_owner_resolved() -> None:
    rows = [
        decision("ok"),
        decision("fallback", owner_id=FALLBACK),
        decision("missing", owner_id=None),
        decision("blank", owner_id="  "),
        decision("closed_fallback", status="executed", is_open=False, owner_id=FALLBACK),
    ]
    bad = checks.unresolved_owners(rows, FALLBACK)
    assert ids(bad) == ["fallback", "missing", "blank", "closed_fallback"]
    assert checks.unresolved_owners([decision("a"), decision("b")], FALLBACK) == []


def test_overdue_escalated() -> None:
    overdue = {"is_overdue": True, "escalate_to": "planner.lead"}
    rows = [
        decision("not_overdue"),
        decision("escalated_in_mart", **overdue, escalated_at=datetime(2026, 10, 2)),
        decision("escalated_in_queue", 2, **overdue),
        decision("event_for_old_version", 3, **overdue),
        decision("never_escalated", **overdue),
        decision("overdue_but_closed", **overdue, status="executed", is_open=False),
        decision("overdue_withdrawn", **overdue, status="withdrawn"),
    ]
    events = [
        {"decision_id": "escalated_in_queue", "decision_version": 2, "event_type": "escalated"},
        {"decision_id": "event_for_old_version", "decision_version": 2, "event_type": "escalated"},
        {"decision_id": "never_escalated", "decision_version": 1, "event_type": "assigned"},
    ]
    bad = checks.unescalated_overdue(rows, events)
    assert ids(bad) == ["event_for_old_version", "never_escalated"]
    assert bad[1]["escalate_to"] == "planner.lead"
    assert checks.unescalated_overdue(rows[:3], events) == []


def test_queue_reconciles() -> None:
    mart = [
        decision("in_both"),
        decision("not_queued"),
        decision("queued_old_version", 2),
        decision("closed_in_mart", status="executed", is_open=False),
        decision("withdrawn", status="withdrawn", is_open=False),
        decision("superseded_ok", 2),
    ]
    queue = [
        item("in_both"),
        item("queued_old_version", 1),
        item("closed_in_mart"),
        item("withdrawn", queue_status="withdrawn"),
        item("superseded_ok", 1, queue_status="superseded"),
        item("superseded_ok", 2),
        item("not_in_mart"),
        item("not_in_mart_but_closed", queue_status="closed"),
    ]
    bad = checks.queue_mismatches(mart, queue)
    assert [(r["decision_id"], r["decision_version"]) for r in bad] == [
        ("not_queued", 1),
        ("queued_old_version", 2),
        ("closed_in_mart", 1),
        ("not_in_mart", 1),
        ("queued_old_version", 1),
    ]
    problems = {(r["decision_id"], r["decision_version"]): r["problem"] for r in bad}
    assert problems[("not_queued", 1)] == "open in the mart, not in the queue"
    assert problems[("not_in_mart", 1)] == "open in the queue, not in the mart"
    assert "another version" in problems[("queued_old_version", 1)]
    assert problems[("closed_in_mart", 1)] == "open in the queue, not open in the mart"

    clean_mart = [decision("a"), decision("b", 2), decision("c", status="rejected", is_open=False)]
    clean_queue = [item("a"), item("b", 1, queue_status="superseded"), item("b", 2)]
    assert checks.queue_mismatches(clean_mart, clean_queue) == []


def test_signal_to_queue_latency() -> None:
    queue = [
        # signal 06:00 (from the payload), queued 10:00 -> 4 h; queued before the last export
        item("early"),
        # queued by the last export: 2 h, 6 h, 10 h, 30 h (the signal_at column wins over payload)
        item("a", enqueued_at="2026-10-02T08:00:00Z", signal_at="2026-10-02T06:00:00"),
        item("b", enqueued_at="2026-10-02T12:00:00Z", signal_at="2026-10-02T06:00:00"),
        item("c", enqueued_at="2026-10-02T16:00:00Z", signal_at="2026-10-02T06:00:00"),
        item(
            "d",
            enqueued_at="2026-10-03T12:00:00.000000Z",
            signal_at="2026-10-02T06:00:00",
            queue_status="superseded",
        ),
        item("no_signal", enqueued_at="2026-10-02T09:00:00Z", payload="{}"),
    ]
    since = datetime(2026, 10, 2, 7, 0, tzinfo=UTC)
    latencies = checks.signal_to_queue_latencies(queue, since)
    assert [(r["decision_id"], r["hours"]) for r in latencies] == [
        ("d", 30.0),
        ("c", 10.0),
        ("b", 6.0),
        ("a", 2.0),
    ]
    summary = checks.latency_summary(latencies)
    assert summary == {"count": 4, "median_hours": 8.0, "p90_hours": 24.0}

    # the last export not known: every open queue row
    everything = checks.signal_to_queue_latencies(queue)
    assert sorted(ids(everything)) == ["a", "b", "c", "early"]
    assert checks.latency_summary([]) == {"count": 0, "median_hours": None, "p90_hours": None}


def _results(**kwargs) -> dict[str, dg.AssetCheckResult]:
    args = {
        "fallback_owner": FALLBACK,
        "max_median_hours": 24.0,
        "since": None,
    } | kwargs
    decisions, items, events = args.pop("decisions"), args.pop("items"), args.pop("events")
    return {r.check_name: r for r in checks.evaluate(decisions, items, events, **args)}


def test_evaluate_reports_offending_rows_in_metadata() -> None:
    decisions = [decision(f"d{i}", owner_id=FALLBACK) for i in range(25)]
    items = [item(f"d{i}") for i in range(25)]
    results = _results(decisions=decisions, items=items, events=[])
    assert set(results) == {
        "owner_resolved",
        "overdue_escalated",
        "queue_reconciles",
        "signal_to_queue_latency",
    }
    owner = results["owner_resolved"]
    assert not owner.passed and owner.severity == dg.AssetCheckSeverity.ERROR
    assert owner.metadata["offending_rows"].value == 25
    table = owner.metadata["offending"].value
    assert sum(FALLBACK in line for line in table.splitlines()) == 20  # listed: at most 20
    assert "| d19 |" in table and "| d20 |" not in table and "and 5 more" in table
    assert owner.metadata["first_offenders"].value == [
        f"decision_id=d{i} decision_type=replenish owner_id={FALLBACK}" for i in range(3)
    ]
    assert results["overdue_escalated"].passed
    assert results["overdue_escalated"].metadata["first_offenders"].value == []
    assert results["queue_reconciles"].passed
    latency = results["signal_to_queue_latency"]
    assert latency.passed and latency.severity == dg.AssetCheckSeverity.WARN
    assert latency.metadata["median_hours"].value == 4.0
    assert latency.metadata["count"].value == 25


def test_evaluate_latency_warns_and_selection() -> None:
    results = _results(
        decisions=[decision("a")],
        items=[item("a")],
        events=[],
        max_median_hours=1.0,
        selected={"signal_to_queue_latency"},
    )
    assert list(results) == ["signal_to_queue_latency"]
    latency = results["signal_to_queue_latency"]
    assert not latency.passed and latency.severity == dg.AssetCheckSeverity.WARN
    assert latency.metadata["p90_hours"].value == 4.0
    assert latency.metadata["first_offenders"].value == [
        "median 4.0 h > 1.0 h over 1 decisions",
        "decision_id=a owner_id=buyer.ana hours=4.0",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-10-02T08:00:00.123000Z", datetime(2026, 10, 2, 8, 0, 0, 123000, tzinfo=UTC)),
        ("2026-10-02 08:00:00", datetime(2026, 10, 2, 8, tzinfo=UTC)),
        (datetime(2026, 10, 2, 8), datetime(2026, 10, 2, 8, tzinfo=UTC)),
        (None, None),
    ],
)
def test_parse_utc(value, expected) -> None:
    assert checks.parse_utc(value) == expected
