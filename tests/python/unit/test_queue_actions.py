"""`stockops queue` actions: the lifecycle state machine and approval authority, through the CLI.

A queue is built from hand-made fct_decisions-shaped rows in a temp directory; no dbt build.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from stockops import cli
from stockops.queue import actions
from stockops.queue.export import run_export
from stockops.queue.sqlite_store import SqliteQueueStore

from support import PROJECT_DIR

ODD_OWNER = "o'hara; drop table queue_items;-- {{ 7*7 }}"
NOW = datetime(2026, 10, 10, 12, 0, tzinfo=UTC)


def _decision(
    decision_id: str,
    *,
    owner: str = "buyer.ana",
    escalation_owner: str = "head.buying",
    decision_type: str = "replenish",
    value: float = 3000.0,
    approver_role: str = "buyer",
    version: int = 1,
) -> dict:
    return {
        "decision_id": decision_id,
        "decision_version": version,
        "decision_type": decision_type,
        "subject_key": "SKU-0001|LOC-01",
        "sku_id": "SKU-0001",
        "location_id": "LOC-01",
        "supplier_id": "SUP-001",
        "constraint_id": None,
        "recommended_qty": 120.0,
        "due_by": "2026-10-31",
        "owner_id": owner,
        "escalation_owner_id": escalation_owner,
        "approver_role": approver_role,
        "priority": "high",
        "value_at_stake": value,
        "reason": "Inventory position 40 <= reorder point 55: order 120 units from SUP-001.",
        "inputs": {"inventory_position": 40.0, "reorder_point": 55.0, "moq": 24},
        "signal_at": "2026-10-09 08:00:00",
        "status": "proposed",
        "ack_due_at": "2026-10-10 12:00:00",
        "resolve_due_at": "2026-10-11 08:00:00",
    }


@pytest.fixture
def queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A warehouse directory whose queue holds a few decisions; returns the warehouse dir."""
    monkeypatch.delenv("STOCKOPS_ACTOR", raising=False)
    monkeypatch.delenv("STOCKOPS_WAREHOUSE_DIR", raising=False)
    run_export(
        SqliteQueueStore(tmp_path / "queue.sqlite"),
        [
            _decision("small"),  # replenish 3,000: the buyer band
            _decision("big", value=20000.0, approver_role="category_manager"),
            _decision("odd", owner=ODD_OWNER, decision_type="transfer", value=500.0),
        ],
    )
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], wh: Path, *args: str) -> tuple[int, str, str]:
    """`stockops queue <args> --warehouse wh` in process: (exit code, stdout, stderr)."""
    try:
        code = cli.main(["queue", *args, "--warehouse", str(wh)])
    except SystemExit as exc:  # argparse errors
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def events(wh: Path, decision_id: str) -> list[dict]:
    store = SqliteQueueStore(wh / "queue.sqlite")
    item = store.item(decision_id)
    assert item is not None
    return store.events_for(decision_id, item["decision_version"])


