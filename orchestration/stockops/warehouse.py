"""Reading the warehouse. Only ever opened when no dbt process writes (DuckDB has one writer)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from stockops import jsonio


def read_decisions(duckdb_path: Path, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Every row of marts.fct_decisions as plain dicts (all columns, or just `columns`), `inputs`
    parsed from JSON."""
    rows = read_mart(duckdb_path, "fct_decisions", columns, order_by="decision_id")
    for row in rows:
        if isinstance(row.get("inputs"), str):
            row["inputs"] = jsonio.loads(row["inputs"])
    return rows


def read_mart(
    duckdb_path: Path,
    table: str,
    columns: Sequence[str] | None = None,
    order_by: str | None = None,
) -> list[dict[str, Any]]:
    """Every row of marts.<table> as plain dicts (all columns, or just `columns`). Table and column
    names are the callers' constants, quoted as identifiers."""
    try:
        con = duckdb.connect(str(duckdb_path), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise ConnectionError(
                f"the warehouse {duckdb_path} is being written by a run; try again when it ends "
                "(readers use the published Parquet marts instead)"
            ) from None
        raise
    try:
        listed = ", ".join(f'"{c}"' for c in columns) if columns else "*"
        order = f' order by "{order_by}"' if order_by else ""
        cur = con.execute(f'select {listed} from marts."{table}"{order}')  # noqa: S608
        names = [d[0] for d in cur.description]
        return [dict(zip(names, values, strict=True)) for values in cur.fetchall()]
    finally:
        con.close()


def lock_holder(duckdb_path: Path) -> str | None:
    """DuckDB's one-line description of the process holding the warehouse open for writing, or
    None when nobody does (DuckDB allows one writer and no readers beside it)."""
    if not duckdb_path.exists():
        return None
    try:
        duckdb.connect(str(duckdb_path), read_only=True).close()
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            text = str(exc).strip().splitlines()[0]
            held = text.split("Conflicting lock is held in", 1)[-1].split(". See also", 1)[0]
            return held.strip().rstrip(".") or text
        raise
    return None
