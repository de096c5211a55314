"""Published marts: every table of schema `marts` as a Parquet file that BI tools and the CLI read.

Readers never open the live DuckDB file (it has one writer, and while a run writes it even a
read-only connection fails). After each build the pipeline copies every mart to
`<warehouse>/published/<table>.parquet`: DuckDB writes a temporary file in the same directory, which
is flushed to disk and then renamed onto the final name (`os.replace`, atomic on POSIX). A reader
sees either the old file or the new one, never half a file, and a reader that has the old file open
keeps reading it until it closes it. `_manifest.json` (tables, row counts, published_at) is
replaced the same way, last, so it never names a table before its file is in place.

`publish_marts` is plain Python (DuckDB only): callable from a test or a script without Dagster.
The Dagster asset `published_marts` below calls it after every dbt model of schema `marts`.
"""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from stockops import settings
from stockops.dbt_assets import DEFAULT_OWNER, stockops_dbt_models

MARTS_SCHEMA = "marts"
MANIFEST_NAME = "_manifest.json"
TEMP_SUFFIX = ".tmp"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _temp_path(final: Path) -> Path:
    # hidden, in the same directory (same file system, so the rename is atomic), unique per process
    return final.with_name(f".{final.name}.{os.getpid()}{TEMP_SUFFIX}")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _atomic_target(final: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success flush it and rename it onto `final`."""
    temp = _temp_path(final)
    temp.unlink(missing_ok=True)
    try:
        yield temp
        _fsync(temp)
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)


def mart_tables(con: duckdb.DuckDBPyConnection, schema: str = MARTS_SCHEMA) -> list[str]:
    """Tables (and views) of `schema` in the connected database, by name."""
    rows = con.execute(
        """
        select table_name from information_schema.tables
        where table_schema = ? and table_catalog = current_database()
        order by table_name
        """,
        [schema],
    ).fetchall()
    return [r[0] for r in rows]


def publish_marts(
    duckdb_path: str | os.PathLike[str],
    published_dir: str | os.PathLike[str],
    *,
    run_id: str | None = None,
    schema: str = MARTS_SCHEMA,
) -> dict[str, int]:
    """Export every table of `schema` to `<published_dir>/<table>.parquet`, swapping each file in
    atomically, then write `_manifest.json`; remove published files of tables that no longer
    exist. Returns {table: row count}. Opens the DuckDB file read-only."""
    out = Path(published_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    columns: dict[str, list[str]] = {}
    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        for table in mart_tables(con, schema):
            relation = f"{_quote(schema)}.{_quote(table)}"
            with _atomic_target(out / f"{table}.parquet") as temp:
                row = con.execute(
                    f"copy (select * from {relation}) to ? (format parquet)",  # noqa: S608 - quoted catalog names
                    [str(temp)],
                ).fetchone()
            counts[table] = int(row[0]) if row else 0
            described = con.execute(f"select * from {relation} limit 0").description  # noqa: S608
            columns[table] = [d[0] for d in described or []]
    finally:
        con.close()

    manifest: dict[str, Any] = {
        "published_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "source": str(Path(duckdb_path).resolve()),
        "schema": schema,
        "run_id": run_id,
        "tables": {
            table: {"file": f"{table}.parquet", "rows": counts[table], "columns": columns[table]}
            for table in counts
        },
    }
    with _atomic_target(out / MANIFEST_NAME) as temp:
        temp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")

    for stale in out.glob("*.parquet"):
        if stale.stem not in counts:
            stale.unlink(missing_ok=True)  # an open reader keeps its (now unlinked) file
    try:
        _fsync(out)  # the renames themselves
    except OSError:  # pragma: no cover - directories cannot be opened for fsync everywhere
        pass
    return counts


def read_manifest(published_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The last published `_manifest.json` (empty when nothing was published yet)."""
    path = Path(published_dir) / MANIFEST_NAME
    return json.loads(path.read_text()) if path.exists() else {}


# --------------------------------------------------------------------------------- Dagster asset
def dbt_model_keys_in_schema(
    dbt_assets: dg.AssetsDefinition, schema: str = MARTS_SCHEMA
) -> list[dg.AssetKey]:
    """Asset keys of the dbt models that dbt builds into `schema`, from the manifest behind the
    dbt assets' specs (the schema dbt resolved, not a guess from the key)."""
    from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets

    manifest, _, _ = get_manifest_and_translator_from_dbt_assets([dbt_assets])
    keys = []
    for spec in dbt_assets.specs:
        node = manifest["nodes"].get(spec.metadata.get("dagster_dbt/unique_id", ""))
        if node and node["resource_type"] == "model" and node.get("schema") == schema:
            keys.append(spec.key)
    return sorted(keys, key=lambda k: k.to_user_string())


MART_KEYS = dbt_model_keys_in_schema(stockops_dbt_models)


@dg.asset(
    deps=MART_KEYS,
    group_name="publish",
    kinds={"parquet"},
    owners=[DEFAULT_OWNER],
    description=(
        "Every table of schema marts as <warehouse>/published/<table>.parquet plus _manifest.json, "
        "each swapped in atomically: what BI tools and the CLI read instead of the live DuckDB file."
    ),
)
def published_marts(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    cfg = settings.load()
    counts = publish_marts(cfg.duckdb_path, cfg.published_dir, run_id=context.run.run_id)
    context.log.info(
        f"published {len(counts)} marts ({sum(counts.values()):,} rows) to {cfg.published_dir}"
    )
    return dg.MaterializeResult(
        metadata={
            "published_dir": dg.MetadataValue.path(str(cfg.published_dir)),
            "tables": len(counts),
            "rows": sum(counts.values()),
            "row_counts": dg.MetadataValue.json(counts),
        }
    )
