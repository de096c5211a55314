"""End to end through Dagster: tiny generated data in temp directories, a real instance, real files."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.scheduler.instigation import InstigatorType

from stockops import cli, sensors
from stockops.checks import PYTHON_CHECK_KEYS
from stockops.pipeline import run_build
from stockops.queue.sqlite_store import SqliteQueueStore

from support import CSV_FIXTURE, PROJECT_DIR, use_dirs

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


def test_the_landing_sensor_does_not_rebuild_what_a_run_built(
    built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make dev` after `make demo`: the run recorded the landing files it built as the sensor's
    cursor, for the code location `make dev` loads; the sensor starts nothing until a file lands."""
    cfg, _ = built
    with dg.DagsterInstance.from_config(str(cfg.dagster_home)) as instance:
        [state] = [
            s
            for s in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
            if s.name == sensors.SENSOR_NAME
        ]
        make_dev = re.search(r"dagster dev -m (\S+)", (PROJECT_DIR / "Makefile").read_text())
        assert state.selector.location_name == make_dev.group(1)
        cursor = state.instigator_data.cursor
        assert set(sensors.load_cursor(cursor)) == set(sensors.scan_landing(cfg.landing_dir))

        landing = tmp_path / "landing"
        shutil.copytree(cfg.landing_dir, landing)  # sizes and mtimes kept: the same files
        monkeypatch.setenv("STOCKOPS_LANDING_DIR", str(landing))
        monkeypatch.setenv("STOCKOPS_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
        monkeypatch.setenv("STOCKOPS_SENSOR_SETTLE_SECONDS", "0")

        def tick() -> dg.SensorResult:
            context = dg.build_sensor_context(instance=instance, cursor=cursor)
            return sensors.landing_files_sensor(context)

        assert not tick().run_requests
        shutil.copy(next((landing / "products").iterdir()), landing / "products" / "later.parquet")
        [request] = tick().run_requests
        assert request.tags[sensors.CHANGED_FILES_TAG] == "1"


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
    # every Python check printed on one line: result, check, asset, severity, then its figures
    summary = out[out.index("\nchecks") :].splitlines()
    lines = {line.split()[1]: line.split(maxsplit=4) for line in summary if line.startswith("  ")}
    for key in PYTHON_CHECK_KEYS:
        status, _, asset, severity, detail = lines[key.name]
        assert status in ("PASS", "WARN", "FAIL") and asset == key.asset_key.to_user_string()
        assert severity in ("ERROR", "WARN") and (status != "WARN" or severity == "WARN")
    assert lines["signal_to_queue_latency"][3] == "WARN"  # printed whether it passed or not
    assert "bound_median_hours=24.0" in lines["signal_to_queue_latency"][4]
    assert "rows_checked=" in lines["owner_resolved"][4]
    assert any(line.strip().startswith("dbt tests: ") for line in summary)
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
