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


def dbt_build(landing: Path, warehouse: Path, work: Path, *args: str) -> str:
    """`dbt build` in a subprocess against these directories; returns its output, fails the test on error."""
    import subprocess
    import sys

    warehouse.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "STOCKOPS_LANDING_DIR": str(landing),
        "STOCKOPS_WAREHOUSE_DIR": str(warehouse),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
    }
    env.pop("STOCKOPS_AS_OF_DATE", None)
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [
            str(dbt),
            "build",
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            *args,
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return result.stdout
