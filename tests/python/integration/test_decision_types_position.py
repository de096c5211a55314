"""Position-driven decision types (expedite, transfer, adjust_reorder_point, cycle_count,
review_demand_shift) on the tiny generated data: each injected scenario yields its decision, and
re-building on the same data yields identical rows (signal_at is an episode start, not the run time).

dbt runs directly (not through Dagster) on just these models and what they depend on.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from support import PROJECT_DIR

pytestmark = pytest.mark.slow

DBT = Path(sys.executable).parent / "dbt"
TYPES = [
    "expedite",
    "transfer",
    "adjust_reorder_point",
    "cycle_count",
    "review_demand_shift",
]
MODELS = [f"int_decision_candidates__{t}" for t in TYPES]
CANDIDATE_COLUMNS = [
    "decision_type",
    "subject_key",
    "sku_id",
    "location_id",
    "supplier_id",
    "constraint_id",
    "recommended_qty",
    "due_by",
    "owner_id",
    "escalation_owner_id",
    "priority_score",
    "value_at_stake",
    "reason",
    "inputs",
    "signal_at",
    "as_of_date",
]


@dataclass
class Built:
    duckdb_path: Path
    scenarios: list[dict]
    first: dict[str, list[tuple]]
    second: dict[str, list[tuple]]

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.duckdb_path), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def scenario(self, kind: str) -> dict:
        return next(s for s in self.scenarios if s["kind"] == kind)

    def decision(self, decision_type: str, subject_key: str) -> dict:
        rows = [r for r in self.first[decision_type] if r[1] == subject_key]
        assert len(rows) == 1, f"no single {decision_type} decision for {subject_key}"
        return dict(zip(CANDIDATE_COLUMNS, rows[0], strict=True))


def dbt(command: str, tmp: Path, env: dict[str, str]) -> None:
    args = [
        str(DBT),
        command,
        "--select",
        *(f"+{m}" for m in MODELS),
        "--target-path",
        str(tmp / "target"),
        "--log-path",
        str(tmp / "logs"),
    ]
    if command == "build":
        # only the tests of the selected models (others' relationship tests need unselected models)
        args += ["--indirect-selection", "cautious"]
    done = subprocess.run(args, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def snapshot(duckdb_path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        return {
            t: con.execute(
                f"select {', '.join(CANDIDATE_COLUMNS)} "  # noqa: S608 (fixed names)
                f"from intermediate.int_decision_candidates__{t} order by subject_key"
            ).fetchall()
            for t in TYPES
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tiny_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    tmp = tmp_path_factory.mktemp("decision_types")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("STOCKOPS_AS_OF_DATE", "STOCKOPS_DBT_TARGET", "DBT_TARGET_PATH")
    }
    env |= {
        "STOCKOPS_LANDING_DIR": str(tiny_landing),
        "STOCKOPS_WAREHOUSE_DIR": str(tmp),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
    }
    duckdb_path = tmp / "stockops.duckdb"
    dbt("build", tmp, env)  # models, their data tests and unit tests
    first = snapshot(duckdb_path)
    dbt("run", tmp, env)  # the same data again
    second = snapshot(duckdb_path)
    scenarios = json.loads((tiny_landing / "scenarios.json").read_text())["scenarios"]
    return Built(duckdb_path, scenarios, first, second)


def test_every_type_has_the_candidate_columns(built) -> None:
    for t in TYPES:
        columns = [
            r[0]
            for r in built.query(
                "select column_name from information_schema.columns "
                "where table_schema = 'intermediate' and table_name = ? order by ordinal_position",
                [f"int_decision_candidates__{t}"],
            )
        ]
        assert columns == CANDIDATE_COLUMNS, t
        assert all(row[0] == t for row in built.first[t])


def test_rebuilding_the_same_data_gives_identical_decisions(built) -> None:
    for t in TYPES:
        assert built.first[t] == built.second[t], t


def test_excess_store_transfers_to_the_short_store(built) -> None:
    s = built.scenario("excess_transfer")
    subject = f"{s['sku_id']}|{s['excess_location_id']}|{s['short_location_id']}"
    d = built.decision("transfer", subject)
    inputs = json.loads(d["inputs"])
    assert d["location_id"] == s["short_location_id"]
    assert inputs["from_location_id"] == s["excess_location_id"]
    assert d["recommended_qty"] >= 1
    assert d["recommended_qty"] <= min(inputs["surplus_qty"], inputs["need_qty"])
    # the short store is out of stock: a day's wait surely loses a day's sales
    assert d["priority_score"] > 0
    assert d["due_by"] == d["as_of_date"]


def test_negative_on_hand_is_counted(built) -> None:
    s = built.scenario("negative_on_hand")
    d = built.decision("cycle_count", f"{s['sku_id']}|{s['location_id']}|negative_on_hand")
    assert d["recommended_qty"] == pytest.approx(abs(s["on_hand_qty"]))
    # the carrying cost of the stock whose record is in doubt, per day (cents: a cheap SKU's is 0)
    con = duckdb.connect(str(built.duckdb_path), read_only=True)
    try:
        (rate,) = con.execute(
            "select holding_cost_rate from intermediate.int_product_policy where sku_id = ?",
            [s["sku_id"]],
        ).fetchone()
    finally:
        con.close()
    assert rate > 0
    assert d["priority_score"] == pytest.approx(d["value_at_stake"] * rate / 365, abs=0.01)
    assert d["signal_at"].date() <= d["as_of_date"]


def test_repeated_shrinkage_is_counted(built) -> None:
    s = built.scenario("shrinkage")
    d = built.decision("cycle_count", f"{s['sku_id']}|{s['location_id']}|shrinkage")
    inputs = json.loads(d["inputs"])
    assert inputs["shrinkage_events_window"] >= s["adjustment_count"]
    assert d["recommended_qty"] >= -s["total_qty"] > 0
    [(first_shrinkage_at,)] = built.query(
        """
        select min(occurred_at) from staging.stg_landing__inventory_transactions
        where sku_id = ? and location_id = ? and txn_type = 'adjustment' and reason_code = 'shrinkage'
        """,
        [s["sku_id"], s["location_id"]],
    )
    # the signal is one of the shrinkage adjustments (the one that reached the threshold)
    assert first_shrinkage_at <= d["signal_at"]
    assert built.query(
        "select count(*) from staging.stg_landing__inventory_transactions "
        "where sku_id = ? and location_id = ? and occurred_at = ? and txn_type = 'adjustment'",
        [s["sku_id"], s["location_id"], d["signal_at"]],
    ) == [(1,)]


def test_demand_shift_is_flagged_with_the_new_rate(built) -> None:
    s = built.scenario("demand_shift")
    d = built.decision("review_demand_shift", f"{s['sku_id']}|{s['location_id']}")
    inputs = json.loads(d["inputs"])
    assert inputs["direction"] == "up"
    assert d["recommended_qty"] == pytest.approx(s["recent_daily_demand"], abs=0.05)
    assert inputs["baseline_daily_demand"] == pytest.approx(s["baseline_daily_demand"], rel=0.15)
    # the shift shows inside the recent window
    assert (
        inputs["recent_start_date"]
        <= d["signal_at"].date().isoformat()
        <= d["as_of_date"].isoformat()
    )


def test_stockouts_raise_the_reorder_point(built) -> None:
    s = built.scenario("stockout_prone")
    d = built.decision("adjust_reorder_point", f"{s['sku_id']}|{s['location_id']}|raise")
    inputs = json.loads(d["inputs"])
    assert inputs["stockout_days"] >= 3
    raised = inputs["reorder_point_qty"] + inputs["avg_daily_demand"] * inputs["stockout_days"]
    assert d["recommended_qty"] == math.ceil(round(raised, 6))
    assert d["signal_at"].date() <= d["as_of_date"]


def test_expedites_pull_open_lines_forward_before_the_stockout(built) -> None:
    open_lines = {
        r[0]: r[1:]
        for r in built.query(
            "select po_line_id, supplier_id, open_qty from intermediate.int_purchase_order_lines_open"
        )
    }
    for row in built.first["expedite"]:
        d = dict(zip(CANDIDATE_COLUMNS, row, strict=True))
        inputs = json.loads(d["inputs"])
        supplier_id, open_qty = open_lines[inputs["po_line_id"]]
        assert d["supplier_id"] == supplier_id
        assert inputs["days_until_stockout"] < inputs["days_to_receipt"]
        assert 1 <= d["recommended_qty"] <= open_qty
        assert d["due_by"] >= d["as_of_date"]


def test_no_type_is_trigger_happy(built) -> None:
    [(positions,)] = built.query("select count(*) from intermediate.int_stock_position")
    for t in TYPES:
        assert len(built.first[t]) <= max(10, positions // 10), t
