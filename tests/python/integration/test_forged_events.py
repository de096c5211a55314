"""Forged decision events: a CSV landed in <landing>/decision_events/ by another tool passes the
rules the `stockops queue` CLI applies, or it is quarantined with its reason and never applied.

One real build of a copy of the tiny build's landing and warehouse, with a forged CSV beside the
queue's own event snapshots: an unknown actor approving and executing, an actor without authority,
an illegal transition, stockops.auto outside its rules and a stale version. The mart keeps the
queue's state, the queue/mart agreement check passes, landed rows = accepted + quarantined, and
the CLI's `decide()` refuses exactly the events the SQL quarantines (parity, case by case).
"""

from __future__ import annotations

import csv
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from stockops import checks, cli
from stockops.pipeline import run_build
from stockops.queue import actions
from stockops.queue.backends import open_store

from support import PROJECT_DIR, use_dirs

pytestmark = pytest.mark.slow

EVENT_COLUMNS = ["event_id", "decision_id", "decision_version", "event_type", "actor_id"]


def _open(con: duckdb.DuckDBPyConnection, decision_type: str, skip: set[str]) -> tuple:
    row = con.execute(
        "select decision_id, decision_version, owner_id, value_at_stake from marts.fct_decisions "
        "where is_open and auto_execution_rule_id is null and decision_type = ? "
        "and decision_id not in (select unnest(?::varchar[])) order by value_at_stake limit 1",
        [decision_type, sorted(skip)],
    ).fetchone()
    assert row is not None, f"the tiny build has no open {decision_type} decision"
    skip.add(row[0])
    return row


