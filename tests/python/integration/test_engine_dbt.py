"""The cross-engine groundwork on real engines: integration_tests/ built on DuckDB, PostgreSQL (a real
server, landing files loaded by stockops.engines.postgres_landing) and Spark (session mode, local
pyspark + Java). Every macro's dbt unit tests pass on every engine, and the three engines read the
same landing files into the same rows.

Slow (a Spark session start and some 30 Spark queries): marked `engines`, run by `make test-engines`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg
import pytest

from stockops.engines import postgres_landing
from stockops.engines.throwaway_postgres import create_database, dbt_target_env

from support import PROJECT_DIR

pytestmark = pytest.mark.engines

INTEGRATION_DIR = PROJECT_DIR / "integration_tests"
DBT = Path(sys.executable).parent / "dbt"
DBT_TIMEOUT_SECONDS = 1800
ENGINES = ("duckdb", "postgres", "spark")
SCHEMA = "engine_tests"
LANDING_MODELS = ("landing_items", "landing_items_new", "landing_absent")


def _write_landing(root: Path) -> Path:
    """Landing files of the test table `items`: Parquet and CSV side by side, columns in another
    order, an optional column missing, quoted commas, line breaks and quotes, blanks; plus files
    that must not be read (a sub-folder, another extension, another table) and a broken table."""
    landing = root / "landing"
    items = landing / "items"
    (items / "sub").mkdir(parents=True)
    (landing / "other").mkdir()
    (landing / "broken").mkdir()
    con = duckdb.connect()
    first = (
        "select * from (values ('i1', 1.5, '  padded  ', 1), ('i2', null, '', 2), "
        "(' i3 ', 100.0, 'x', 3)) as t(item_id, qty, note, extra)"
    )
    con.execute(f"copy ({first}) to '{items / 'a_first.parquet'}' (format parquet)")
    con.execute(f"copy ({first}) to '{items / 'sub' / 'nested.parquet'}' (format parquet)")
    con.close()
    (items / "b_second.csv").write_text(
        'qty,item_id,note\n2,i4,"has, comma"\n3,i5,"line1\nline2"\n  4  ,i6,"say ""hi"""\n,i7,\n'
    )
    (items / "c third.csv").write_text("item_id,qty\ni8,5\n")
    (items / "notes.txt").write_text("item_id,qty\nnot,read\n")
    (landing / "other" / "items.csv").write_text("item_id,qty\nnot,read\n")
    (landing / "broken" / "only_ids.csv").write_text("item_id\nb1\n")
    return landing


def _expected_items(landing: Path) -> list[tuple]:
    first = f"{landing}/items/a_first.parquet"
    second = f"{landing}/items/b_second.csv"
    third = f"{landing}/items/c third.csv"
    return [
        ("i1", "1.5", "padded", first, 1),
        ("i2", None, None, first, 2),
        ("i3", "100.0", "x", first, 3),
        ("i4", "2", "has, comma", second, 1),
        ("i5", "3", "line1\nline2", second, 2),
        ("i6", "4", 'say "hi"', second, 3),
        ("i7", None, None, second, 4),
        ("i8", "5", None, third, 1),
    ]


@pytest.fixture(scope="module")
def engine_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_landing(tmp_path_factory.mktemp("engine_landing"))


@dataclass
class EngineBuild:
    engine: str
    returncode: int
    output: str
    results: dict[str, dict]  # unique_id -> run result
    rows: dict[str, list[tuple]]  # landing model -> rows ordered by file and row

    def failures(self) -> dict[str, str]:
        return {
            uid: result.get("message") or ""
            for uid, result in self.results.items()
            if result["status"] not in ("pass", "success")
        }


def _query(engine: str, warehouse: Path, conninfo: str | None, table: str) -> list[tuple]:
    """The model's rows (its columns in model order) ordered by file and row."""
    columns = "*"
    order = " order by _source_file, _source_row"
    if engine == "duckdb":
        con = duckdb.connect(str(warehouse / "stockops.duckdb"), read_only=True)
        try:
            return con.execute(f"select {columns} from {SCHEMA}.{table}{order}").fetchall()
        finally:
            con.close()
    if engine == "postgres":
        with psycopg.connect(conninfo) as con:
            return con.execute(f"select {columns} from {SCHEMA}.{table}{order}").fetchall()
    # Spark's tables are Parquet files in its warehouse folder (file_format: parquet)
    files = warehouse / "spark" / "warehouse" / f"{SCHEMA}.db" / table
    con = duckdb.connect()
    try:
        return con.execute(
            f"select {columns} from read_parquet('{files}/*.parquet'){order}"
        ).fetchall()
    finally:
        con.close()


