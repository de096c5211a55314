"""Published marts: Parquet copies of schema `marts`, swapped in atomically for readers."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from importlib.metadata import version
from pathlib import Path

import duckdb
import pytest
import yaml

from stockops import publish

from support import PROJECT_DIR


def make_warehouse(path: Path, rows_a: int = 3, rows_b: int = 5) -> Path:
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists staging")
        con.execute(
            "create or replace table marts.fct_a as select range as id, 'a' || range as label "
            "from range(?)",
            [rows_a],
        )
        con.execute(
            "create or replace table marts.fct_b as select range as id from range(?)", [rows_b]
        )
        con.execute("create or replace table staging.not_published as select 1 as id")
    finally:
        con.close()
    return path


def parquet_rows(path: Path) -> int:
    con = duckdb.connect()
    try:
        return con.execute("select count(*) from read_parquet(?)", [str(path)]).fetchone()[0]
    finally:
        con.close()


def marts_yml(model: str) -> dict:
    """The yml block of a mart model, wherever under models/marts its file lives."""
    for path in (PROJECT_DIR / "models" / "marts").rglob("*.yml"):
        for block in yaml.safe_load(path.read_text()).get("models") or []:
            if block["name"] == model:
                return block
    raise AssertionError(f"no yml for {model}")


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


def test_publish_writes_every_mart_and_a_manifest(tmp_path: Path) -> None:
    db = make_warehouse(tmp_path / "stockops.duckdb")
    out = tmp_path / "published"
    counts = publish.publish_marts(db, out, run_id="run-1")
    assert counts == {"fct_a": 3, "fct_b": 5}
    assert sorted(p.name for p in out.iterdir()) == [
        "_manifest.json",
        "fct_a.parquet",
        "fct_b.parquet",
    ]
    assert parquet_rows(out / "fct_a.parquet") == 3
    assert parquet_rows(out / "fct_b.parquet") == 5
    manifest = publish.read_manifest(out)
    assert manifest["run_id"] == "run-1"
    assert manifest["stockops_version"] == version("stockops")
    # no dbt manifest given: types from the table, no descriptions
    assert manifest["tables"]["fct_a"] == {
        "file": "fct_a.parquet",
        "rows": 3,
        "description": None,
        "grain": None,
        "columns": [
            {"name": "id", "type": "BIGINT", "description": None},
            {"name": "label", "type": "VARCHAR", "description": None},
        ],
    }
    assert manifest["published_at"].endswith("Z")
    assert leftovers(out) == []


def kv_metadata(path: Path) -> dict[str, str]:
    con = duckdb.connect()
    try:
        rows = con.execute(
            "select decode(key), decode(value) from parquet_kv_metadata(?)", [str(path)]
        ).fetchall()
    finally:
        con.close()
    return dict(rows)


def test_published_marts_describe_themselves(tmp_path: Path) -> None:
    """Descriptions and grain from the dbt manifest, types from the table, the stockops version:
    in _manifest.json and in each Parquet file's key-value metadata."""
    db = make_warehouse(tmp_path / "stockops.duckdb")
    dbt_manifest = {
        "nodes": {
            "model.stockops.fct_a": {
                "resource_type": "model",
                "name": "fct_a",
                "alias": "fct_a",
                "schema": "marts",
                "description": "One row per a, it's\n",
                "config": {"meta": {"grain": "one row per a (id)"}},
                "columns": {"id": {"description": "The id."}, "label": {"description": "Ünïcode."}},
            },
            # same name in another schema: not a mart
            "model.stockops.other": {
                "resource_type": "model",
                "name": "fct_b",
                "schema": "staging",
            },
        }
    }
    out = tmp_path / "published"
    publish.publish_marts(db, out, dbt_manifest=dbt_manifest)
    entry = publish.read_manifest(out)["tables"]["fct_a"]
    assert entry["description"] == "One row per a, it's"
    assert entry["grain"] == "one row per a (id)"
    assert entry["columns"] == [
        {"name": "id", "type": "BIGINT", "description": "The id."},
        {"name": "label", "type": "VARCHAR", "description": "Ünïcode."},
    ]
    kv = kv_metadata(out / "fct_a.parquet")
    assert json.loads(kv.pop("stockops.columns")) == entry["columns"]
    assert kv == {
        "stockops.version": version("stockops"),
        "stockops.table": "fct_a",
        "stockops.description": "One row per a, it's",
        "stockops.grain": "one row per a (id)",
    }
    assert publish.read_manifest(out)["tables"]["fct_b"]["grain"] is None
    assert "stockops.grain" not in kv_metadata(out / "fct_b.parquet")


