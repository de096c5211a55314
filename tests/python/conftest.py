"""Shared fixtures: generated landing data and isolated warehouses in temp directories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stockops import settings

PROJECT_DIR = Path(__file__).resolve().parents[2]
CSV_FIXTURE = PROJECT_DIR / "tests" / "fixtures" / "landing_csv"


@pytest.fixture(scope="session")
def tiny_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from stockops import generate

    out = tmp_path_factory.mktemp("landing") / "tiny"
    generate.generate(out, seed=7, **generate.SCALES["tiny"])
    return out


def use_dirs(landing: Path, warehouse: Path) -> settings.Settings:
    """Point stockops (and the dbt subprocesses it starts) at these directories."""
    for key in ("STOCKOPS_LANDING_DIR", "STOCKOPS_WAREHOUSE_DIR", "DAGSTER_HOME", "STOCKOPS_AS_OF_DATE"):
        os.environ.pop(key, None)
    return settings.load(landing, warehouse).export()
