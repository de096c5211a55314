"""Resources: the dbt project and CLI resource, built from the settings."""

from __future__ import annotations

import shutil
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from stockops import settings


@cache
def dbt_project() -> DbtProject:
    cfg = settings.load()
    project = DbtProject(project_dir=cfg.project_dir, profiles_dir=cfg.project_dir)
    project.prepare_if_dev()  # `dagster dev` re-parses; everything else uses the manifest from `make setup`
    return project


def dbt_executable() -> str:
    """The dbt installed beside this Python (the venv), else whatever is on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable())
