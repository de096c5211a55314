"""Helpers shared by the pytest modules (importable as `support`)."""

from __future__ import annotations

import os
from pathlib import Path

from stockops import settings

PROJECT_DIR = Path(__file__).resolve().parents[2]
CSV_FIXTURE = PROJECT_DIR / "tests" / "fixtures" / "landing_csv"


def use_dirs(landing: Path, warehouse: Path) -> settings.Settings:
    """Point stockops (and the dbt subprocesses it starts) at these directories."""
    for key in (
        "STOCKOPS_LANDING_DIR",
        "STOCKOPS_WAREHOUSE_DIR",
        "DAGSTER_HOME",
        "STOCKOPS_AS_OF_DATE",
    ):
        os.environ.pop(key, None)
    return settings.load(landing, warehouse).export()
