"""Landing -> staging: typing, quarantine and reconciliation on CSV, Parquet and mixed landings.

Runs `dbt build --select path:models/staging` once per scenario (the four runs start together
and each gets its own warehouse, target and log directories under tmp_path), then opens each
DuckDB file read-only after its dbt process has exited.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

PROJECT_DIR = Path(__file__).resolve().parents[3]
FIXTURE_DIR = PROJECT_DIR / "tests" / "fixtures" / "landing_csv"
DBT = Path(sys.executable).parent / "dbt"
DBT_TIMEOUT_SECONDS = 900

ACCEPTED_ROWS = {
    "inventory_transactions": 68,
    "purchase_order_lines": 10,
    "products": 6,
    "locations": 3,
    "suppliers": 2,
    "supplier_products": 8,
    "constraint_resources": 1,
    "constraint_inputs": 2,
    "constraint_runs": 8,
    "cash_positions": 10,
    "decision_events": 6,
}
TABLES = tuple(ACCEPTED_ROWS)

# The deliberately bad rows of the fixture: (table, record_key, reason). `{first_txn_file}` and
# `{latest_po_file}` are filled in per scenario, since file paths and extensions differ.
BAD_ROWS = (
    ("inventory_transactions", None, "missing txn_id"),
    ("inventory_transactions", "T-0010", "duplicate txn_id (first landed in {first_txn_file})"),
    ("inventory_transactions", "T-0050", "unparseable occurred_at: '2026-01-32 10:00:00'"),
    ("inventory_transactions", "T-0051", "unknown sku_id 'SKU-999'"),
    ("inventory_transactions", "T-0052", "unknown location_id 'ST-99'"),
    ("inventory_transactions", "T-0053", "receipt with non-positive quantity"),
    ("inventory_transactions", "T-0054", "invalid txn_type 'gift'"),
    ("purchase_order_lines", "PO-1006-1", "superseded by {latest_po_file}"),
    ("purchase_order_lines", "PO-1008-1", "ordered_qty must be > 0"),
    ("products", "SKU-007", "negative unit_cost"),
    ("locations", "WH-09", "invalid location_type 'warehouse'"),
    ("supplier_products", "SUP-Z|SKU-002", "unknown supplier_id 'SUP-Z'"),
    ("constraint_runs", "CON-01|2026-01-31 10:00:00", "ended_at before started_at"),
    ("decision_events", "EV-0007", "invalid event_type 'liked'"),
)

# Tables landed as Parquet in the mixed scenario; the first transactions file is Parquet too,
# the second stays CSV, and decision_events is an empty directory.
MIXED_PARQUET_TABLES = (
    "products",
    "locations",
    "suppliers",
    "supplier_products",
    "constraint_resources",
    "constraint_inputs",
    "constraint_runs",
)


@dataclass
class Build:
    landing_dir: Path
    returncode: int
    output: str
    duckdb_path: Path

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def count(self, model: str) -> int:
        return self.query(f"select count(*) from staging.{model}")[0][0]  # noqa: S608 (constant names)

    def files(self, table: str) -> list[str]:
        return [
            row[0]
            for row in self.query(
                "select file from glob(?) union all select file from glob(?) order by file",
                [f"{self.landing_dir}/{table}/*.parquet", f"{self.landing_dir}/{table}/*.csv"],
            )
        ]


def _to_parquet(csv_file: Path) -> None:
    """Rewrite one CSV landing file as Parquet with auto-detected column types."""
    parquet_file = csv_file.with_suffix(".parquet")
    with duckdb.connect() as con:
        con.read_csv(str(csv_file), header=True).write_parquet(str(parquet_file))
    csv_file.unlink()


def _landing_csv(root: Path) -> Path:
    landing = root / "landing"
    shutil.copytree(FIXTURE_DIR, landing)
    return landing


def _landing_parquet(root: Path) -> Path:
    landing = _landing_csv(root)
    for csv_file in sorted(landing.glob("*/*.csv")):
        _to_parquet(csv_file)
    return landing


def _landing_mixed(root: Path) -> Path:
    landing = _landing_csv(root)
    for table in MIXED_PARQUET_TABLES:
        for csv_file in sorted((landing / table).glob("*.csv")):
            _to_parquet(csv_file)
    _to_parquet(sorted((landing / "inventory_transactions").glob("*.csv"))[0])
    shutil.rmtree(landing / "decision_events")
    (landing / "decision_events").mkdir()
    return landing


def _landing_broken(root: Path) -> Path:
    """A cash_positions file without available_cash; no decision_events directory at all."""
    landing = _landing_csv(root)
    (landing / "cash_positions" / "cash_positions_2026-02-02.csv").write_text(
        "as_of_date,cash\n2026-02-02,16000.00\n"
    )
    shutil.rmtree(landing / "decision_events")
    return landing


SCENARIOS = {
    "csv": _landing_csv,
    "parquet": _landing_parquet,
    "mixed": _landing_mixed,
    "broken": _landing_broken,
}


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Build]:
    """One dbt build per scenario, started together; each in its own directories."""
    started = {}
    for name, make_landing in SCENARIOS.items():
        root = tmp_path_factory.mktemp(f"staging_{name}")
        landing = make_landing(root)
        warehouse = root / "warehouse"
        warehouse.mkdir()
        env = {
            **os.environ,
            "STOCKOPS_LANDING_DIR": str(landing),
            "STOCKOPS_WAREHOUSE_DIR": str(warehouse),
            "STOCKOPS_DBT_TARGET": "dev",
            "DBT_PROFILES_DIR": str(PROJECT_DIR),
        }
        command = [
            str(DBT), "build", "--select", "path:models/staging",
            "--target-path", str(root / "target"), "--log-path", str(root / "logs"),
        ]  # fmt: skip
        process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started[name] = (process, landing, warehouse / "stockops.duckdb")
    result = {}
    for name, (process, landing, duckdb_path) in started.items():
        output, _ = process.communicate(timeout=DBT_TIMEOUT_SECONDS)
        result[name] = Build(landing, process.returncode, output, duckdb_path)
    return result


@pytest.fixture(params=["csv", "parquet", "mixed"])
def build(request: pytest.FixtureRequest, builds: dict[str, Build]) -> Build:
    built = builds[request.param]
    assert built.returncode == 0, built.output[-5000:]
    return built


def _expected_bad_rows(build: Build) -> list[tuple[str, str | None, str]]:
    paths = {
        "first_txn_file": build.files("inventory_transactions")[0],
        "latest_po_file": build.files("purchase_order_lines")[-1],
    }
    expected = []
    for table, key, reason in BAD_ROWS:
        if table == "decision_events" and not build.files("decision_events"):
            continue
        expected.append((table, key, reason.format(**paths)))
    return expected


def test_every_bad_row_is_quarantined_with_its_reason(build: Build) -> None:
    quarantined = build.query(
        "select landing_table, record_key, quarantine_reason from staging.stg_landing__quarantine"
    )
    assert sorted(quarantined, key=str) == sorted(_expected_bad_rows(build), key=str)


def test_accepted_counts_are_exact(build: Build) -> None:
    expected = dict(ACCEPTED_ROWS)
    if not build.files("decision_events"):
        expected["decision_events"] = 0
    assert {table: build.count(f"stg_landing__{table}") for table in TABLES} == expected


def test_rows_in_equal_accepted_plus_quarantined(build: Build) -> None:
    quarantined = dict(
        build.query(
            "select landing_table, count(*) from staging.stg_landing__quarantine group by all"
        )
    )
    for table in TABLES:
        landed = build.count(f"base_landing__{table}")
        accepted = build.count(f"stg_landing__{table}")
        assert landed == accepted + quarantined.get(table, 0), table


def test_quarantine_keeps_provenance_and_raw_values(build: Build) -> None:
    [(source_file, source_row, raw_record)] = build.query(
        "select _source_file, _source_row, raw_record ->> 'occurred_at'"
        " from staging.stg_landing__quarantine where record_key = 'T-0050'"
    )
    assert source_file == build.files("inventory_transactions")[0]
    assert source_row == 50
    assert raw_record == "2026-01-32 10:00:00"
    [(missing_key_row,)] = build.query(
        "select _source_row from staging.stg_landing__quarantine"
        " where quarantine_reason = 'missing txn_id'"
    )
    assert missing_key_row == 55


def test_offset_timestamp_is_converted_to_utc(build: Build) -> None:
    rows = build.query(
        "select txn_id, occurred_at from staging.stg_landing__inventory_transactions"
        " where txn_id in ('T-0035', 'T-0005') order by txn_id"
    )
    assert rows == [
        ("T-0005", datetime(2026, 1, 6, 10, 0)),  # naive ISO with 'T': taken as UTC
        ("T-0035", datetime(2026, 1, 20, 8, 0)),  # 2026-01-20T10:00:00+02:00
    ]


def test_later_file_supersedes_state_rows(build: Build) -> None:
    rows = build.query(
        "select po_line_id, status, _source_file from staging.stg_landing__purchase_order_lines"
        " where po_line_id in ('PO-1006-1', 'PO-1009-1') order by po_line_id"
    )
    latest = build.files("purchase_order_lines")[-1]
    assert rows == [("PO-1006-1", "closed", latest), ("PO-1009-1", "open", latest)]


def test_typed_columns(build: Build) -> None:
    types = dict(
        build.query(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'staging' and table_name = 'stg_landing__decision_events'"
        )
    )
    assert types["decision_version"] == "INTEGER"
    assert types["occurred_at"] == types["snoozed_until"] == "TIMESTAMP"
    assert build.query(
        "select count(*) from staging.stg_landing__decision_events where snoozed_until is not null"
    ) == [(0 if not build.files("decision_events") else 1,)]


def test_empty_decision_events_directory_gives_empty_model(builds: dict[str, Build]) -> None:
    mixed = builds["mixed"]
    assert (mixed.landing_dir / "decision_events").is_dir()
    assert mixed.count("stg_landing__decision_events") == 0


def test_missing_decision_events_directory_gives_empty_model(builds: dict[str, Build]) -> None:
    broken = builds["broken"]
    assert not (broken.landing_dir / "decision_events").exists()
    assert broken.count("stg_landing__decision_events") == 0


def test_file_missing_a_contract_column_fails_naming_it(builds: dict[str, Build]) -> None:
    broken = builds["broken"]
    assert broken.returncode != 0
    bad_file = broken.landing_dir / "cash_positions" / "cash_positions_2026-02-02.csv"
    assert (
        f"landing table 'cash_positions': file '{bad_file}' lacks contract column 'available_cash'"
        in " ".join(broken.output.split())
    ), broken.output[-5000:]