def test_republish_swaps_files_and_an_open_reader_keeps_the_old_one(tmp_path: Path) -> None:
    db = make_warehouse(tmp_path / "stockops.duckdb")
    out = tmp_path / "published"
    publish.publish_marts(db, out)
    old_inode = (out / "fct_a.parquet").stat().st_ino

    with open(out / "fct_a.parquet", "rb") as reader:  # a reader in the middle of the old file
        head = reader.read(4)
        make_warehouse(db, rows_a=7, rows_b=2)
        con = duckdb.connect(str(db))
        con.execute("drop table marts.fct_b")
        con.close()
        assert publish.publish_marts(db, out) == {"fct_a": 7}
        # the new file replaced the old one by rename: a new inode under the same name ...
        assert (out / "fct_a.parquet").stat().st_ino != old_inode
        # ... while the open handle still reads the complete old file
        old_bytes = head + reader.read()
    copy = tmp_path / "old.parquet"
    copy.write_bytes(old_bytes)
    assert parquet_rows(copy) == 3
    assert parquet_rows(out / "fct_a.parquet") == 7
    assert not (out / "fct_b.parquet").exists()  # a mart that is gone is not published any more
    assert set(publish.read_manifest(out)["tables"]) == {"fct_a"}
    assert leftovers(out) == []


