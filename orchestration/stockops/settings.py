"""Configuration in one place: paths and knobs from environment variables with working defaults.

Every path is made absolute here and exported back into the environment, so dbt (run as a
subprocess by Dagster or by hand) sees exactly the same files as the Python side.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DUCKDB_FILE_NAME = "stockops.duckdb"  # fixed: dbt-duckdb bakes the stem into the manifest
QUEUE_FILE_NAME = "queue.sqlite"
PUBLISHED_DIR_NAME = "published"

# The ten landing tables a company brings (docs/landing-contract.md), plus the owners' events.
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

    @property
    def published_dir(self) -> Path:
        """Parquet copies of the marts that readers (BI tools, the CLI) use, never the DuckDB file."""
        return self.warehouse_dir / PUBLISHED_DIR_NAME

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
        """Write the absolute paths into os.environ (for dbt subprocesses), create folders and the
        Dagster instance's dagster.yaml (one run at a time) when it is missing."""
        from stockops.instance import ensure_instance_config

        os.environ.update(self.env())
        self.warehouse_dir.mkdir(parents=True, exist_ok=True)
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        ensure_instance_config(self.dagster_home)
        return self


def default_landing_dir(project_dir: Path) -> Path:
    """Where `make demo` lands (and generates) the sample data when nothing else is named."""
    return _abs(project_dir / "data" / "landing")


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


# ------------------------------------------------------------------------ knobs of unattended runs
def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a number, got {raw!r}")
    return value


def sensor_interval_seconds() -> int:
    """How often the landing sensor looks for new files (STOCKOPS_SENSOR_INTERVAL_SECONDS, 30)."""
    return max(1, int(_env_number("STOCKOPS_SENSOR_INTERVAL_SECONDS", 30)))


def sensor_settle_seconds() -> float:
    """A landing file changed more recently than this is left for the next sensor tick, so a file
    still being written does not start a run (STOCKOPS_SENSOR_SETTLE_SECONDS, 2)."""
    return max(0.0, _env_number("STOCKOPS_SENSOR_SETTLE_SECONDS", 2))


def daily_cron() -> str:
    """Cron schedule of the daily full build (STOCKOPS_DAILY_CRON, "0 2 * * *")."""
    return os.environ.get("STOCKOPS_DAILY_CRON", "").strip() or "0 2 * * *"


def sweep_cron() -> str:
    """Cron schedule of the escalation sweep (STOCKOPS_SWEEP_CRON, "0 * * * *": hourly)."""
    return os.environ.get("STOCKOPS_SWEEP_CRON", "").strip() or "0 * * * *"


def schedule_timezone() -> str:
    """Time zone of the schedules' cron expressions (STOCKOPS_SCHEDULE_TIMEZONE, UTC)."""
    return os.environ.get("STOCKOPS_SCHEDULE_TIMEZONE", "").strip() or "UTC"


def max_median_latency_hours() -> float:
    """Bound of the signal-to-queue latency check (STOCKOPS_MAX_MEDIAN_LATENCY_HOURS, 24)."""
    return _env_number("STOCKOPS_MAX_MEDIAN_LATENCY_HOURS", 24)


def warehouse_lock_wait_seconds() -> float:
    """How long a run's build waits for another process to release the warehouse (e.g. the dbt of
    a run that was killed, still finishing) before it fails (STOCKOPS_WAREHOUSE_LOCK_WAIT_SECONDS,
    600)."""
    return max(0.0, _env_number("STOCKOPS_WAREHOUSE_LOCK_WAIT_SECONDS", 600))


def as_of_date_problem(text: str | None) -> str | None:
    """Why `text` is not an as-of date (YYYY-MM-DD, a real calendar date), or None if it is one."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10 and date.fromisoformat(text):
            return None
    except ValueError:
        pass
    return f"must be a date YYYY-MM-DD, got {text!r}"
