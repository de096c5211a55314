"""One lifecycle, two replays: int_decision_lifecycle.sql (dbt) and stockops.queue.actions.replay
(the `stockops queue` CLI) must agree on every (state, event) pair the seed decision_transitions
knows — each allowed transition and each event it refuses — with a snooze still running and with
one that has expired. The SQL is the model's compiled code, run on DuckDB against tables holding
the same events."""

from __future__ import annotations

import json
import re
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from stockops.queue import actions

from support import PROJECT_DIR, run_dbt

SEED = PROJECT_DIR / "seeds" / "decision_transitions.csv"


def paths_to_states(transitions: actions.Transitions) -> dict[str, list[str]]:
    """The shortest event sequence from 'proposed' to each state the seed can reach."""
    paths = {actions.INITIAL_STATE: []}
    todo = deque([actions.INITIAL_STATE])
    while todo:
        state = todo.popleft()
        for (from_state, event_type), to_state in sorted(transitions.items()):
            if from_state == state and to_state not in paths:
                paths[to_state] = [*paths[state], event_type]
                todo.append(to_state)
    return paths


def cases(transitions: actions.Transitions, now: datetime) -> dict[str, list[dict]]:
    """{decision_id: its events}: for every state × event type, the path to the state and then the
    event, once with snoozes running past `now` and once with snoozes over by then."""
    paths = paths_to_states(transitions)
    event_types = sorted({event_type for _, event_type in transitions})
    out = {}
    for state, path in sorted(paths.items()):
        for event_type in event_types:
            for snooze, until in (("running", now + timedelta(days=3)), ("over", now)):
                decision_id = f"{state}.{event_type}.{snooze}"
                start = now - timedelta(days=2)
                out[decision_id] = [
                    {
                        "decision_id": decision_id,
                        "decision_version": 1,
                        "event_id": f"e{n:02d}",
                        "event_type": step,
                        "actor_id": "someone",
                        "occurred_at": start + timedelta(hours=n),
                        "snoozed_until": until if step == "snoozed" else None,
                    }
                    for n, step in enumerate([*path, event_type])
                ]
    return out


def test_sql_and_python_lifecycles_agree_on_every_transition(tmp_path: Path):
    run_dbt(
        tmp_path / "landing", tmp_path / "warehouse", tmp_path, "compile",
        "--select", "int_decision_lifecycle", "--quiet",
    )  # fmt: skip
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    node = manifest["nodes"]["model.stockops.int_decision_lifecycle"]
    transitions = actions.load_policy(PROJECT_DIR / "seeds").transitions
    # the model's evaluation time is its run's start, compiled in as a literal
    evaluated_at = re.search(r"cast\('([0-9: -]+)' as timestamp\)", node["compiled_code"])[1]
    now = datetime.fromisoformat(evaluated_at).replace(tzinfo=UTC)
    by_decision = cases(transitions, now)
    assert len(by_decision) == 2 * len(paths_to_states(transitions)) * len(
        {e for _, e in transitions}
    )
    # every row of the seed is taken by at least one case
    taken = {tuple(decision_id.split(".")[:2]) for decision_id in by_decision}
    assert set(transitions) <= taken

    con = duckdb.connect()
    con.execute("attach ':memory:' as stockops")
    con.execute("create schema stockops.policy; create schema stockops.intermediate")
    con.execute(
        "create table stockops.policy.decision_transitions as "
        f"select * from read_csv('{SEED}', header = true, all_varchar = true)"
    )
    events = [e for evs in by_decision.values() for e in evs]
    con.execute(
        "create table stockops.intermediate.int_decision_event_checks ("
        "decision_id varchar, decision_version integer, event_id varchar, event_type varchar, "
        "actor_id varchar, occurred_at timestamp, snoozed_until timestamp, rejection_reason varchar)"
    )
    con.executemany(
        "insert into stockops.intermediate.int_decision_event_checks values (?, ?, ?, ?, ?, ?, ?, null)",
        [
            [
                e["decision_id"],
                e["decision_version"],
                e["event_id"],
                e["event_type"],
                e["actor_id"],
                e["occurred_at"].replace(tzinfo=None),
                e["snoozed_until"] and e["snoozed_until"].replace(tzinfo=None),
            ]
            for e in events
        ],
    )
    con.execute(
        "create table stockops.intermediate.int_decision_versions as "
        "select distinct decision_id, decision_version "
        "from stockops.intermediate.int_decision_event_checks"
    )
    sql = {
        decision_id: (status, invalid)
        for decision_id, status, invalid in con.execute(
            f"select decision_id, lifecycle_status, invalid_events from ({node['compiled_code']})"
        ).fetchall()
    }

    python = {}
    for decision_id, evs in by_decision.items():
        lifecycle = actions.replay(evs, transitions)
        python[decision_id] = (lifecycle.at(now), lifecycle.invalid_events)
    assert sql == python
    # the cases exercise refusals and expired snoozes, not only the happy path
    assert {invalid for _, invalid in python.values()} == {0, 1}
    assert python["proposed.snoozed.over"][0] == "proposed"
    assert python["proposed.snoozed.running"][0] == "snoozed"
