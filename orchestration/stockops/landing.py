"""The landing contract (docs/landing-contract.md) and a pre-flight check of a landing directory.

dbt quarantines bad *rows*; this catches what would make dbt fail as a whole — a missing table or
a file without a contract column — and says so in one line per problem. CSV headers are read the
way the dbt macro `read_landing` reads them (macros/landing/read_landing.sql): the first line, split
on whichever of `,` `;` tab `|` yields the most contract columns; no dialect is guessed from the
data rows, so a ragged row further down cannot change how the header is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
CSV_DELIMITERS = (",", ";", "\t", "|")
MAX_HEADER_BYTES = 1 << 20


@dataclass(frozen=True)
class LandingReport:
    files: dict[str, list[Path]]
    problems: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def file_count(self) -> int:
        return sum(len(f) for f in self.files.values())


def landing_files(landing_dir: Path, table: str) -> list[Path]:
    """The table's data files; hidden ones (a writer's temporary name) are not landed yet."""
    folder = landing_dir / table
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in LANDING_SUFFIXES and not p.name.startswith(".")
    )


def is_empty(landing_dir: Path) -> bool:
    return not any(landing_files(landing_dir, t) for t in LANDING_TABLES)


def csv_header(line: str, columns: tuple[str, ...]) -> tuple[str, list[str]]:
    """(delimiter, lower-cased names) of a CSV header line, as read_landing reads it: the
    delimiter that yields the most distinct `columns` (ties: the earlier candidate)."""
    line = line.replace("\ufeff", "")
    best: tuple[int, str, list[str]] | None = None
    for delimiter in CSV_DELIMITERS:
        names = [name.strip().strip('"').strip().lower() for name in line.split(delimiter)]
        score = len(set(names) & set(columns))
        if best is None or score > best[0]:
            best = (score, delimiter, names)
    assert best is not None
    return best[1], best[2]


def _csv_header_line(path: Path) -> tuple[str | None, bool]:
    """(the header line of a CSV file or None when there is none, whether a data line follows);
    raises ValueError when the header is not UTF-8 text."""
    with path.open("rb") as handle:
        raw = handle.readline(MAX_HEADER_BYTES).rstrip(b"\r\n")
        has_rows = any(
            line.strip() for line in iter(lambda: handle.readline(MAX_HEADER_BYTES), b"")
        )
    try:
        line = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"line 1 (the header) is not valid UTF-8 text (byte {exc.start + 1}); "
            "save the file as UTF-8"
        ) from None
    return (line if line.strip() else None), has_rows


def _file_columns(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, warnings: list[str]
) -> set[str] | None:
    """The file's column names, or None for a file with nothing in it (skipped with a warning)."""
    if path.stat().st_size == 0:
        warnings.append(f"{table}: {path} is empty (0 bytes): skipped")
        return None
    if path.suffix.lower() == ".parquet":
        rel = con.execute("select name from parquet_schema(?)", [str(path)]).fetchall()
        return {r[0].lower() for r in rel}
    line, has_rows = _csv_header_line(path)
    if line is None:
        warnings.append(f"{table}: {path} has no header line: skipped")
        return None
    if not has_rows:
        warnings.append(f"{table}: {path} has a header but no rows")
    names = csv_header(line, CONTRACT_COLUMNS[table])[1]
    duplicated = sorted({n for n in names if n in CONTRACT_COLUMNS[table] and names.count(n) > 1})
    if duplicated:
        raise ValueError(f"the header names column(s) {', '.join(duplicated)} more than once")
    return set(names)


def check_landing(landing_dir: Path) -> LandingReport:
    """Every table's files and every problem that would stop a build (none = ready to build)."""
    problems: list[str] = []
    warnings: list[str] = []
    files: dict[str, list[Path]] = {}
    if not landing_dir.is_dir():
        return LandingReport({}, [f"landing directory {landing_dir} does not exist"])
    con = duckdb.connect()
    try:
        for table in (*LANDING_TABLES, EVENTS_TABLE):
            files[table] = []
            for path in landing_files(landing_dir, table):
                try:
                    columns = _file_columns(con, path, table, warnings)
                except (duckdb.Error, ValueError, OSError) as exc:
                    first_line = str(exc).strip().splitlines()[0]
                    problems.append(f"{table}: cannot read {path}: {first_line}")
                    continue
                if columns is None:
                    continue
                files[table].append(path)
                missing = [c for c in CONTRACT_COLUMNS[table] if c not in columns]
                if missing:
                    problems.append(
                        f"{table}: {path} lacks contract column(s) {', '.join(missing)}"
                    )
            if not files[table] and table in REQUIRED_TABLES:
                problems.append(f"{table}: no .parquet or .csv files in {landing_dir / table}")
    finally:
        con.close()
    return LandingReport(files, problems, warnings)