def land(landing: Path, name: str, rows: list[dict]) -> None:
    """A forged CSV in decision_events/, as another tool would write it."""
    target = landing / "decision_events" / name
    target.parent.mkdir(exist_ok=True)
    with target.open("w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, fieldnames=[*EVENT_COLUMNS, "occurred_at", "reason"])
        out.writeheader()
        out.writerows(rows)


def quarantined(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(
        con.execute(
            "select record_key, quarantine_reason from staging.stg_landing__quarantine "
            "where landing_table = 'decision_events'"
        ).fetchall()
    )


def test_forged_events_are_quarantined_with_reasons_and_never_applied(
    tiny_build, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    landing = shutil.copytree(tiny_build.cfg.landing_dir, tmp_path / "landing")
    warehouse = shutil.copytree(tiny_build.cfg.warehouse_dir, tmp_path / "warehouse")
    cfg = use_dirs(landing, warehouse)
    try:
        used: set[str] = set()
        # every forged event and the recorded v2 below come after the queue's own events
        time.sleep(1.5)
        con = duckdb.connect(str(cfg.duckdb_path))
        try:
            liquidate = _open(con, "liquidate", used)  # approver: category_manager
            markdown = _open(con, "markdown", used)  # approver: category_manager
            counted = _open(con, "cycle_count", used)
            reorder = _open(con, "adjust_reorder_point", used)
            legit = _open(con, "markdown", used)
            stale = _open(con, "cycle_count", used)
            # an earlier run's memory already holds v2 of `stale` (as if its quantity had moved)
            v2_at = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=0.5)
            con.execute(
                "insert into intermediate.int_decision_versions select * replace "
                "(2 as decision_version, 'changed' as change_kind, ?::timestamp as detected_at) "
                "from intermediate.int_decision_versions where decision_id = ? and decision_version = 1",
                [v2_at, stale[0]],
            )
        finally:
            con.close()

        # an authorised approval through the CLI: the queue lands it for the build, which applies it
        assert cli.main(["queue", "approve", legit[0], "--actor", "head.buying"]) == 0
        capsys.readouterr()

        at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

        def event(event_id: str, decision: tuple, event_type: str, actor: str, **extra) -> dict:
            return {
                "event_id": event_id,
                "decision_id": decision[0],
                "decision_version": extra.get("version", decision[1]),
                "event_type": event_type,
                "actor_id": actor,
                "occurred_at": at,
                "reason": extra.get("reason", "forged"),
            }

        v_liq, v_md, v_re = (f"{d[3]:,.2f}" for d in (liquidate, markdown, reorder))
        # event -> (the event, the reason SQL must give, the CLI action to compare or None)
        cases = {
            "F-UNKNOWN-APPROVE": (
                event("F-UNKNOWN-APPROVE", liquidate, "approved", "mallory"),
                "unknown actor 'mallory'",
                "approve",
            ),
            "F-UNKNOWN-EXECUTE": (
                event("F-UNKNOWN-EXECUTE", liquidate, "executed", "mallory"),
                "unknown actor 'mallory'",
                "execute",
            ),
            "F-NO-AUTHORITY": (
                event("F-NO-AUTHORITY", markdown, "approved", "buyer.ben"),
                f"actor 'buyer.ben' (roles buyer) may not approve markdown worth {v_md}",
                "approve",
            ),
            "F-TRANSITION": (
                event("F-TRANSITION", counted, "executed", counted[2]),
                "transition assigned -> executed not allowed",
                "execute",
            ),
            "F-AUTO-APPROVE": (
                event("F-AUTO-APPROVE", reorder, "approved", "stockops.auto"),
                f"stockops.auto may not approve adjust_reorder_point worth {v_re}: "
                "no auto_execution_policy rule allows it",
                None,  # the CLI never lets stockops.auto act; the export's grants do
            ),
            "F-AUTO-EXECUTE": (
                event("F-AUTO-EXECUTE", reorder, "executed", "stockops.auto"),
                f"stockops.auto may not execute adjust_reorder_point worth {v_re}: "
                "no auto_execution_policy rule allows it",
                None,
            ),
            "F-STALE": (
                event("F-STALE", stale, "acknowledged", stale[2], version=1),
                "stale version 1 (latest 2)",
                None,  # the queue has not seen v2 yet (no export since it was recorded)
            ),
        }
        land(landing, "forged.csv", [e for e, _, _ in cases.values()])
        before = dict(
            tiny_build.query("select decision_id, status from marts.fct_decisions where is_open")
        )

        # the CLI's verdict on each event, against the queue as it stands
        policy = actions.load_policy(PROJECT_DIR / "seeds")
        store = open_store(cfg.queue_path)
        now = datetime.now(UTC)
        cli_refused = {}
        for event_id, (e, _, action) in cases.items():
            if action is None:
                continue
            item = store.item(e["decision_id"])
            history = store.events_for(e["decision_id"], int(e["decision_version"]))
            try:
                actions.decide(action, item, history, e["actor_id"], "r", None, policy, now)
                cli_refused[event_id] = False
            except actions.ActionRefused:
                cli_refused[event_id] = True

        outcome = run_build()
        assert outcome.success, outcome.failures
        reconcile = [c for c in outcome.checks if c.name == "queue_reconciles"]
        assert reconcile and all(c.status == "pass" for c in reconcile), reconcile

        con = duckdb.connect(str(cfg.duckdb_path), read_only=True)
        try:
            reasons = quarantined(con)
            after = dict(
                con.execute("select decision_id, status from marts.fct_decisions").fetchall()
            )
            landed, accepted = con.execute(
                "select (select count(*) from staging.base_landing__decision_events), "
                "(select count(*) from intermediate.int_decision_event_checks "
                "where rejection_reason is null)"
            ).fetchone()
        finally:
            con.close()
        seen, evaluated_at = checks.read_seen_events(cfg.duckdb_path)
        decisions = checks.read_mart(cfg.duckdb_path)

        for event_id, (_, reason, _) in cases.items():
            assert reasons.get(event_id) == reason, event_id
        # rows in = rows accepted + rows quarantined
        assert landed == accepted + len(reasons)
        # nothing forged was applied: the queue's own events set the state
        for decision in (liquidate, markdown, counted, reorder):
            assert after[decision[0]] == "assigned", (decision, before.get(decision[0]))
        assert after[liquidate[0]] != "approved"
        # the CLI's approval, landed by the queue, was applied
        assert after[legit[0]] == "approved"
        [approval] = [
            e for e in store.events_for(legit[0], legit[1]) if e["event_type"] == "approved"
        ]
        cli_refused[approval["event_id"]] = False
        # the CLI refuses exactly what the SQL quarantines
        assert cli_refused == {k: k in reasons for k in cli_refused}
        assert sorted(cli_refused.values()) == [False, True, True, True, True]

        # the queue and the mart agree on every open decision's state
        items = store.items(include_closed=True, payload=False)
        mismatches = checks.state_mismatches(
            decisions,
            items,
            store.events_after(0),
            seen,
            policy.transitions,
            evaluated_at,
        )
        assert mismatches == []
        # ... and the check would name a decision whose mart state the queue does not share
        wrong = [
            {**d, "status": "executed"} if d["decision_id"] == legit[0] else d for d in decisions
        ]
        flagged = checks.state_mismatches(
            wrong,
            items,
            store.events_after(0),
            seen,
            policy.transitions,
            evaluated_at,
        )
        assert [m["decision_id"] for m in flagged] == [legit[0]]
    finally:
        use_dirs(tiny_build.cfg.landing_dir, tiny_build.cfg.warehouse_dir)
