"""Authority is scoped: an actor_roles row may hold a role for one category and/or location only,
and approval_authority.four_eyes_above keeps an owner from approving their own decision alone.
The `stockops queue` CLI refuses (exit 3) and a landed event is quarantined, with the same rule.

The demo seeds carry both: lead.cat01 is category_manager for CAT-01 only, and a
protect_constraint worth more than 100,000 needs a plant manager other than its owner.
"""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from stockops import cli
from stockops.pipeline import run_build
from stockops.queue import actions
from stockops.queue.export import run_export
from stockops.queue.sqlite_store import SqliteQueueStore

from support import PROJECT_DIR, use_dirs


def _decision(decision_id: str, decision_type: str, value: float, owner: str, **place) -> dict:
    return {
        "decision_id": decision_id,
        "decision_version": 1,
        "decision_type": decision_type,
        "subject_key": f"{decision_id}|LOC-01",
        "sku_id": "SKU-0001",
        "location_id": place.get("location_id", "LOC-01"),
        "category_id": place.get("category_id"),
        "supplier_id": None,
        "constraint_id": None,
        "recommended_qty": 10.0,
        "due_by": "2026-10-31",
        "owner_id": owner,
        "escalation_owner_id": "head.buying",
        "approver_role": "category_manager",
        "priority": "high",
        "value_at_stake": value,
        "reason": "r",
        "inputs": {},
        "signal_at": "2026-10-30T00:00:00",
        "detected_at": "2026-10-30T01:00:00",
        "status": "proposed",
        "is_open": True,
    }


def _run(capsys: pytest.CaptureFixture[str], wh: Path, *args: str) -> tuple[int, str]:
    code = cli.main(["queue", *args, "--warehouse", str(wh)])
    return code, capsys.readouterr().err


def test_policy_reads_scopes_and_four_eyes_from_the_seeds() -> None:
    policy = actions.load_policy(PROJECT_DIR / "seeds")
    assert policy.roles_covering("lead.cat01", "CAT-01", "LOC-02") == {"category_manager"}
    assert policy.roles_covering("lead.cat01", "CAT-02", "LOC-02") == frozenset()
    assert policy.roles_covering("lead.cat01", None, None) == frozenset()  # no category: no scope
    assert policy.roles_covering("head.buying", None, None) == {
        "category_manager",
        "head_of_supply",
    }
    assert policy.four_eyes_above("protect_constraint") == 100000.0
    assert policy.four_eyes_above("cycle_count") is None


def test_cli_refuses_an_out_of_scope_approver_and_an_owner_alone_above_four_eyes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STOCKOPS_ACTOR", raising=False)
    monkeypatch.delenv("STOCKOPS_WAREHOUSE_DIR", raising=False)
    run_export(
        SqliteQueueStore(tmp_path / "queue.sqlite"),
        [
            _decision("in-scope", "markdown", 900.0, "buyer.ana", category_id="CAT-01"),
            _decision("out-of-scope", "markdown", 900.0, "buyer.chen", category_id="CAT-03"),
            _decision("no-category", "markdown", 900.0, "buyer.chen"),
            _decision("plant", "protect_constraint", 162000.0, "plant.manager"),
            _decision("small-plant", "protect_constraint", 90000.0, "plant.manager"),
        ],
    )
    code, err = _run(capsys, tmp_path, "approve", "out-of-scope", "--actor", "lead.cat01")
    assert code == cli.EXIT_REFUSED
    assert "needs role category_manager or commercial_director in category CAT-03 at" in err
    assert "lead.cat01 holds category_manager (for category CAT-01)" in err
    assert _run(capsys, tmp_path, "approve", "no-category", "--actor", "lead.cat01")[0] == 3
    assert _run(capsys, tmp_path, "approve", "in-scope", "--actor", "lead.cat01") == (0, "")

    code, err = _run(capsys, tmp_path, "approve", "plant", "--actor", "plant.manager")
    assert code == cli.EXIT_REFUSED
    assert "four-eyes: owner plant.manager may not approve their own protect_constraint" in err
    assert "(above 100,000.00)" in err
    # below the threshold the owner may; above it another plant manager may
    assert _run(capsys, tmp_path, "approve", "small-plant", "--actor", "plant.manager")[0] == 0
    assert _run(capsys, tmp_path, "approve", "plant", "--actor", "plant.omar")[0] == 0


@pytest.mark.slow
def test_landed_events_obey_scope_and_four_eyes(
    tiny_build, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    landing = shutil.copytree(tiny_build.cfg.landing_dir, tmp_path / "landing")
    warehouse = shutil.copytree(tiny_build.cfg.warehouse_dir, tmp_path / "warehouse")
    cfg = use_dirs(landing, warehouse)
    try:

        def pick(where: str) -> tuple:
            rows = tiny_build.query(
                "select decision_id, decision_version, owner_id, value_at_stake "
                "from marts.fct_decisions where is_open and auto_execution_rule_id is null and "
                + where
                + " order by decision_id limit 1"
            )
            assert rows, where
            return rows[0]

        # a category_manager decision outside CAT-01, one inside it, and a plant decision > 100,000
        outside = pick(
            "approver_role = 'category_manager' and category_id is not null "
            "and category_id != 'CAT-01'"
        )
        inside = pick("approver_role = 'category_manager' and category_id = 'CAT-01'")
        plant = pick("decision_type = 'protect_constraint' and value_at_stake > 100000")

        assert cli.main(["queue", "approve", outside[0], "--actor", "lead.cat01"]) == 3
        assert cli.main(["queue", "approve", plant[0], "--actor", plant[2]]) == 3
        assert cli.main(["queue", "approve", inside[0], "--actor", "lead.cat01"]) == 0
        capsys.readouterr()

        at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # after the queue's own events
        forged = [
            ("S-OUT-OF-SCOPE", outside, "lead.cat01"),
            ("S-FOUR-EYES", plant, plant[2]),
        ]
        target = landing / "decision_events" / "other-tool.csv"
        with target.open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(
                ["event_id", "decision_id", "decision_version", "event_type", "actor_id"]
                + ["occurred_at", "reason"]
            )
            for event_id, d, actor in forged:
                out.writerow(
                    [event_id, d[0], d[1], "approved", actor, at, "landed by another tool"]
                )

        outcome = run_build()
        assert outcome.success, outcome.failures

        con = duckdb.connect(str(cfg.duckdb_path), read_only=True)
        try:
            reasons = dict(
                con.execute(
                    "select record_key, quarantine_reason from staging.stg_landing__quarantine "
                    "where landing_table = 'decision_events'"
                ).fetchall()
            )
            status = dict(
                con.execute("select decision_id, status from marts.fct_decisions").fetchall()
            )
            types = dict(
                con.execute("select decision_id, decision_type from marts.fct_decisions").fetchall()
            )
        finally:
            con.close()
        assert reasons["S-OUT-OF-SCOPE"] == (
            f"actor 'lead.cat01' (roles category_manager) may not approve "
            f"{types[outside[0]]} worth {outside[3]:,.2f}"
        )
        assert reasons["S-FOUR-EYES"] == (
            f"four-eyes: owner '{plant[2]}' may not approve their own protect_constraint "
            f"worth {plant[3]:,.2f} (above 100,000.00)"
        )
        assert status[outside[0]] == "assigned" and status[plant[0]] == "assigned"
        assert status[inside[0]] == "approved"  # in scope, through the CLI
    finally:
        use_dirs(tiny_build.cfg.landing_dir, tiny_build.cfg.warehouse_dir)
