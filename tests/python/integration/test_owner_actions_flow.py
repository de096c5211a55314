"""Owners' answers come back: CLI actions become decision_events that the next build reads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from stockops import cli
from stockops.pipeline import run_build

from support import use_dirs

pytestmark = pytest.mark.slow


def test_actions_reach_fct_decisions_and_time_to_action_on_the_next_run(
    tiny_build, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a copy of the built warehouse and landing, so the shared build stays as it was
    landing = shutil.copytree(tiny_build.cfg.landing_dir, tmp_path / "landing")
    warehouse = shutil.copytree(tiny_build.cfg.warehouse_dir, tmp_path / "warehouse")
    cfg = use_dirs(landing, warehouse)
    try:
        rows = tiny_build.query(
            "select decision_id, decision_type, owner_id from marts.fct_decisions "
            "where is_open and auto_execution_rule_id is null order by value_at_stake, decision_id"
        )
        proposal = next(r for r in rows if r[1] == "purchase_proposal")
        other = next(r for r in rows if r[0] != proposal[0])
        assert cli.main(["queue", "ack", proposal[0], "--actor", proposal[2]]) == 0
        assert cli.main(["queue", "approve", proposal[0], "--actor", "head.buying"]) == 0
        assert cli.main(["queue", "ack", other[0], "--actor", other[2]]) == 0
        # refused: the owner cannot reverse what was never executed
        assert (
            cli.main(["queue", "reverse", proposal[0], "--actor", "head.buying", "--reason", "x"])
            == 3
        )
        capsys.readouterr()

        outcome = run_build()
        assert outcome.success, outcome.failures
        import duckdb

        con = duckdb.connect(str(cfg.duckdb_path), read_only=True)
        try:
            status = dict(
                con.execute(
                    "select decision_id, status from marts.fct_decisions where decision_id in (?, ?)",
                    [proposal[0], other[0]],
                ).fetchall()
            )
            acted = con.execute(
                "select acknowledged_at is not null, resolved_at is not null, invalid_events "
                "from marts.fct_decisions where decision_id = ?",
                [proposal[0]],
            ).fetchone()
            tta = con.execute(
                "select sum(acknowledged), sum(resolved) from marts.fct_time_to_action"
            ).fetchone()
        finally:
            con.close()
        assert status == {proposal[0]: "approved", other[0]: "acknowledged"}
        assert acted == (True, True, 0)  # the refused reversal was never written
        assert tta[0] >= 2 and tta[1] >= 1
    finally:
        use_dirs(tiny_build.cfg.landing_dir, tiny_build.cfg.warehouse_dir)


def test_hourly_sweep_escalates_an_overdue_decision(tiny_build, tmp_path: Path) -> None:
    """An assignment twenty days old breaches every SLA: the sweep job (lifecycle models only, no
    full rebuild) records the escalation and puts the decision into the escalation owner's queue."""
    import duckdb

    from stockops.queue.backends import open_store
    from stockops.schedules import SWEEP_JOB_NAME

    landing = shutil.copytree(tiny_build.cfg.landing_dir, tmp_path / "landing")
    warehouse = shutil.copytree(tiny_build.cfg.warehouse_dir, tmp_path / "warehouse")
    cfg = use_dirs(landing, warehouse)
    try:
        decision_id, version, escalation_owner = tiny_build.query(
            "select decision_id, decision_version, escalation_owner_id from marts.fct_decisions "
            "where is_open and auto_execution_rule_id is null order by decision_id limit 1"
        )[0]
        # an owner-side system wrote this assignment twenty days ago (a landed events file)
        duckdb.execute(
            "copy (select 'assigned:backdated' as event_id, ? as decision_id, ? as decision_version, "
            "'assigned' as event_type, 'stockops' as actor_id, "
            "now()::timestamp - interval 20 day as occurred_at, 'backdated' as reason, "
            "null::timestamp as snoozed_until) to ? (format parquet)",
            [decision_id, version, str(landing / "decision_events" / "backdated.parquet")],
        )
        outcome = run_build(job_name=SWEEP_JOB_NAME)
        assert outcome.success, outcome.failures
        store = open_store(cfg.queue_path)
        escalated = [i for i in store.items(owner_id=escalation_owner) if i["escalated_to"]]
        assert decision_id in {i["decision_id"] for i in escalated}
        events = [
            e
            for e in store.events_after(0)
            if e["decision_id"] == decision_id and e["event_type"] == "escalated"
        ]
        assert len(events) == 1
    finally:
        use_dirs(tiny_build.cfg.landing_dir, tiny_build.cfg.warehouse_dir)
