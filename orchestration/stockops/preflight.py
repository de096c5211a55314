"""Before a build writes anything: the configuration validated and every backend reached.

`stockops run` calls `problems(cfg)` first; each problem is one line naming the setting or the
file and what is wrong with it, so a typo costs seconds instead of a whole build:

- every STOCKOPS_* setting validates (stockops.settings.StockopsSettings: numbers, the as-of
  date, time zone, queue backend, webhook URL and secrets), then the dbt target; the schedules'
  cron expressions last, as they need Dagster loaded;
- the warehouse and Dagster home are directories stockops can write (or can create);
- the warehouse's DuckDB file opens and no other process is writing it;
- the queue opens: queue.sqlite passes SQLite's quick check, or the PostgreSQL server answers
  (within POSTGRES_CONNECT_TIMEOUT_SECONDS);
- `$DAGSTER_HOME/dagster.yaml`, when present, is a YAML mapping.

Nothing here writes: a failed check leaves the disk as it was.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from stockops import settings
from stockops.redaction import scrub

POSTGRES_CONNECT_TIMEOUT_SECONDS = 5


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return scrub(text.splitlines()[0] if text else type(exc).__name__)


def config_problems() -> list[str]:
    """Every STOCKOPS_* setting that does not validate (stockops.settings), one line each; then
    the dbt target, which needs valid settings to be read."""
    found = settings.problems()
    return found or [p for p in [_dbt_target_problem()] if p]


def schedule_problems() -> list[str]:
    """The schedules' cron expressions as Dagster reads them (imports Dagster: checked last)."""
    from dagster._utils.schedules import is_valid_cron_string

    cfg = settings.current()
    return [
        f"{name}: {expression!r} is not a cron expression (five fields, e.g. '0 2 * * *')"
        for name, expression in (
            ("STOCKOPS_DAILY_CRON", cfg.daily_cron),
            ("STOCKOPS_SWEEP_CRON", cfg.sweep_cron),
        )
        if not is_valid_cron_string(expression)
    ]


def _dbt_target_problem() -> str | None:
    import yaml

    target = settings.current().dbt_target
    profiles = settings.load().project_dir / "profiles.yml"
    try:
        outputs = yaml.safe_load(profiles.read_text())["stockops"]["outputs"]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None  # dbt itself reports an unreadable profile
    if target in outputs:
        return None
    return f"STOCKOPS_DBT_TARGET: no target {target!r} in {profiles} (have: {', '.join(outputs)})"


def directory_problem(name: str, path: Path) -> str | None:
    """Why `path` cannot be (or become) a directory stockops writes into, or None."""
    if path.exists():
        if not path.is_dir():
            return f"{name} {path} is a file, not a directory"
        if not os.access(path, os.W_OK | os.X_OK):
            return f"{name} {path} is not writable"
        return None
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"{name} {path} cannot be created: {parent} is a file"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"{name} {path} cannot be created: {parent} is not writable"
    return None


def warehouse_problem(duckdb_path: Path) -> str | None:
    """Why the warehouse's DuckDB file cannot be used now (corrupt, not DuckDB, being written)."""
    import duckdb

    from stockops.warehouse import lock_holder

    if not duckdb_path.exists():
        return None
    if not duckdb_path.is_file():
        return f"the warehouse file {duckdb_path} is not a file"
    try:
        holder = lock_holder(duckdb_path)
    except duckdb.Error as exc:
        return f"the warehouse {duckdb_path} cannot be opened: {_first_line(exc)}"
    if holder:
        return (
            f"another process is writing the warehouse {duckdb_path} ({holder}); a run is in "
            "progress (e.g. started by the Dagster sensor or schedule). Try again when it finishes."
        )
    return None


def queue_problem(queue_path: Path) -> str | None:
    """Why the configured queue backend cannot be used: the SQLite file is damaged, or the
    PostgreSQL server does not answer."""
    from stockops.queue.backends import open_store

    store = open_store(queue_path)
    if store.dialect.name == "postgres":
        dsn = settings.current().postgres_dsn
        return _postgres_problem(dsn.get_secret_value() if dsn else "")
    if not queue_path.exists():
        return None
    if not queue_path.is_file():
        return f"the queue file {queue_path} is not a file"
    try:
        con = sqlite3.connect(f"file:{queue_path}?mode=ro", uri=True, timeout=10)
        try:
            verdict = con.execute("pragma quick_check").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error as exc:
        return f"the queue {queue_path} cannot be opened: {_first_line(exc)}"
    if verdict != "ok":
        return f"the queue {queue_path} is damaged: {scrub(str(verdict).splitlines()[0])}"
    return None


def _postgres_problem(dsn: str) -> str | None:
    import psycopg

    try:
        con = psycopg.connect(dsn, connect_timeout=POSTGRES_CONNECT_TIMEOUT_SECONDS)
    except (psycopg.Error, ValueError) as exc:
        return f"cannot connect to the PostgreSQL queue (STOCKOPS_POSTGRES_DSN): {_first_line(exc)}"
    try:
        con.execute("select 1")
    finally:
        con.close()
    return None


def dagster_home_problem(dagster_home: Path) -> str | None:
    import yaml

    problem = directory_problem("DAGSTER_HOME", dagster_home)
    instance_file = dagster_home / "dagster.yaml"
    if problem or not instance_file.exists():
        return problem
    try:
        config = yaml.safe_load(instance_file.read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return f"{instance_file} is not readable YAML: {_first_line(exc)}"
    if config is not None and not isinstance(config, dict):
        return f"{instance_file} must be a YAML mapping of instance settings"
    return None


def problems(cfg: settings.Settings) -> list[str]:
    """Everything that would make a build with these settings fail before it starts: the
    configuration first (no backend is tried with a broken configuration), then the paths, then
    the backends."""
    found = config_problems()
    if found:
        return found
    found = [
        p
        for p in (
            directory_problem("the warehouse directory", cfg.warehouse_dir),
            dagster_home_problem(cfg.dagster_home),
        )
        if p
    ]
    if found:
        return found
    found = [p for p in (warehouse_problem(cfg.duckdb_path), queue_problem(cfg.queue_path)) if p]
    return found or schedule_problems()
