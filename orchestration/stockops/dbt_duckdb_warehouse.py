"""A dbt-duckdb plugin that creates the warehouse directory before dbt opens the DuckDB file.

DuckDB creates a missing database file but not its directory, and dbt-duckdb opens the file before
any dbt hook runs, so `dbt build` into a `STOCKOPS_WAREHOUSE_DIR` that does not exist yet failed with
`IO Error: Cannot open file ...`. profiles.yml lists this module under the duckdb output's
`plugins:`; dbt-duckdb calls `update_connection_config` just before it connects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.credentials import DuckDBCredentials
from dbt.adapters.duckdb.plugins import BasePlugin


def ensure_parent_dir(database_path: str) -> None:
    """Create the directory of a local database file path (nothing for `:memory:` or a URL)."""
    if database_path == ":memory:" or "://" in database_path or database_path.startswith("md:"):
        return
    Path(database_path).expanduser().parent.mkdir(parents=True, exist_ok=True)


class Plugin(BasePlugin):
    def update_connection_config(self, creds: DuckDBCredentials, config: dict[str, Any]) -> None:
        ensure_parent_dir(creds.path)