def _dbt_build(engine: str, landing: Path, work: Path, extra_env: dict[str, str]) -> EngineBuild:
    warehouse = work / "warehouse"
    warehouse.mkdir(parents=True)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("STOCKOPS_", "DBT_", "DAGSTER_"))
    }
    env.update(
        STOCKOPS_DBT_TARGET=engine,
        STOCKOPS_LANDING_DIR=str(landing),
        STOCKOPS_WAREHOUSE_DIR=str(warehouse),
        DBT_PROFILES_DIR=str(PROJECT_DIR),
        **extra_env,
    )
    command = [
        str(DBT), "build",
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
    ]  # fmt: skip
    done = subprocess.run(
        command,
        cwd=INTEGRATION_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=DBT_TIMEOUT_SECONDS,
        check=False,
    )
    output = done.stdout + done.stderr
    run_results = work / "target" / "run_results.json"
    assert run_results.exists(), output[-4000:]
    results = {r["unique_id"]: r for r in json.loads(run_results.read_text())["results"]}
    conninfo = None
    if engine == "postgres":
        conninfo = postgres_landing.conninfo_from_env(env)
    rows = {model: _query(engine, warehouse, conninfo, model) for model in LANDING_MODELS}
    return EngineBuild(engine, done.returncode, output, results, rows)


@pytest.fixture(scope="module")
def builds(
    engine_landing: Path, tmp_path_factory: pytest.TempPathFactory, pg_dsn: str
) -> Iterator[dict[str, EngineBuild]]:
    """integration_tests/ built once per engine (PostgreSQL: in a database of its own)."""
    database = f"stockops_engines_{uuid.uuid4().hex[:8]}"
    conninfo = create_database(pg_dsn, database)
    loaded = postgres_landing.load_landing(engine_landing, conninfo)
    assert {f.table for f in loaded} == {"items", "broken", "other"}
    result = {
        engine: _dbt_build(
            engine,
            engine_landing,
            tmp_path_factory.mktemp(f"engine_{engine}"),
            dbt_target_env(conninfo) if engine == "postgres" else {},
        )
        for engine in ENGINES
    }
    yield result
    with psycopg.connect(pg_dsn, autocommit=True) as con:
        con.execute(f'drop database if exists "{database}" with (force)')


def _unit_tests() -> set[str]:
    """Every unit test declared in integration_tests/ (from its yml files)."""
    import yaml

    names = set()
    for path in (INTEGRATION_DIR / "models").glob("*.yml"):
        for test in yaml.safe_load(path.read_text()).get("unit_tests", []):
            names.add(test["name"])
    return names


@pytest.mark.parametrize("engine", ENGINES)
def test_every_macro_unit_test_passes(builds: dict[str, EngineBuild], engine: str) -> None:
    build = builds[engine]
    ran = {
        uid.rsplit(".", 1)[-1]: result["status"]
        for uid, result in build.results.items()
        if uid.startswith("unit_test.")
    }
    assert set(ran) == _unit_tests() and len(ran) >= 15, build.output[-3000:]
    failed = {name: status for name, status in ran.items() if status != "pass"}
    assert not failed, (failed, build.output[-6000:])


@pytest.mark.parametrize("engine", ENGINES)
def test_only_the_broken_landing_table_fails(builds: dict[str, EngineBuild], engine: str) -> None:
    """A file without a contract column stops its model with read_landing's message, on every
    engine; every other node (models with engine-specific contracts included) builds."""
    build = builds[engine]
    failures = build.failures()
    assert list(failures) == ["model.stockops_integration_tests.landing_broken"], failures
    message = failures["model.stockops_integration_tests.landing_broken"]
    assert "landing table 'broken'" in message
    assert "only_ids.csv' lacks contract column 'qty'" in message
    assert build.returncode == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_landing_rows_are_read_alike(
    builds: dict[str, EngineBuild], engine_landing: Path, engine: str
) -> None:
    rows = builds[engine].rows
    expected = _expected_items(engine_landing)
    assert rows["landing_items"] == expected
    assert rows["landing_items_new"] == [r for r in expected if "a_first" not in r[3]]
    assert rows["landing_absent"] == []


def test_postgres_loader_loads_each_file_once(engine_landing: Path, pg_dsn: str) -> None:
    """Loading again loads nothing; a new file is loaded alone, with its own columns recorded."""
    conninfo = create_database(pg_dsn, f"stockops_loader_{uuid.uuid4().hex[:8]}")
    first = postgres_landing.load_landing(engine_landing, conninfo)
    assert sorted((f.table, Path(f.file).name, f.rows) for f in first) == [
        ("broken", "only_ids.csv", 1),
        ("items", "a_first.parquet", 3),
        ("items", "b_second.csv", 4),
        ("items", "c third.csv", 1),
        ("other", "items.csv", 1),
    ]
    assert postgres_landing.load_landing(engine_landing, conninfo) == []
    extra = engine_landing.parent / "landing_more"
    shutil.copytree(engine_landing, extra)
    (extra / "items" / "d_fourth.csv").write_text("item_id,qty,colour\ni9,6,red\n")
    postgres_landing.load_landing(engine_landing, conninfo)  # same folder: nothing new
    again = postgres_landing.load_landing(extra, conninfo)
    assert len(again) == 6  # another landing dir names its files differently
    with psycopg.connect(conninfo) as con:
        recorded = con.execute(
            "select columns from landing._landed_files where file like %s", ["%d_fourth.csv"]
        ).fetchone()
        colour = con.execute("select colour from landing.items where item_id = 'i9'").fetchall()
    assert recorded == (["item_id", "qty", "colour"],)
    assert colour == [("red",)]
