"""The backtest end to end: the project's decision SQL fed with simulated landing files, the owners
acting through the queue, the report; and worlds batched into one SQL run not affecting each other."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stockops.backtest import runner

REPO = Path(__file__).resolve().parents[3]
STOCKOPS = Path(sys.executable).parent / "stockops"
DBT = Path(sys.executable).parent / "dbt"

pytestmark = pytest.mark.slow


def test_quick_backtest_writes_the_report(tmp_path):
    out = tmp_path / "report"
    done = subprocess.run(
        [str(STOCKOPS), "backtest", "--out", str(out), "--quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "backtest [" in done.stderr  # the progress bar
    report = json.loads((out / "backtest.json").read_text())
    assert report["config"]["days"] == 60 and report["config"]["seeds"] == 2
    rows = {r["policy"]: r for r in report["rows"]}
    assert set(rows) == {
        "minmax",
        "stockops_all",
        "stockops_top_k_5",
        "stockops_top_k_10",
        "stockops_top_k_25",
        "stockops_ignored",
    }
    for row in rows.values():
        assert 0 < row["fill_rate"]["mean"] <= 1
        assert row["avg_inventory_value"]["mean"] > 0
    # the floor: nobody acts, nothing is reordered, so it serves less than everyone else
    assert rows["stockops_ignored"]["orders_placed"]["mean"] == 0
    assert rows["stockops_ignored"]["acted_within_sla_share"]["mean"] == 0
    assert rows["stockops_ignored"]["fill_rate"]["mean"] < rows["minmax"]["fill_rate"]["mean"]
    # acting on stockops' decisions replenishes: it serves far more than nobody acting (when the
    # simulated data was quarantined, stockops saw no demand and served as little as the floor)
    floor = rows["stockops_ignored"]["fill_rate"]["mean"]
    assert rows["stockops_all"]["fill_rate"]["mean"] > floor + 0.5
    assert (
        rows["stockops_all"]["orders_placed"]["mean"]
        > 0.5 * rows["minmax"]["orders_placed"]["mean"]
    )
    # owners acted through the queue: stockops placed orders only through executed decisions
    assert rows["stockops_all"]["orders_placed"]["mean"] > 0
    assert rows["stockops_all"]["acted_within_sla_share"]["mean"] > 0.9
    assert rows["stockops_all"]["decisions_per_owner_day_mean"]["mean"] > 0
    assert rows["minmax"]["decisions_per_owner_day_mean"]["mean"] is None
    worlds = [w for w in report["worlds"] if w["spec"]["policy"] == "stockops_all"]
    assert all(w["owners"]["acted"] > 0 for w in worlds)
    assert rows["stockops_all"]["fill_rate"]["delta"] is not None  # paired with minmax
    text = (out / "BACKTEST.md").read_text()
    assert "## stationary" in text and "fill_rate_vs_inventory.png" in text
    for png in ("fill_rate_vs_inventory.png", "inventory_over_time.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"


def test_worlds_in_one_sql_run_do_not_interact(tmp_path):
    """A world's outcome is the same alone and batched with other worlds: ids are namespaced and the
    company-wide computations (ABC classes, the cash budget) are scoped per world. A cash squeeze
    and one decision per owner a day make both matter."""

    def seed_one(config: runner.Config, name: str) -> dict:
        result = runner.run(config, tmp_path / name, REPO, DBT)
        (world,) = [
            w
            for w in result["worlds"]
            if w["spec"]["seed"] == 1 and w["spec"]["policy"] == "stockops_top_k"
        ]
        return {k: world[k] for k in ("totals", "inventory_series", "owner_day_counts", "owners")}

    common = {"scenarios": ["cash_squeeze"], "days": 18, "ks": [1], "sweep": (), "workers": 1}
    alone = seed_one(runner.Config(policies=["stockops_top_k"], seeds=1, **common), "alone")
    batched = seed_one(
        runner.Config(policies=["stockops_top_k", "stockops_all"], seeds=2, **common), "batched"
    )
    assert alone["owners"]["acted"] > 0
    assert alone == batched


def test_skipping_unchanged_statements_changes_no_result(tmp_path):
    """A day skips the statements whose inputs did not change (the reference data lands once).
    With verify_skips every skipped statement is run all the same and its table compared row for
    row with the one left standing (a difference stops the run); the worlds' outcomes must also be
    those of the run that skips."""

    def worlds(verify: bool) -> tuple[list[dict], list[dict]]:
        config = runner.Config(
            scenarios=["supplier_late"],
            policies=["minmax", "stockops_all", "stockops_top_k"],
            seeds=1,
            days=10,
            ks=[1],
            sweep=(),
            workers=1,
            verify_skips=verify,
        )
        result = runner.run(config, tmp_path / f"verify-{verify}", REPO, DBT)
        return result["worlds"], result["timing"]["workers"]

    skipping, skipping_timing = worlds(verify=False)
    verified, verified_timing = worlds(verify=True)
    skipped = skipping_timing[0]["statements_skipped"]
    assert skipped > 0 and verified_timing[0]["statements_skipped"] == skipped
    assert any(w["totals"]["orders_placed"] > 0 for w in verified)
    assert skipping == verified
