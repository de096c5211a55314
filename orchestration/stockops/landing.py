"""The landing contract (docs/landing-contract.md) and a pre-flight check of a landing directory.

dbt quarantines bad *rows*; this catches what would make dbt fail as a whole — a missing table or
a file without a contract column — and says so in one line per problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from stockops.settings import EVENTS_TABLE, LANDING_TABLES

CONTRACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "inventory_transactions": (
        "txn_id", "occurred_at", "sku_id", "location_id", "txn_type", "quantity",
        "unit_cost", "reference_id", "reason_code",
    ),
    "purchase_order_lines": (
        "po_line_id", "po_id", "supplier_id", "sku_id", "location_id", "ordered_qty",
        "unit_cost", "ordered_at", "promised_date", "status",
    ),
    "products": (
        "sku_id", "sku_name", "category_id", "unit_cost", "unit_price", "lifecycle_status",
    ),
    "locations": ("location_id", "location_name", "location_type"),
    "suppliers": ("supplier_id", "supplier_name"),
    "supplier_products": (
        "supplier_id", "sku_id", "priority", "quoted_lead_time_days", "moq",
        "order_multiple", "unit_cost",
    ),
    "constraint_resources": (
        "constraint_id", "constraint_name", "location_id", "capacity_hours_per_day", "owner_id",
    ),
    "constraint_inputs": ("constraint_id", "sku_id", "qty_per_run_hour"),
    "constraint_runs": ("constraint_id", "started_at", "ended_at", "state", "starved_by_sku_id"),
    "cash_positions": ("as_of_date", "available_cash"),
    EVENTS_TABLE: (
        "event_id", "decision_id", "decision_version", "event_type", "actor_id",
        "occurred_at", "reason",
    ),
}  # fmt: skip

# Without these there is nothing to compute; the others may be absent (their models are empty).
REQUIRED_TABLES = ("inventory_transactions", "products", "locations")
LANDING_SUFFIXES = (".parquet", ".csv")


@dataclass(frozen=True)
class LandingReport:
    files: dict[str, list[Path]]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def file_count(self) -> int:
        return sum(len(f) for f in self.files.values())


def landing_files(landing_dir: Path, table: str) -> list[Path]:
    folder = landing_dir / table
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in LANDING_SUFFIXES
    )


def is_empty(landing_dir: Path) -> bool:
    return not any(landing_files(landing_dir, t) for t in LANDING_TABLES)


def _file_columns(con: duckdb.DuckDBPyConnection, path: Path) -> set[str]:
    if path.suffix.lower() == ".parquet":
        rel = con.execute("select name from parquet_schema(?)", [str(path)]).fetchall()
        return {r[0] for r in rel}
    cur = con.execute(
        "select * from read_csv(?, all_varchar = true, header = true) limit 0", [str(path)]
    )
    return {d[0] for d in cur.description}


def check_landing(landing_dir: Path) -> LandingReport:
    """Every table's files and every problem that would stop a build (none = ready to build)."""
    problems: list[str] = []
    files: dict[str, list[Path]] = {}
    if not landing_dir.is_dir():
        return LandingReport({}, [f"landing directory {landing_dir} does not exist"])
    con = duckdb.connect()
    try:
        for table in (*LANDING_TABLES, EVENTS_TABLE):
            files[table] = landing_files(landing_dir, table)
            if not files[table] and table in REQUIRED_TABLES:
                problems.append(f"{table}: no .parquet or .csv files in {landing_dir / table}")
            for path in files[table]:
                try:
                    columns = _file_columns(con, path)
                except duckdb.Error as exc:
                    first_line = str(exc).strip().splitlines()[0]
                    problems.append(f"{table}: cannot read {path}: {first_line}")
                    continue
                missing = [c for c in CONTRACT_COLUMNS[table] if c not in columns]
                if missing:
                    problems.append(
                        f"{table}: {path} lacks contract column(s) {', '.join(missing)}"
                    )
    finally:
        con.close()
    return LandingReport(files, problems)
