"""Published marts: every table of schema `marts` as a Parquet file that BI tools and the CLI read.

Readers never open the live DuckDB file (it has one writer, and while a run writes it a read-only
open from another process fails unpredictably, and one that gets in can make the run's next write
fail). After each build the pipeline copies every mart to
`<warehouse>/published/<table>.parquet`: DuckDB writes a temporary file in the same directory, which
is flushed to disk and then renamed onto the final name (`os.replace`, atomic on POSIX). A reader
sees either the old file or the new one, never half a file, and a reader that has the old file open
keeps reading it until it closes it. `_manifest.json` (tables, row counts, published_at) is
replaced the same way, last, so it never names a table before its file is in place.

The published marts describe themselves: the manifest gives the stockops version and, per table,
its description and grain (the dbt model's `config.meta.grain`) and each column's type (as in the
file) and description (the model's yml); each Parquet file carries the same in its key-value
metadata under `stockops.*` keys (parquet_kv_metadata in DuckDB, `schema.metadata` in pyarrow).

`publish_marts` is plain Python (DuckDB only): callable from a test or a script without Dagster.
The Dagster asset `published_marts` below calls it after every dbt model of schema `marts`.
"""

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from stockops import settings
from stockops.dbt_assets import DEFAULT_OWNER, dbt_meta, stockops_dbt_models

MARTS_SCHEMA = "marts"
MANIFEST_NAME = "_manifest.json"
TEMP_SUFFIX = ".tmp"
KV_PREFIX = "stockops."  # the key-value metadata keys of a published Parquet file


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


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


def mart_docs(dbt_manifest: Mapping[str, Any], schema: str = MARTS_SCHEMA) -> dict[str, Any]:
    """What the dbt manifest says of the models built into `schema`, by table name:
    {table: {"description", "grain", "columns": {column: description}}}."""
    docs = {}
    for node in dbt_manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model" or node.get("schema") != schema:
            continue
        docs[node.get("alias") or node["name"]] = {
            "description": (node.get("description") or "").strip() or None,
            "grain": dbt_meta(node).get("grain"),
            "columns": {
                name: (column.get("description") or "").strip() or None
                for name, column in (node.get("columns") or {}).items()
            },
        }
    return docs


def describe_table(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, docs: Mapping[str, Any]
) -> dict[str, Any]:
    """A table's entry in the manifest, bar its file and row count: description, grain and
    [{name, type, description}] per column (types as DuckDB writes them to Parquet)."""
    rows = con.execute(
        """
        select column_name, data_type from information_schema.columns
        where table_schema = ? and table_name = ? and table_catalog = current_database()
        order by ordinal_position
        """,
        [schema, table],
    ).fetchall()
    described = docs.get("columns", {})
    return {
        "description": docs.get("description"),
        "grain": docs.get("grain"),
        "columns": [
            {"name": name, "type": data_type, "description": described.get(name)}
            for name, data_type in rows
        ],
    }


def kv_metadata(table: str, entry: Mapping[str, Any], stockops_version: str) -> dict[str, str]:
    """A published file's Parquet key-value metadata: the manifest's entry for its table."""
    values = {
        "version": stockops_version,
        "table": table,
        "description": entry["description"],
        "grain": entry["grain"],
        "columns": json.dumps(entry["columns"], ensure_ascii=False),
    }
    return {KV_PREFIX + key: value for key, value in values.items() if value is not None}


def publish_marts(
    duckdb_path: str | os.PathLike[str],
    published_dir: str | os.PathLike[str],
    *,
    run_id: str | None = None,
    schema: str = MARTS_SCHEMA,
    dbt_manifest: Mapping[str, Any] | None = None,
) -> dict[str, int]:
    """Export every table of `schema` to `<published_dir>/<table>.parquet`, swapping each file in
    atomically, then write `_manifest.json`; remove published files of tables that no longer
    exist. Descriptions and grains come from `dbt_manifest` (dbt's target/manifest.json, loaded;
    without it they are null). Returns {table: row count}. Opens the DuckDB file read-only."""
    out = Path(published_dir)
    out.mkdir(parents=True, exist_ok=True)
    docs = mart_docs(dbt_manifest or {}, schema)
    stockops_version = version("stockops")
    tables: dict[str, dict[str, Any]] = {}
    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        for table in mart_tables(con, schema):
            relation = f"{_quote(schema)}.{_quote(table)}"
            entry = describe_table(con, schema, table, docs.get(table, {}))
            kv = kv_metadata(table, entry, stockops_version)
            struct = ", ".join(f"{_sql_string(key)}: ?" for key in kv)
            with _atomic_target(out / f"{table}.parquet") as temp:
                row = con.execute(
                    f"copy (select * from {relation}) to ? "  # noqa: S608 - quoted catalog names
                    f"(format parquet, kv_metadata {{{struct}}})",
                    [str(temp), *kv.values()],
                ).fetchone()
            tables[table] = {"file": f"{table}.parquet", "rows": int(row[0]) if row else 0, **entry}
    finally:
        con.close()

    manifest: dict[str, Any] = {
        "published_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "source": str(Path(duckdb_path).resolve()),
        "schema": schema,
        "run_id": run_id,
        "stockops_version": stockops_version,
        "tables": tables,
    }
    with _atomic_target(out / MANIFEST_NAME) as temp:
        temp.write_text(
            json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )

    for stale in out.glob("*.parquet"):
        if stale.stem not in tables:
            stale.unlink(missing_ok=True)  # an open reader keeps its (now unlinked) file
    try:
        _fsync(out)  # the renames themselves
    except OSError:  # pragma: no cover - directories cannot be opened for fsync everywhere
        pass
    return {table: entry["rows"] for table, entry in tables.items()}


def read_manifest(published_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The last published `_manifest.json` (empty when nothing was published yet)."""
    path = Path(published_dir) / MANIFEST_NAME
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


# --------------------------------------------------------------------------------- Dagster asset
def dbt_assets_manifest(dbt_assets: dg.AssetsDefinition) -> Mapping[str, Any]:
    """The dbt manifest the dbt assets were loaded from."""
    from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets

    return get_manifest_and_translator_from_dbt_assets([dbt_assets])[0]


def dbt_model_keys_in_schema(
    dbt_assets: dg.AssetsDefinition, schema: str = MARTS_SCHEMA
) -> list[dg.AssetKey]:
    """Asset keys of the dbt models that dbt builds into `schema`, from the manifest behind the
    dbt assets' specs (the schema dbt resolved, not a guess from the key)."""
    manifest = dbt_assets_manifest(dbt_assets)
    keys = []
    for spec in dbt_assets.specs:
        node = manifest["nodes"].get(spec.metadata.get("dagster_dbt/unique_id", ""))
        if node and node["resource_type"] == "model" and node.get("schema") == schema:
            keys.append(spec.key)
    return sorted(keys, key=lambda k: k.to_user_string())


MART_KEYS = dbt_model_keys_in_schema(stockops_dbt_models)
DBT_MANIFEST = dbt_assets_manifest(stockops_dbt_models)  # the marts' descriptions and grains


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
    counts = publish_marts(
        cfg.duckdb_path, cfg.published_dir, run_id=context.run.run_id, dbt_manifest=DBT_MANIFEST
    )
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
