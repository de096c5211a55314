"""dbt from the command line, as an analytics engineer runs it: into a warehouse directory that does
not exist yet, and `dbt source freshness` on the landing files."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import duckdb

from support import run_dbt


def test_dbt_build_creates_a_missing_warehouse_directory(tiny_landing: Path, tmp_path: Path):
    warehouse = tmp_path / "not" / "there" / "yet"
    run_dbt(tiny_landing, warehouse, tmp_path, "seed")
    con = duckdb.connect(str(warehouse / "stockops.duckdb"), read_only=True)
    try:
        (owners,) = con.execute("select count(*) from policy.category_owners").fetchone()
    finally:
        con.close()
    assert owners > 0


def _freshness(landing: Path, work: Path) -> dict[str, str]:
    """{landing table: pass | warn | error} of `dbt source freshness` (which exits 1 on an error)."""
    output = run_dbt(landing, work / "warehouse", work, "source freshness", check=False)
    results = json.loads((work / "target" / "sources.json").read_text())["results"]
    assert results, output[-2000:]
    return {r["unique_id"].rsplit(".", 1)[-1]: r["status"] for r in results}


def test_source_freshness_follows_the_landing_files_times(tiny_landing: Path, tmp_path: Path):
    landing = tmp_path / "landing"
    shutil.copytree(tiny_landing, landing)
    now = time.time()
    for path in landing.rglob("*.parquet"):
        os.utime(path, (now, now))

    def land_at(table: str, hours_ago: float) -> None:
        for path in (landing / table).glob("*.parquet"):
            os.utime(path, (now - hours_ago * 3600, now - hours_ago * 3600))

    land_at("inventory_transactions", 72)  # beyond error_after (50 h)
    land_at("cash_positions", 30)  # beyond warn_after (26 h)
    # a newer file still being written (hidden) does not make the table fresh
    shutil.copy(
        next((landing / "constraint_runs").glob("*.parquet")),
        landing / "constraint_runs" / ".part-99999.parquet",
    )
    land_at("constraint_runs", 72)
    os.utime(landing / "constraint_runs" / ".part-99999.parquet", (now, now))

    # only the daily facts are checked (reference tables and owners' events are not)
    assert _freshness(landing, tmp_path) == {
        "cash_positions": "warn",
        "constraint_runs": "error",
        "inventory_transactions": "error",
        "purchase_order_lines": "pass",
    }
