"""Resources: the dbt project and CLI resource, built from the settings."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from stockops import settings


@cache
def dbt_project() -> DbtProject:
    cfg = settings.load()
    project = DbtProject(
        project_dir=cfg.project_dir, profiles_dir=cfg.project_dir, target_path=dev_target_path()
    )
    project.prepare_if_dev()  # `dagster dev` re-parses; everything else uses the manifest from `make setup`
    return project


def dev_target_path() -> str:
    """Where the manifest lives: the project's target/ (written by `make setup`), except that a
    `dagster dev` (which re-parses the project at every code load) honours dbt's own DBT_TARGET_PATH,
    so it can parse into a folder of its own while other processes read target/manifest.json."""
    if os.environ.get("DAGSTER_IS_DEV_CLI") and os.environ.get("DBT_TARGET_PATH"):
        return os.environ["DBT_TARGET_PATH"]
    return "target"


def dbt_executable() -> str:
    """The dbt installed beside this Python (the venv), else whatever is on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


class StockopsDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt CLI resource without its in-process dbt adapter.

    Before every invocation dagster-dbt loads the profile and project and registers a dbt adapter
    in the orchestrating process (1.9 s on an idle machine, 3.5 s during a bench run), used only by
    `fetch_row_counts()` / `fetch_column_metadata()`, which stockops does not call. dbt itself runs
    in its subprocess either way."""

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


def dbt_resource() -> DbtCliResource:
    return StockopsDbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable())
