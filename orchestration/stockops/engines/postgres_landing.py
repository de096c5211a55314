"""Landing files into PostgreSQL for the dbt `postgres` target (docs/engines.md).

PostgreSQL cannot read Parquet, so every landing file `<landing>/<table>/*.parquet|*.csv` is read
by DuckDB exactly as the DuckDB engine reads it (every column as text, `_source_file` the path as
`<landing_dir>/<table>/<file name>`, `_source_row` the 1-based data row) and copied with COPY into
`landing.<table>`: one text column per column seen in any file of that table, plus
`_source_file` and `_source_row`. `landing._landed_files` records each file with its own column
list (staging's check for missing contract columns needs it) and row count. Files are immutable
once landed, so a file already recorded is skipped: loading again only loads new files, each file
in one transaction with its record (a crash leaves no half-loaded file). An advisory lock keeps
two loaders apart.

    python -m stockops.engines.postgres_landing [LANDING_DIR]

connects with the STOCKOPS_PG_* variables of the dbt `postgres` target.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from stockops import settings

SCHEMA = "landing"
FILES_TABLE = "_landed_files"
LOCK_KEY = 7_316_002_116  # pg_advisory_lock key of the loader (any constant of our own)
COPY_BLOCK_BYTES = 1 << 20


@dataclass(frozen=True)
class LoadedFile:
    table: str
    file: str
    rows: int


def conninfo_from_env(environ: os._Environ[str] | dict[str, str] = os.environ) -> str:
    """The libpq connection string of the dbt `postgres` target (profiles.yml), from STOCKOPS_PG_*."""
    parts = {
        "host": environ.get("STOCKOPS_PG_HOST") or "localhost",
        "port": environ.get("STOCKOPS_PG_PORT") or "5432",
        "user": environ.get("STOCKOPS_PG_USER") or "stockops",
        "dbname": environ.get("STOCKOPS_PG_DATABASE") or "stockops",
        "sslmode": environ.get("STOCKOPS_PG_SSLMODE") or "prefer",
    }
    if environ.get("STOCKOPS_PG_PASSWORD"):
        parts["password"] = environ["STOCKOPS_PG_PASSWORD"]
    return make_conninfo(**parts)


def landing_files(landing_dir: str, table: str) -> list[str]:
    """The table's landing files as DuckDB's glob names them, in the order staging reads them."""
    folder = Path(landing_dir) / table
    names = sorted(p.name for p in folder.glob("*") if p.suffix in (".parquet", ".csv"))
    return [f"{landing_dir}/{table}/{name}" for name in names]


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _file_relation(file: str) -> tuple[str, str]:
    """(DuckDB relation of the file's rows, expression of the 1-based row number)."""
    if file.endswith(".parquet"):
        return (f"read_parquet({_literal(file)}, file_row_number = true)", "file_row_number + 1")
    relation = f"read_csv({_literal(file)}, all_varchar = true, header = true) with ordinality"
    return relation, "ordinality"


def _read_columns(con: duckdb.DuckDBPyConnection, file: str) -> list[str]:
    relation, _ = _file_relation(file)
    described = con.execute(f"describe select * from {relation}").fetchall()  # noqa: S608
    hidden = {"file_row_number", "ordinality"}
    return [name.lower() for name, *_ in described if name.lower() not in hidden]


def _ensure_files_table(cur: psycopg.Cursor) -> None:
    cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(SCHEMA)))
    cur.execute(
        sql.SQL(
            "create table if not exists {}.{} (table_name text not null, file text not null, "
            "columns text[] not null, rows bigint not null, "
            "loaded_at timestamptz not null default now(), primary key (table_name, file))"
        ).format(sql.Identifier(SCHEMA), sql.Identifier(FILES_TABLE))
    )