def test_a_failed_publish_leaves_the_previous_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = make_warehouse(tmp_path / "stockops.duckdb")
    out = tmp_path / "published"
    publish.publish_marts(db, out)
    before = publish.read_manifest(out)
    make_warehouse(db, rows_a=9, rows_b=9)

    def failing_fsync(path: Path) -> None:
        if path.name.startswith(".fct_b"):
            raise OSError("disk full")

    monkeypatch.setattr(publish, "_fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        publish.publish_marts(db, out)
    assert parquet_rows(out / "fct_b.parquet") == 5  # untouched
    assert publish.read_manifest(out) == before  # the manifest still describes the last publish
    assert leftovers(out) == []  # no temporary file left behind


def test_every_mart_states_its_grain_and_the_grain_is_its_tested_key() -> None:
    """`config.meta.grain` (published in the manifest) names, in parentheses, the columns of the
    mart's uniqueness test: the stated grain is the tested one."""
    from stockops.docs_gen import grain

    marts = [
        block
        for path in (PROJECT_DIR / "models" / "marts").rglob("*.yml")
        for block in yaml.safe_load(path.read_text()).get("models") or []
    ]
    assert len(marts) >= 10
    for mart in marts:
        stated = mart["config"]["meta"]["grain"]
        assert stated.startswith("one row per "), mart["name"]
        keys = re.findall(r"\(([^()]*)\)", stated)[-1]
        assert [k.strip() for k in keys.split(",")] == grain(mart), mart["name"]


@pytest.mark.slow
def test_tiny_build_publishes_every_mart(tiny_build) -> None:
    assert tiny_build.outcome.success, tiny_build.outcome.failures
    published = tiny_build.cfg.published_dir
    marts = {
        name: tiny_build.query(f'select count(*) from marts."{name}"')[0][0]
        for (name,) in tiny_build.query(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        )
    }
    assert "fct_decisions" in marts and len(marts) >= 5
    assert {name: parquet_rows(published / f"{name}.parquet") for name in marts} == marts
    manifest = publish.read_manifest(published)
    assert {t: m["rows"] for t, m in manifest["tables"].items()} == marts
    # every mart describes itself as its yml does: grain, description, every column's type and
    # description, and the same in its Parquet file
    for table, entry in manifest["tables"].items():
        yml = marts_yml(table)
        assert entry["grain"] == yml["config"]["meta"]["grain"], table
        assert entry["description"] == yml["description"].strip()
        assert [(c["name"], c["description"]) for c in entry["columns"]] == [
            (c["name"], c["description"].strip()) for c in yml["columns"]
        ]
        types = dict(
            tiny_build.query(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' and table_name = ?",
                [table],
            )
        )
        assert {c["name"]: c["type"] for c in entry["columns"]} == types
        kv = kv_metadata(published / entry["file"])
        assert kv["stockops.grain"] == entry["grain"]
        assert kv["stockops.version"] == manifest["stockops_version"] == version("stockops")
        assert json.loads(kv["stockops.columns"]) == entry["columns"]
    assert manifest["run_id"]  # the Dagster run that published (other tests may run again)
    assert set(tiny_build.outcome.published) == set(marts)
    assert leftovers(published) == []


READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import duckdb

    published, stop, report = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    iterations = errors = 0
    messages, published_at = [], set()
    while not stop.exists():
        try:
            con = duckdb.connect()
            for table in ("fct_decisions", "fct_stock_position"):
                path = str(published / f"{table}.parquet")
                con.execute("select count(*) from read_parquet(?)", [path]).fetchone()
            con.close()
            published_at.add(json.loads((published / "_manifest.json").read_text())["published_at"])
            iterations += 1
        except Exception as exc:  # noqa: BLE001 - every failure counts
            errors += 1
            messages.append(repr(exc)[:300])
        time.sleep(0.02)
    report.write_text(json.dumps({
        "iterations": iterations, "errors": errors, "messages": messages[:10],
        "manifests_seen": len(published_at),
    }))
    """
)


@pytest.mark.slow
def test_readers_of_published_marts_never_fail_during_a_run(tiny_build, tmp_path: Path) -> None:
    """A BI-style reader loops over the published Parquet files while a second full
    `stockops run` rebuilds the warehouse and republishes them: it never sees an error."""
    assert tiny_build.outcome.success, tiny_build.outcome.failures
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse"
    shutil.copytree(tiny_build.cfg.landing_dir, landing)
    shutil.copytree(
        tiny_build.cfg.warehouse_dir, warehouse, ignore=shutil.ignore_patterns("dagster")
    )
    published = warehouse / "published"
    before = publish.read_manifest(published)["published_at"]

    stop, report = tmp_path / "stop", tmp_path / "reader.json"
    script = tmp_path / "reader.py"
    script.write_text(READER)
    reader = subprocess.Popen(
        [sys.executable, str(script), str(published), str(stop), str(report)], cwd=tmp_path
    )
    env = {
        **os.environ,
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
    }
    for key in ("STOCKOPS_LANDING_DIR", "STOCKOPS_WAREHOUSE_DIR", "DAGSTER_HOME"):
        env.pop(key, None)
    try:
        time.sleep(1)
        run = subprocess.run(
            [
                str(Path(sys.executable).parent / "stockops"),
                "run",
                "--landing",
                str(landing),
                "--warehouse",
                str(warehouse),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        time.sleep(1)
    finally:
        stop.touch()
        reader.wait(timeout=60)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads(report.read_text())
    print(f"reader: {result}")
    assert result["errors"] == 0, result["messages"]
    assert result["iterations"] > 10
    after = publish.read_manifest(published)["published_at"]
    assert after != before  # the run did republish while the reader was reading
    assert result["manifests_seen"] >= 2
    assert leftovers(published) == []
