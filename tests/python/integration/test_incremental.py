"""Incremental = full refresh: after a new landing batch, an incremental build equals a fresh build."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from stockops import generate

from support import dbt_build

pytestmark = pytest.mark.slow


def split_last_day(landing: Path) -> Path:
    """Move the last day of transactions out of the first file; return the second file's content path."""
    txns = landing / "inventory_transactions"
    original = txns / "part-00000.parquet"
    later = landing.parent / "part-00001.parquet"
    con = duckdb.connect()
    try:
        last_day = con.execute(
            "select max(cast(occurred_at as date)) from read_parquet(?)", [str(original)]
        ).fetchone()[0]
        earlier = txns / "earlier.parquet"
        con.execute(
            "copy (select * from read_parquet(?) where cast(occurred_at as date) < ?) to ? (format parquet)",
            [str(original), last_day, str(earlier)],
        )
        con.execute(
            "copy (select * from read_parquet(?) where cast(occurred_at as date) >= ?) to ? (format parquet)",
            [str(original), last_day, str(later)],
        )
    finally:
        con.close()
    earlier.replace(original)
    return later


# The decision history remembers which runs happened and when (versions, withdrawals, SLA clocks at the
# run's start, the batch or proposal each signal joined): after an extra earlier run it rightly differs
# from a fresh build. Everything computed from the data alone (the signals too) must be identical.
RUN_HISTORY = {
    ("intermediate", "int_decision_memberships"),
    ("intermediate", "int_decision_candidates"),
    ("intermediate", "int_decision_versions"),
    ("intermediate", "int_decision_lifecycle"),
    ("marts", "fct_decisions"),
    ("marts", "fct_decision_lines"),
    ("marts", "fct_time_to_action"),
    ("marts", "fct_decision_time_to_action"),
    ("marts", "fct_time_to_action_targets"),
}


def _parsed(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _shape(value: Any) -> Any:
    """A row's content without its floating-point values: the key rows are matched on."""
    value = _parsed(value)
    if isinstance(value, float):
        return "<float>"
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_shape(v) for v in value]
    return value


def _close(a: Any, b: Any) -> bool:
    a, b = _parsed(a), _parsed(b)
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def same_rows(left: list[tuple], right: list[tuple]) -> bool:
    """Equal as multisets of rows, floats (also inside JSON) equal up to summation-order rounding:
    DuckDB adds doubles in parallel, so the last bits of a sum may differ between two builds."""
    if len(left) != len(right):
        return False

    def key(row: tuple) -> tuple[str, str]:
        rounded = [round(v, 6) if isinstance(v, float) else None for v in row]
        return repr(_shape(row)), repr(rounded)

    return all(
        _close(a, b) for a, b in zip(sorted(left, key=key), sorted(right, key=key), strict=True)
    )


def model_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    return con.execute(
        """
        select table_schema, table_name from information_schema.tables
        where table_catalog = ? and table_type = 'BASE TABLE'
          and table_schema in ('staging', 'intermediate', 'marts')
        order by 1, 2
        """,
        [catalog],
    ).fetchall()


def test_incremental_build_equals_full_refresh(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    generate.generate(landing, seed=11, **generate.SCALES["tiny"])
    later_batch = split_last_day(landing)

    incremental_wh = tmp_path / "incremental"
    dbt_build(landing, incremental_wh, tmp_path / "run1")
    shutil.copy(later_batch, landing / "inventory_transactions" / "part-00001.parquet")
    dbt_build(landing, incremental_wh, tmp_path / "run2")

    full_wh = tmp_path / "full"
    dbt_build(landing, full_wh, tmp_path / "run3")

    con = duckdb.connect(str(incremental_wh / "stockops.duckdb"), read_only=True)
    try:
        con.execute(f"attach '{full_wh / 'stockops.duckdb'}' as full_refresh (read_only)")
        tables = model_tables(con, "stockops")
        assert tables == model_tables(con, "full_refresh")
        assert ("staging", "base_landing__inventory_transactions") in tables
        new_rows = con.execute(
            "select count(*) from staging.base_landing__inventory_transactions "
            "where _source_file like '%part-00001.parquet'"
        ).fetchone()[0]
        assert new_rows > 0
        assert RUN_HISTORY <= set(tables)
        for schema, table in sorted(set(tables) - RUN_HISTORY):
            incremental = con.execute(f"select * from stockops.{schema}.{table}").fetchall()
            full = con.execute(f"select * from full_refresh.{schema}.{table}").fetchall()
            assert same_rows(incremental, full), (
                f"{schema}.{table} differs between incremental and full refresh"
            )
    finally:
        con.close()
