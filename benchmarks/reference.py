"""The reference: the project's own SQL run on bare DuckDB, in one process, without dbt or Dagster.

It is *not* a hand-condensed rewrite. It is the compiled SQL of the same models (`dbt compile` on a
fresh warehouse, so incremental models compile their full-refresh branch), emitted in DAG order as
one script of `create or replace table ... as <compiled select>` statements, seeds read with
`read_csv` and the column types of their `column_types` config. Marts with an enforced contract are
created with their declared column types and `not null` constraints and filled with
`insert ... select`, as dbt-duckdb does. Views are materialised as tables by default
(BENCH_REFERENCE_VIEWS=view keeps them as views). Tests, docs, the queue export and every per-node
overhead of dbt and Dagster are absent: what is left is what DuckDB itself needs for the logic.

The script is generated, never committed: every bench run compiles it anew (and leaves a copy in
benchmarks/reference.sql to read); `script` writes it on its own, for any landing directory.

Usage (the harness calls `exec`):
    python benchmarks/reference.py exec --sql FILE --db DIR/stockops.duckdb \
        --landing DIR --project DIR [--timings OUT.json]
    python benchmarks/reference.py script --landing DIR [--out benchmarks/reference.sql]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from stockops.compiled_sql import (  # noqa: F401 (the harness calls these through this module)
    DATABASE,
    LANDING_TOKEN,
    PROJECT_TOKEN,
    STATEMENT_MARK,
    build_script,
    compile_project,
    duckdb_settings,
    split_statements,
    sql_literal,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


# -------------------------------------------------------------------------------------- script
def write_script(landing_dir: Path, out: Path, views: str = "view") -> int:
    """`dbt compile` of the project against `landing_dir` (scratch files under data/reference),
    then the reference script written to `out`; returns the number of models and seeds in it."""
    scratch = REPO / "data" / "reference"
    manifest, _ = compile_project(
        project_dir=REPO,
        landing_dir=landing_dir,
        scratch_dir=scratch,
        dbt=Path(sys.executable).parent / "dbt",
        log_path=scratch / "compile.log",
    )
    script, order = build_script(manifest, project_dir=REPO, landing_dir=landing_dir, views=views)
    out.write_text(script)
    return len(order)


# ------------------------------------------------------------------------------------- execute
def execute(sql_path: Path, db_path: Path, landing_dir: Path, project_dir: Path) -> dict[str, Any]:
    """Run the script in one DuckDB connection on a fresh file; per-statement seconds."""
    import duckdb

    started = time.monotonic()
    text = sql_path.read_text()
    text = text.replace(LANDING_TOKEN, str(landing_dir)).replace(PROJECT_TOKEN, str(project_dir))
    for suffix in ("", ".wal"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path))
    timings = []
    try:
        for name, chunk in split_statements(text):
            t0 = time.monotonic()
            con.execute(chunk)
            timings.append({"node": name, "seconds": round(time.monotonic() - t0, 4)})
        t0 = time.monotonic()
        con.execute("checkpoint")
        timings.append({"node": "checkpoint", "seconds": round(time.monotonic() - t0, 4)})
    finally:
        con.close()
    return {
        "seconds_in_process": round(time.monotonic() - started, 3),
        "statements": len(timings),
        "timings": timings,
    }


# ------------------------------------------------------------------------------------- compare
def _numeric(data_type: str) -> bool:
    t = data_type.upper()
    return any(x in t for x in ("INT", "DOUBLE", "FLOAT", "DECIMAL", "REAL", "NUMERIC"))


def _floating(data_type: str) -> bool:
    t = data_type.upper()
    return any(x in t for x in ("DOUBLE", "FLOAT", "REAL"))


def _close(a: Any, b: Any, rel_tol: float) -> bool:
    """Equal, or equal JSON documents whose numbers agree within rel_tol."""
    if a == b:
        return True
    if isinstance(a, str) and isinstance(b, str):
        try:
            a, b = json.loads(a), json.loads(b)
        except ValueError:
            return False
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) <= rel_tol * max(1.0, abs(a), abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], rel_tol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, rel_tol) for x, y in zip(a, b, strict=True))
    return a == b


def compare(
    reference_db: Path,
    warehouse_db: Path,
    *,
    schema: str = "marts",
    volatile_columns: frozenset[str] = frozenset(),
    rel_tol: float = 1e-6,
) -> dict[str, Any]:
    """Row count and one aggregate per column of every table in `schema`, reference vs run.

    Numeric columns: sum (relative tolerance ``rel_tol``) and count of non-nulls. Other columns:
    count of non-nulls and an order-independent hash sum of the values. Columns named in
    ``volatile_columns`` (stamped with the run's clock) are reported but not held against equality.
    """
    import duckdb

    con = duckdb.connect(str(reference_db), read_only=True)
    con.execute(f"attach {sql_literal(str(warehouse_db))} as run (read_only)")
    out: dict[str, Any] = {"tables": {}, "equal": True}
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where database_name = ? "
                "and schema_name = ? order by 1",
                [DATABASE, schema],
            ).fetchall()
        ]
        for table in tables:
            cols = con.execute(
                "select column_name, data_type from duckdb_columns() where database_name = ? "
                "and schema_name = ? and table_name = ? order by column_index",
                [DATABASE, schema, table],
            ).fetchall()
            exprs = ["count(*)"]
            for name, dtype in cols:
                q = f'"{name}"'
                exprs.append(f"count({q})")
                if _numeric(dtype):
                    exprs.append(f"sum({q})::double")
                else:
                    exprs.append(f"sum(hash({q})::hugeint)::varchar")
            select = ", ".join(exprs)
            ref = con.execute(f"select {select} from {DATABASE}.{schema}.{table}").fetchone()  # noqa: S608
            try:
                got = con.execute(f"select {select} from run.{schema}.{table}").fetchone()  # noqa: S608
            except duckdb.Error as exc:
                out["tables"][table] = {"error": str(exc).splitlines()[0]}
                out["equal"] = False
                continue
            mismatches, volatile = [], []
            for i, (name, dtype) in enumerate(cols):
                j = 1 + 2 * i
                same_count = ref[j] == got[j]
                a, b = ref[j + 1], got[j + 1]
                if _numeric(dtype):
                    same_value = (a is None and b is None) or (
                        a is not None
                        and b is not None
                        and abs(a - b) <= rel_tol * max(1.0, abs(a), abs(b))
                    )
                else:
                    same_value = a == b
                if not (same_count and same_value):
                    (volatile if name in volatile_columns else mismatches).append(name)
            # text (JSON) columns holding floats: the last digit of a sum may differ with the
            # order of addition; compare them row by row, aligned on the exactly equal columns
            tolerant: list[str] = []
            examples: dict[str, dict[str, Any]] = {}
            if mismatches and ref[0] == got[0]:
                exact = [
                    n
                    for n, t in cols
                    if n not in mismatches and n not in volatile_columns and not _floating(t)
                ]
                for name in list(mismatches):
                    if _numeric(dict(cols)[name]) or not exact:
                        continue
                    order = ", ".join(f'"{k}"' for k in [*exact, name])
                    a_rows = con.execute(
                        f'select "{name}" from {DATABASE}.{schema}.{table} order by {order}'  # noqa: S608
                    ).fetchall()
                    b_rows = con.execute(
                        f'select "{name}" from run.{schema}.{table} order by {order}'  # noqa: S608
                    ).fetchall()
                    differing = [
                        (a[0], b[0])
                        for a, b in zip(a_rows, b_rows, strict=True)
                        if not _close(a[0], b[0], rel_tol)
                    ]
                    if not differing:
                        mismatches.remove(name)
                        tolerant.append(name)
                    else:  # evidence for whoever reads the result: the first few differing rows
                        examples.setdefault(name, {"rows_differing": len(differing)})
                        examples[name]["first"] = [
                            {"reference": str(a)[:400], "run": str(b)[:400]}
                            for a, b in differing[:3]
                        ]
            table_equal = ref[0] == got[0] and not mismatches
            out["tables"][table] = {
                "rows_reference": ref[0],
                "rows_run": got[0],
                "columns_checked": len(cols),
                "mismatched_columns": mismatches,
                "volatile_columns_differing": volatile,
                "text_columns_equal_within_float_tolerance": tolerant,
                **({"text_columns_differing_rows": examples} if examples else {}),
                "equal": table_equal,
            }
            out["equal"] = out["equal"] and table_equal
    finally:
        con.close()
    return out


# ------------------------------------------------------------------------------------------ CLI
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("exec", help="run the reference script on a fresh DuckDB file")
    ex.add_argument("--sql", required=True, type=Path)
    ex.add_argument("--db", required=True, type=Path)
    ex.add_argument("--landing", required=True, type=Path)
    ex.add_argument("--project", required=True, type=Path)
    ex.add_argument("--timings", type=Path)
    sc = sub.add_parser("script", help="compile the project and write the reference script")
    sc.add_argument("--landing", required=True, type=Path, help="landing directory to compile for")
    sc.add_argument("--out", type=Path, default=HERE / "reference.sql")
    sc.add_argument("--views", choices=("view", "table"), default="view")
    args = parser.parse_args(argv)
    if args.command == "script":
        nodes = write_script(args.landing.resolve(), args.out, args.views)
        print(f"reference: {nodes} models and seeds, views as {args.views}s: {args.out}")
        return 0
    result = execute(args.sql, args.db, args.landing, args.project)
    if args.timings:
        args.timings.write_text(json.dumps(result, indent=1))
    print(f"reference: {result['statements']} statements in {result['seconds_in_process']:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
