"""Reading the warehouse. Only ever opened when no dbt process writes (DuckDB has one writer)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb

from stockops import jsonio

# fct_decision_lines columns a queued decision carries in `lines` (its decision's are implied)
LINE_COLUMNS = (
    "line_no",
    "signal_type",
    "sku_id",
    "location_id",
    "supplier_id",
    "constraint_id",
    "qty",
    "value",
    "priority_score",
    "due_by",
    "signal_id",
)


def read_decisions(
    duckdb_path: Path, columns: Sequence[str] | None = None, with_lines: bool = False
) -> list[dict[str, Any]]:
    """Every row of marts.fct_decisions as plain dicts (all columns, or just `columns`), `inputs`
    parsed from JSON; with `with_lines`, each open decision also carries its fct_decision_lines
    rows as `lines` (what the queue shows and a webhook receiver orders from)."""
    rows = read_mart(duckdb_path, "fct_decisions", columns, order_by="decision_id")
    lines = (
        read_mart(
            duckdb_path,
            "fct_decision_lines",
            ["decision_id", *LINE_COLUMNS],
            order_by="decision_id, line_no",
            where="is_open",
        )
        if with_lines
        else []
    )
    return attach_lines(rows, lines)


def attach_lines(
    rows: list[dict[str, Any]], lines: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Decision rows with `inputs` parsed from JSON, each carrying its `lines` (rows with a
    `decision_id`, in line order; a line's own `inputs`, when it has any, parsed too)."""
    by_decision: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        line = _parsed(line)
        by_decision.setdefault(line.pop("decision_id"), []).append(line)
    for row in rows:
        row.update(_parsed(row))
        if row["decision_id"] in by_decision:
            row["lines"] = by_decision[row["decision_id"]]
    return rows


def _parsed(row: dict[str, Any]) -> dict[str, Any]:
    if isinstance(row.get("inputs"), str):
        row["inputs"] = jsonio.loads(row["inputs"])
    return row


def read_mart(
    duckdb_path: Path,
    table: str,
    columns: Sequence[str] | None = None,
    order_by: str | None = None,
    where: str | None = None,
) -> list[dict[str, Any]]:
    """Every row of marts.<table> as plain dicts (all columns, or just `columns`). Table and column
    names, the ordering and the filter are the callers' constants, never input."""
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
        filtered = f" where {where}" if where else ""
        order = f" order by {order_by}" if order_by else ""
        cur = con.execute(f'select {listed} from marts."{table}"{filtered}{order}')  # noqa: S608
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


def wait_until_unlocked(
    duckdb_path: Path,
    timeout_seconds: float,
    log: Callable[[str], None] | None = None,
    poll_seconds: float = 2.0,
) -> float:
    """Wait until no other process writes the warehouse; return the seconds waited.

    A run killed with SIGKILL leaves its dbt process running to the end of its build (it holds
    the DuckDB file meanwhile): the next run waits for it instead of failing on the lock. Raises
    ConnectionError when the file is still held after `timeout_seconds`."""
    started = time.monotonic()
    announced = False
    while True:
        holder = lock_holder(duckdb_path)
        waited = time.monotonic() - started
        if holder is None:
            if announced and log:
                log(f"the warehouse is free after {waited:.0f}s")
            return waited
        if waited >= timeout_seconds:
            raise ConnectionError(
                f"the warehouse {duckdb_path} is still being written by another process "
                f"({holder}) after {waited:.0f}s (STOCKOPS_WAREHOUSE_LOCK_WAIT_SECONDS)"
            )
        if not announced and log:
            log(f"waiting for another process to finish writing the warehouse ({holder})")
            announced = True
        time.sleep(poll_seconds)