def show(capsys: pytest.CaptureFixture[str], wh: Path, decision_id: str) -> dict:
    code, out, err = run(capsys, wh, "show", decision_id, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def future(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S")


# ------------------------------------------------------------------------------------- policy
def test_policy_seeds_cover_every_approver_role_and_owner() -> None:
    policy = actions.load_policy(PROJECT_DIR / "seeds")
    assert actions.policy_problems(policy) == []
    assert policy.roles_of("head.buying") == {"category_manager", "head_of_supply"}
    # bands: a higher band's role may approve smaller values too
    assert policy.approver_roles("replenish", 3000) == {
        "buyer",
        "category_manager",
        "head_of_supply",
    }
    assert policy.approver_roles("replenish", 20000) == {"category_manager", "head_of_supply"}
    assert policy.approver_roles("replenish", 80000) == {"head_of_supply"}
    # a type without rows of its own uses the 'default' rows
    assert policy.approver_roles("something_new", 1.0) == {"category_manager"}


# ------------------------------------------------------------------------------------- authority
def test_approve_needs_an_authorised_role(queue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = events(queue, "small")
    code, out, err = run(capsys, queue, "approve", "small", "--actor", "planner.dara")
    assert code == 3 and out == ""
    assert err.startswith("stockops: refused: planner.dara may not approve decision small")
    assert len(err.strip().splitlines()) == 1
    assert events(queue, "small") == before  # nothing written

    code, out, err = run(capsys, queue, "approve", "small", "--actor", "buyer.ben")
    assert (code, err) == (0, "")
    assert out == "approved small v1 as buyer.ben\n"
    assert show(capsys, queue, "small")["state"] == "approved"


def test_a_value_above_the_buyer_band_needs_a_category_manager(
    queue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = events(queue, "big")
    code, _, err = run(capsys, queue, "approve", "big", "--actor", "buyer.ana")
    assert code == 3
    assert "needs role category_manager or head_of_supply" in err and "holds buyer" in err
    assert events(queue, "big") == before

    code, out, _ = run(capsys, queue, "approve", "big", "--actor", "head.planning")
    assert code == 0 and out == "approved big v1 as head.planning\n"


def test_unknown_actor_is_refused_and_escalation_owner_may_ack(
    queue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, queue, "ack", "small", "--actor", "mallory")
    assert code == 3 and "unknown actor" in err
    # planner.dara is known but neither owner, escalation owner nor approver of a replenish
    code, _, err = run(capsys, queue, "ack", "small", "--actor", "planner.dara")
    assert code == 3 and "only the owner buyer.ana" in err
    code, out, _ = run(capsys, queue, "ack", "small", "--actor", "head.buying")
    assert code == 0 and out == "acknowledged small v1 as head.buying\n"


def test_actor_defaults_to_the_environment(
    queue: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, queue, "ack", "small")
    assert code == 2 and "--actor" in err
    monkeypatch.setenv("STOCKOPS_ACTOR", "buyer.ana")
    code, out, _ = run(capsys, queue, "ack", "small")
    assert code == 0 and out == "acknowledged small v1 as buyer.ana\n"


# ------------------------------------------------------------------------------------- lifecycle
def test_reverse_only_after_execution_and_only_by_an_approver(
    queue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, queue, "approve", "big", "--actor", "head.buying")[0] == 0
    before = events(queue, "big")
    code, _, err = run(capsys, queue, "reverse", "big", "--actor", "head.buying", "--reason", "x")
    assert code == 3
    assert "decision big is approved; 'reversed' is only allowed from executed" in err
    assert events(queue, "big") == before

    assert run(capsys, queue, "execute", "big", "--actor", "buyer.ana")[0] == 0  # owner executes
    code, _, err = run(
        capsys, queue, "reverse", "big", "--actor", "buyer.ana", "--reason", "wrong sku"
    )
    assert code == 3 and "buyer.ana may not reverse decision big" in err

    code, out, _ = run(
        capsys, queue, "reverse", "big", "--actor", "head.buying", "--reason", "wrong sku"
    )
    assert code == 0 and out == "reversed big v1 as head.buying\n"
    shown = show(capsys, queue, "big")
    assert shown["state"] == "reversed"
    assert [e["event_type"] for e in shown["events"]] == [
        "assigned",
        "approved",
        "executed",
        "reversed",
    ]
    assert shown["events"][-1]["reason"] == "wrong sku"


def test_reject_and_reverse_need_a_reason(queue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = events(queue, "small")
    for action in ("reject", "reverse"):
        code, _, err = run(capsys, queue, action, "small", "--actor", "buyer.ana")
        assert code == 2 and "--reason" in err  # argparse
    code, _, err = run(capsys, queue, "reject", "small", "--actor", "buyer.ana", "--reason", " ")
    assert code == 3 and "a reason is required to reject" in err
    assert len(err.strip().splitlines()) == 1
    assert events(queue, "small") == before
    code, out, _ = run(
        capsys, queue, "reject", "small", "--actor", "buyer.ana", "--reason", "stock arriving"
    )
    assert code == 0 and out.startswith("rejected small v1")


def test_snooze_needs_a_future_until_within_30_days(
    queue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = events(queue, "small")
    assert run(capsys, queue, "snooze", "small", "--actor", "buyer.ana")[0] == 2
    code, _, err = run(capsys, queue, "snooze", "small", "--actor", "buyer.ana", "--until", "soon")
    assert code == 2 and "not an ISO date" in err
    code, _, err = run(
        capsys, queue, "snooze", "small", "--actor", "buyer.ana", "--until", "2020-01-01"
    )
    assert code == 3 and "is not in the future" in err
    code, _, err = run(
        capsys, queue, "snooze", "small", "--actor", "buyer.ana", "--until", future(31)
    )
    assert code == 3 and "more than 30 days ahead" in err
    assert events(queue, "small") == before

    until = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    code, out, _ = run(capsys, queue, "snooze", "small", "--actor", "buyer.ana", "--until", until)
    assert code == 0 and out.startswith("snoozed small v1 as buyer.ana until " + until)
    shown = show(capsys, queue, "small")
    assert shown["state"] == "snoozed"
    assert shown["snoozed_until"].startswith(f"{until}T00:00:00")

    code, out, _ = run(capsys, queue, "ack", "small", "--actor", "buyer.ana")
    assert code == 0 and out == "acknowledged small v1 as buyer.ana\n"
    assert show(capsys, queue, "small")["state"] == "acknowledged"


def test_expired_snooze_returns_to_the_previous_state() -> None:
    policy = actions.load_policy(PROJECT_DIR / "seeds")
    evs = [
        _event("e1", "assigned", "2026-10-01T08:00:00Z"),
        _event("e2", "acknowledged", "2026-10-01T09:00:00Z"),
        _event("e3", "snoozed", "2026-10-01T10:00:00Z", until="2026-10-05T00:00:00Z"),
    ]
    assert actions.current_state(evs, policy.transitions, NOW - timedelta(days=6)) == "snoozed"
    assert actions.current_state(evs, policy.transitions, NOW) == "acknowledged"
    # exactly at snoozed_until the snooze is over (snoozed_until <= now)
    at_end = datetime(2026, 10, 5, tzinfo=UTC)
    assert actions.current_state(evs, policy.transitions, at_end) == "acknowledged"


def _event(event_id: str, event_type: str, at: str, until: str | None = None) -> dict:
    return {
        "event_id": event_id,
        "event_type": event_type,
        "occurred_at": at,
        "actor_id": "someone",
        "snoozed_until": until,
    }


def test_current_state_follows_the_transitions_seed_step_by_step() -> None:
    """Parity with decision_transitions (and so int_decision_lifecycle.sql): each valid event moves
    the state where the seed says; commented and refused events change nothing."""
    policy = actions.load_policy(PROJECT_DIR / "seeds")
    steps = [
        ("assigned", None),
        ("acknowledged", None),
        ("commented", None),
        ("snoozed", "2026-10-20T00:00:00Z"),
        ("reversed", None),  # not allowed from snoozed: ignored
        ("approved", None),
        ("executed", None),
        ("reversed", None),
    ]
    expected = "proposed"
    seen: list[dict] = []
    for n, (event_type, until) in enumerate(steps):
        # event ids sort against time on purpose: occurred_at decides the order
        seen.append(_event(f"z{9 - n}", event_type, f"2026-10-0{n + 1}T08:00:00Z", until))
        if event_type != "commented":
            expected = policy.transitions.get((expected, event_type), expected)
        assert actions.current_state(seen, policy.transitions, NOW) == expected, event_type
    assert expected == "reversed"
    lifecycle = actions.replay(list(reversed(seen)), policy.transitions)
    assert (lifecycle.state, lifecycle.invalid_events) == ("reversed", 1)


def test_decide_refuses_superseded_or_withdrawn_and_unknown_decisions() -> None:
    policy = actions.load_policy(PROJECT_DIR / "seeds")
    item = {
        "decision_id": "d",
        "decision_version": 1,
        "owner_id": "buyer.ana",
        "decision_type": "replenish",
        "value_at_stake": 10.0,
        "queue_status": "withdrawn",
        "decision": _decision("d"),
    }
    with pytest.raises(actions.ActionRefused, match="v1 is withdrawn"):
        actions.decide("ack", item, [], "buyer.ana", None, None, policy, NOW)
    with pytest.raises(actions.UnknownDecision):
        actions.decide("ack", None, [], "buyer.ana", None, None, policy, NOW, decision_id="x")
    event = actions.decide(
        "ack", {**item, "queue_status": "open"}, [], "buyer.ana", "seen", None, policy, NOW
    )
    assert event == {
        "event_type": "acknowledged",
        "actor_id": "buyer.ana",
        "reason": "seen",
        "snoozed_until": None,
    }


# ------------------------------------------------------------------------------------- names, show
def test_odd_owner_name_round_trips_unchanged(
    queue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, queue, "list", "--owner", ODD_OWNER, "--format", "json")
    assert code == 0
    listed = json.loads(out)
    assert [(r["decision_id"], r["owner_id"]) for r in listed] == [("odd", ODD_OWNER)]
    assert show(capsys, queue, "odd")["decision"]["owner_id"] == ODD_OWNER

    code, out, err = run(capsys, queue, "ack", "odd", "--actor", ODD_OWNER, "--reason", "{{ x }}'")
    assert (code, err) == (0, "")
    assert out == f"acknowledged odd v1 as {ODD_OWNER}\n"
    last = events(queue, "odd")[-1]
    assert (last["actor_id"], last["reason"]) == (ODD_OWNER, "{{ x }}'")
    shown = show(capsys, queue, "odd")
    assert shown["events"][-1]["actor_id"] == ODD_OWNER

    con = sqlite3.connect(queue / "queue.sqlite")
    try:
        tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
        assert {"queue_items", "queue_events"} <= tables
        assert con.execute("select count(*) from queue_items").fetchone()[0] == 3
    finally:
        con.close()


def test_show_has_fields_state_events_and_approvers(
    queue: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = show(capsys, queue, "big")
    assert shown["decision_id"] == "big" and shown["decision_version"] == 1
    assert shown["state"] == "assigned"
    assert shown["approver_role"] == "category_manager"
    assert shown["approver_roles"] == ["category_manager", "head_of_supply"]
    assert shown["decision"]["inputs"]["reorder_point"] == 55.0
    assert shown["decision"]["due_by"] == "2026-10-31"
    assert [(e["event_type"], e["actor_id"]) for e in shown["events"]] == [("assigned", "stockops")]
    assert "approve" in shown["next_actions"] and "reverse" not in shown["next_actions"]

    code, out, _ = run(capsys, queue, "show", "big")
    assert code == 0
    assert "state" in out and "assigned" in out and "may approve" in out
    assert "reorder_point: 55" in out and "events" in out

    for args in (("show", "nope"), ("ack", "nope", "--actor", "buyer.ana")):
        code, out, err = run(capsys, queue, *args)
        assert code == 2 and out == ""
        assert err.startswith("stockops: decision nope is not in any queue")
        assert len(err.strip().splitlines()) == 1


# ------------------------------------------------------------------------------------- processes
def test_exit_codes_of_the_installed_command(queue: Path) -> None:
    exe = PROJECT_DIR / ".venv" / "bin" / "stockops"
    if not exe.exists():
        pytest.skip(f"{exe} not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("STOCKOPS_ACTOR",)}

    def stockops(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(exe), "queue", *args, "--warehouse", str(queue)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )

    refused = stockops("approve", "big", "--actor", "buyer.ana")
    assert refused.returncode == 3, refused.stderr
    assert refused.stderr.startswith("stockops: refused: ") and refused.stdout == ""
    approved = stockops("approve", "big", "--actor", "head.buying")
    assert (approved.returncode, approved.stdout) == (0, "approved big v1 as head.buying\n")
    assert stockops("show", "missing").returncode == 2


def test_an_overdue_decision_escalates_once_its_snooze_has_expired() -> None:
    """The hourly sweep escalates a decision overdue after its snooze ran out; the escalation is
    a valid event from 'snoozed' (the snooze is over), not an ignored one."""
    policy = actions.load_policy(PROJECT_DIR / "seeds")
    evs = [
        _event("e1", "assigned", "2026-10-01T08:00:00Z"),
        _event("e2", "acknowledged", "2026-10-01T09:00:00Z"),
        _event("e3", "snoozed", "2026-10-01T10:00:00Z", until="2026-10-03T00:00:00Z"),
        _event("e4", "escalated", "2026-10-04T00:00:00Z"),
    ]
    lifecycle = actions.replay(evs, policy.transitions)
    assert (lifecycle.state, lifecycle.invalid_events) == ("escalated", 0)
