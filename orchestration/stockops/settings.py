"""Configuration in one place: paths and knobs from environment variables with working defaults.

Every path is made absolute here and exported back into the environment, so dbt (run as a
subprocess by Dagster or by hand) sees exactly the same files as the Python side.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DUCKDB_FILE_NAME = "stockops.duckdb"  # fixed: dbt-duckdb bakes the stem into the manifest
QUEUE_FILE_NAME = "queue.sqlite"

# The ten landing tables of DESIGN §3 that a company brings, plus the owners' events.
LANDING_TABLES = (
    "inventory_transactions",
    "purchase_order_lines",
    "products",
    "locations",
    "suppliers",
    "supplier_products",
    "constraint_resources",
    "constraint_inputs",
    "constraint_runs",
    "cash_positions",
)
EVENTS_TABLE = "decision_events"


def _default_project_dir() -> Path:
    # orchestration/stockops/settings.py -> repository root (the dbt project)
    return Path(__file__).resolve().parents[2]


def _abs(value: str | os.PathLike[str]) -> Path:
    return Path(value).expanduser().resolve()


@dataclass(frozen=True)
class Settings:
    project_dir: Path
    landing_dir: Path
    warehouse_dir: Path
    dagster_home: Path

    @property
    def duckdb_path(self) -> Path:
        return self.warehouse_dir / DUCKDB_FILE_NAME

    @property
    def queue_path(self) -> Path:
        return self.warehouse_dir / QUEUE_FILE_NAME

    @property
    def manifest_path(self) -> Path:
        return self.project_dir / "target" / "manifest.json"

    def env(self) -> dict[str, str]:
        """The environment variables that make dbt and Dagster see these paths."""
        return {
            "STOCKOPS_PROJECT_DIR": str(self.project_dir),
            "STOCKOPS_LANDING_DIR": str(self.landing_dir),
            "STOCKOPS_WAREHOUSE_DIR": str(self.warehouse_dir),
            "DAGSTER_HOME": str(self.dagster_home),
            "DBT_PROFILES_DIR": str(self.project_dir),
        }

    def export(self) -> Settings:
        """Write the absolute paths into os.environ (for dbt subprocesses) and create folders."""
        os.environ.update(self.env())
        self.warehouse_dir.mkdir(parents=True, exist_ok=True)
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        return self


def load(
    landing_dir: str | os.PathLike[str] | None = None,
    warehouse_dir: str | os.PathLike[str] | None = None,
) -> Settings:
    """Settings from explicit arguments, else environment variables, else the embedded defaults."""
    project_dir = _abs(os.environ.get("STOCKOPS_PROJECT_DIR") or _default_project_dir())
    landing = _abs(
        landing_dir or os.environ.get("STOCKOPS_LANDING_DIR") or project_dir / "data" / "landing"
    )
    warehouse = _abs(
        warehouse_dir or os.environ.get("STOCKOPS_WAREHOUSE_DIR") or project_dir / "warehouse"
    )
    if warehouse_dir is not None or not os.environ.get("DAGSTER_HOME"):
        dagster_home = warehouse / "dagster"
    else:
        dagster_home = _abs(os.environ["DAGSTER_HOME"])
    return Settings(project_dir, landing, warehouse, dagster_home)
