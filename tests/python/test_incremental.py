"""Incremental = full refresh: after a new landing batch, an incremental build equals a fresh build."""

from __future__ import annotations

import shutil
from pathlib import Path

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
        for schema, table in tables:
            a, b = f"stockops.{schema}.{table}", f"full_refresh.{schema}.{table}"
            diff = con.execute(
                f"select (select count(*) from (select * from {a} except all select * from {b})) "
                f"+ (select count(*) from (select * from {b} except all select * from {a}))"
            ).fetchone()[0]
            assert diff == 0, f"{schema}.{table} differs between incremental and full refresh"
    finally:
        con.close()
