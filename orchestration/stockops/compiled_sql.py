"""The project's models as compiled SQL: `dbt compile` once, then one DuckDB script of every node.

Shared by the benchmark's reference (benchmarks/reference.py: the same logic on bare DuckDB, its
marts compared with a real run's) and the outcome backtest (stockops.backtest: the decision SQL run
in-process once per simulated day). The script is *not* a rewrite: it is each model's compiled SQL,
emitted in DAG order as `create or replace table ... as <compiled select>` statements, seeds read
with `read_csv` and the column types of their `column_types` config. Marts with an enforced
contract are created with their declared column types and `not null` constraints and filled with
`insert ... select`, as dbt-duckdb does.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

LANDING_TOKEN = "__BENCH_LANDING_DIR__"
PROJECT_TOKEN = "__BENCH_PROJECT_DIR__"
STATEMENT_MARK = "-- @@ "
DATABASE = "stockops"  # the DuckDB file stem dbt-duckdb bakes into every relation name


# ------------------------------------------------------------------------------------- compile
def compile_project(
    *,
    project_dir: Path,
    landing_dir: Path,
    scratch_dir: Path,
    dbt: Path,
    log_path: Path,
    select: str = "resource_type:model",
    extra_env: dict[str, str] | None = None,
    warehouse: Path | None = None,
    target: Path | None = None,
) -> tuple[Path, float]:
    """`dbt compile` of the selected models (default: every model) against a warehouse (default: a
    fresh, empty one, so incremental models compile their full-refresh branch); returns
    (manifest, seconds). `extra_env` sets dbt vars read from the environment (as_of_date)."""
    warehouse = warehouse or scratch_dir / "compile-warehouse"
    target = target or scratch_dir / "compile-target"
    for path in (warehouse, target):
        path.mkdir(parents=True, exist_ok=True)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("STOCKOPS_", "DBT_", "DAGSTER_"))
    }
    env.update(
        STOCKOPS_PROJECT_DIR=str(project_dir),
        STOCKOPS_LANDING_DIR=str(landing_dir),
        STOCKOPS_WAREHOUSE_DIR=str(warehouse),
        DBT_PROFILES_DIR=str(project_dir),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    env.update(extra_env or {})
    command = [
        str(dbt),
        "compile",
        "--select",
        select,
        "--target-path",
        str(target),
        "--log-path",
        str(scratch_dir / "compile-logs"),
        "--quiet",
    ]
    started = time.monotonic()
    with log_path.open("w") as log:
        done = subprocess.run(
            command, cwd=project_dir, env=env, stdout=log, stderr=subprocess.STDOUT, check=False
        )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"dbt compile failed (exit {done.returncode}); see {log_path}")
    return target / "manifest.json", seconds


def duckdb_settings(project_dir: Path) -> dict[str, Any]:
    """The DuckDB `settings` of the dev output in profiles.yml (applied to the reference too)."""
    import yaml

    profiles = yaml.safe_load((project_dir / "profiles.yml").read_text())
    return dict(profiles["stockops"]["outputs"]["dev"].get("settings") or {})


def _topological(nodes: dict[str, dict[str, Any]]) -> list[str]:
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(uid: str) -> None:
        if state.get(uid) == 2:
            return
        if state.get(uid) == 1:
            raise ValueError(f"dependency cycle at {uid}")
        state[uid] = 1
        for parent in sorted(nodes[uid]["depends_on"].get("nodes", [])):
            if parent in nodes:
                visit(parent)
        state[uid] = 2
        order.append(uid)

    for uid in sorted(nodes):
        visit(uid)
    return order


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _setting_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return sql_literal(str(value))


def _seed_sql(node: dict[str, Any], project_dir: Path) -> str:
    path = f"{PROJECT_TOKEN}/{node['original_file_path']}"
    types = node["config"].get("column_types") or {}
    type_arg = ""
    if types:
        pairs = ", ".join(f"{sql_literal(k)}: {sql_literal(v)}" for k, v in types.items())
        type_arg = f", types = {{{pairs}}}"
    return (
        f"create or replace table {node['relation_name']} as\n"
        f"select * from read_csv({sql_literal(path)}, header = true, auto_detect = true{type_arg});"
    )


def _model_sql(node: dict[str, Any], views: str) -> str:
    code = node["compiled_code"].rstrip().rstrip(";")
    relation = node["relation_name"]
    materialized = node["config"]["materialized"]
    if node["config"].get("contract", {}).get("enforced"):
        columns = list(node["columns"].values())
        defs = []
        for column in columns:
            not_null = any(c["type"] == "not_null" for c in column.get("constraints", []))
            defs.append(
                f"    {column['name']} {column['data_type']}{' not null' if not_null else ''}"
            )
        names = ", ".join(c["name"] for c in columns)
        create = f"create or replace table {relation} (\n" + ",\n".join(defs) + "\n);"
        insert = (
            f"insert into {relation} ({names})\nselect {names} from (\n{code}\n) as model_subq;"  # noqa: S608
        )
        return create + "\n" + insert
    kind = "view" if materialized == "view" and views == "view" else "table"
    return f"create or replace {kind} {relation} as (\n{code}\n);"


def build_script(
    manifest_path: Path,
    *,
    project_dir: Path,
    landing_dir: Path,
    views: str = "table",
    only: Iterable[str] | None = None,
) -> tuple[str, list[str]]:
    """The script (landing and project paths as tokens) and its node order; `only` keeps just
    those nodes (unique ids), e.g. the ancestors of one model (`ancestors`)."""
    manifest = json.loads(manifest_path.read_text())
    nodes = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed")
    }
    if only is not None:
        keep = set(only)
        nodes = {uid: node for uid, node in nodes.items() if uid in keep}
    missing = [
        uid
        for uid, n in nodes.items()
        if n["resource_type"] == "model" and n["config"]["materialized"] == "ephemeral"
    ]
    if missing:
        raise ValueError(f"ephemeral models are not supported by the reference: {missing}")
    order = _topological(nodes)
    schemas = sorted({nodes[uid]["schema"] for uid in order})
    settings = duckdb_settings(project_dir)
    parts = [
        "-- The stockops reference: the compiled SQL of every dbt model and seed, in DAG order,",
        "-- run on bare DuckDB in one process (no dbt, no Dagster, no tests, no export).",
        "-- Generated by benchmarks/run.py from `dbt compile` on a fresh warehouse; do not edit.",
        f"-- {LANDING_TOKEN} and {PROJECT_TOKEN} are replaced at execution time.",
        f"-- Views are materialised as: {views}.",
        "",
        STATEMENT_MARK + "setup",
    ]
    parts += [f"set {k} = {_setting_literal(v)};" for k, v in settings.items()]
    parts += [f"create schema if not exists {DATABASE}.{s};" for s in schemas]
    for uid in order:
        node = nodes[uid]
        parts.append("")
        parts.append(STATEMENT_MARK + uid)
        if node["resource_type"] == "seed":
            parts.append(_seed_sql(node, project_dir))
        else:
            parts.append(_model_sql(node, views))
    text = "\n".join(parts) + "\n"
    text = text.replace(str(landing_dir), LANDING_TOKEN).replace(str(project_dir), PROJECT_TOKEN)
    return text, order


def ancestors(manifest: dict[str, Any], unique_id: str) -> set[str]:
    """`unique_id` and every model and seed it depends on, directly or not."""
    seen: set[str] = set()
    stack = [unique_id]
    while stack:
        uid = stack.pop()
        if uid in seen or uid not in manifest["nodes"]:
            continue
        seen.add(uid)
        stack.extend(manifest["nodes"][uid]["depends_on"].get("nodes", []))
    return seen


def split_statements(text: str) -> list[tuple[str, str]]:
    chunks: list[tuple[str, str]] = []
    name, lines = "preamble", []
    for line in text.splitlines():
        if line.startswith(STATEMENT_MARK):
            if any(x.strip() and not x.startswith("--") for x in lines):
                chunks.append((name, "\n".join(lines)))
            name, lines = line[len(STATEMENT_MARK) :].strip(), []
        else:
            lines.append(line)
    if any(x.strip() and not x.startswith("--") for x in lines):
        chunks.append((name, "\n".join(lines)))
    return chunks