def _ensure_table(cur: psycopg.Cursor, table: str, columns: Iterable[str]) -> None:
    """landing.<table> with a text column for each of `columns` (added when a file brings new ones)."""
    cur.execute(
        sql.SQL(
            "create table if not exists {}.{} (_source_file text not null, _source_row bigint)"
        ).format(sql.Identifier(SCHEMA), sql.Identifier(table))
    )
    for column in columns:
        cur.execute(
            sql.SQL("alter table {}.{} add column if not exists {} text").format(
                sql.Identifier(SCHEMA), sql.Identifier(table), sql.Identifier(column)
            )
        )


def _load_file(
    con: duckdb.DuckDBPyConnection, pg: psycopg.Connection, table: str, file: str, scratch: Path
) -> LoadedFile:
    columns = _read_columns(con, file)
    relation, row_number = _file_relation(file)
    csv_path = scratch / "rows.csv"
    selected = "".join('cast("' + c.replace('"', '""') + '" as varchar), ' for c in columns)
    # DuckDB writes NULL as an empty field and '' as "", which is how COPY ... (format csv) reads them
    (rows,) = con.execute(
        f"copy (select {selected}{_literal(file)}, {row_number} from {relation}) "  # noqa: S608
        f"to {_literal(str(csv_path))} (format csv, header false)"
    ).fetchone()
    targets = sql.SQL(", ").join(
        [sql.Identifier(c) for c in (*columns, "_source_file", "_source_row")]
    )
    with pg.transaction(), pg.cursor() as cur:
        _ensure_table(cur, table, columns)
        copy_sql = sql.SQL("copy {}.{} ({}) from stdin (format csv)").format(
            sql.Identifier(SCHEMA), sql.Identifier(table), targets
        )
        with cur.copy(copy_sql) as copy, csv_path.open("rb") as block_source:
            while block := block_source.read(COPY_BLOCK_BYTES):
                copy.write(block)
        cur.execute(
            sql.SQL(
                "insert into {}.{} (table_name, file, columns, rows) values (%s, %s, %s, %s)"
            ).format(sql.Identifier(SCHEMA), sql.Identifier(FILES_TABLE)),
            (table, file, columns, rows),
        )
    csv_path.unlink()
    return LoadedFile(table, file, rows)


def load_landing(
    landing_dir: str | os.PathLike[str], conninfo: str, tables: Iterable[str] | None = None
) -> list[LoadedFile]:
    """Copy every landing file not loaded yet into PostgreSQL; returns the files loaded now.
    `tables`: the landing tables to load (default: every folder of the landing directory)."""
    landing = str(landing_dir)
    if tables is None:
        tables = sorted(p.name for p in Path(landing).iterdir() if p.is_dir())
    loaded: list[LoadedFile] = []
    with (
        psycopg.connect(conninfo, autocommit=True) as pg,
        tempfile.TemporaryDirectory(prefix="stockops-landing-") as scratch,
    ):
        pg.execute("select pg_advisory_lock(%s)", (LOCK_KEY,))
        with pg.transaction(), pg.cursor() as cur:
            _ensure_files_table(cur)
            cur.execute(
                sql.SQL("select table_name, file from {}.{}").format(
                    sql.Identifier(SCHEMA), sql.Identifier(FILES_TABLE)
                )
            )
            done = set(cur.fetchall())
        con = duckdb.connect()
        try:
            for table in tables:
                for file in landing_files(landing, table):
                    if (table, file) not in done:
                        loaded.append(_load_file(con, pg, table, file, Path(scratch)))
        finally:
            con.close()
            pg.execute("select pg_advisory_unlock(%s)", (LOCK_KEY,))
    return loaded


def main(argv: list[str]) -> int:
    landing = argv[0] if argv else str(settings.load().landing_dir)
    try:
        loaded = load_landing(landing, conninfo_from_env())
    except (psycopg.Error, duckdb.Error, OSError) as exc:
        print(f"postgres_landing: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    rows = sum(f.rows for f in loaded)
    print(f"postgres_landing: {len(loaded)} new files, {rows} rows loaded from {landing}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
