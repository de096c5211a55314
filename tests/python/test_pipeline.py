"""End to end through Dagster: tiny generated data in temp directories, a real instance, real files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from stockops import cli
from stockops.pipeline import run_build
from stockops.queue.sqlite_store import SqliteQueueStore

from support import CSV_FIXTURE, use_dirs

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tiny_build):
    return tiny_build.cfg, tiny_build.outcome


def test_whole_graph_materialises(built) -> None:
    cfg, outcome = built
    assert outcome.success, outcome.failures
    con = duckdb.connect(str(cfg.duckdb_path), read_only=True)
    try:
        positions = con.execute("select count(*) from marts.fct_stock_position").fetchone()[0]
        decisions = con.execute("select count(*) from marts.fct_decisions").fetchone()[0]
        orphans = con.execute(
            "select count(*) from marts.fct_decisions where owner_id = 'unassigned.fallback'"
        ).fetchone()[0]
    finally:
        con.close()
    assert positions > 0
    assert decisions > 0
    assert orphans == 0
    store = SqliteQueueStore(cfg.queue_path)
    assert outcome.queue_inserted == decisions == store.count()
    # the run is recorded in the persistent Dagster instance
    assert (cfg.dagster_home / "history").exists() or (cfg.dagster_home / "storage").exists()


def test_second_run_adds_no_queue_rows(built) -> None:
    cfg, _ = built
    use_dirs(cfg.landing_dir, cfg.warehouse_dir)  # other tests may have pointed stockops elsewhere
    before = SqliteQueueStore(cfg.queue_path).count()
    again = run_build()
    assert again.success, again.failures
    assert again.queue_inserted == 0
    assert SqliteQueueStore(cfg.queue_path).count() == before
    # the warehouse keeps dbt's parse state, so the second build parses only what changed
    assert (cfg.warehouse_dir / "dbt" / "partial_parse.msgpack").is_file()
    (run_dir,) = (cfg.project_dir / "target").glob(f"stockops_dbt_models-{again.run_id[:7]}-*")
    # dbt rotates its log at 10 MB: the parse messages may sit in dbt.log.1
    text = "".join(log.read_text() for log in sorted(run_dir.glob("dbt.log*")))
    assert "Unable to do partial parsing" not in text
    assert "Partial parsing enabled" in text


def test_queue_list_json(built, capsys: pytest.CaptureFixture[str]) -> None:
    cfg, _ = built
    owner = SqliteQueueStore(cfg.queue_path).owner_summary()[0]["owner_id"]
    assert (
        cli.main(
            [
                "queue",
                "list",
                "--owner",
                owner,
                "--format",
                "json",
                "--warehouse",
                str(cfg.warehouse_dir),
            ]
        )
        == 0
    )
    items = json.loads(capsys.readouterr().out)
    assert items and {i["owner_id"] for i in items} == {owner}
    assert all(json.loads(i["payload"])["decision_id"] == i["decision_id"] for i in items)


def test_run_on_csv_landing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(CSV_FIXTURE, landing)  # the run lands owners' events there
    code = cli.main(["run", "--landing", str(landing), "--warehouse", str(tmp_path / "wh")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "owner_id" in out and "open_decisions" in out
    con = duckdb.connect(str(tmp_path / "wh" / "stockops.duckdb"), read_only=True)
    try:
        quarantined = con.execute(
            "select count(*) from staging.stg_landing__quarantine"
        ).fetchone()[0]
    finally:
        con.close()
    assert quarantined > 0  # the fixture's deliberately bad rows


def test_run_refuses_landing_missing_a_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    landing = tmp_path / "landing"
    for table in ("inventory_transactions", "products", "locations"):
        (landing / table).mkdir(parents=True)
    (landing / "inventory_transactions" / "a.csv").write_text("txn_id,occurred_at\nT1,2026-01-01\n")
    (landing / "products" / "a.csv").write_text(
        "sku_id,sku_name,category_id,unit_cost,unit_price,lifecycle_status\n"
    )
    (landing / "locations" / "a.csv").write_text("location_id,location_name,location_type\n")
    code = cli.main(["run", "--landing", str(landing), "--warehouse", str(tmp_path / "wh")])
    err = capsys.readouterr().err
    assert code == 2
    assert "lacks contract column(s) sku_id, location_id, txn_type" in err
