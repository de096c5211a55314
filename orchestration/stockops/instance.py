"""The Dagster instance in DAGSTER_HOME: one run at a time, because DuckDB has one writer.

`ensure_instance_config` writes `$DAGSTER_HOME/dagster.yaml` when it is missing (an existing file is
the operator's and is left alone):

- a QueuedRunCoordinator with `max_concurrent_runs: 1`, so runs started by the landing sensor, the
  schedules and the UI wait in the queue instead of writing the DuckDB file at the same time (runs
  made by `stockops run` execute in that process, are recorded as started in the same instance and
  so also hold back the queue while they run);
- the StockopsRunLauncher and run monitoring: the daemon checks every 15 s that each started run's
  process still exists and marks the run failed when it does not (stockops/run_liveness.py), so a
  run killed with SIGKILL never holds the queue;
- telemetry disabled.

The runs themselves keep the in_process executor (definitions.py): the steps of a run execute one
after another in one process. `python -m stockops.instance` writes the file for the current
settings; `make dev` does this before it starts `dagster dev`, which reads the file at start-up.
"""

from __future__ import annotations

import os
from pathlib import Path

INSTANCE_FILE = "dagster.yaml"

INSTANCE_YAML = """\
# Written by stockops (stockops/instance.py) because this file was missing; edit freely, stockops
# never overwrites it.
#
# DuckDB allows one writing process: runs started by the sensor, the schedules and the UI queue up
# and execute one at a time.
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: 1

# A run whose process is gone (killed, crashed) is marked failed instead of staying STARTED
# forever: the launcher tells run monitoring whether a run's process still exists.
run_launcher:
  module: stockops.run_liveness
  class: StockopsRunLauncher
run_monitoring:
  enabled: true
  poll_interval_seconds: 15
  max_resume_run_attempts: 0

telemetry:
  enabled: false
"""


def ensure_instance_config(dagster_home: str | os.PathLike[str]) -> Path:
    """Write `<dagster_home>/dagster.yaml` when it does not exist; return its path."""
    home = Path(dagster_home)
    home.mkdir(parents=True, exist_ok=True)
    path = home / INSTANCE_FILE
    if path.exists():
        return path
    temp = home / f".{INSTANCE_FILE}.{os.getpid()}.tmp"
    temp.write_text(INSTANCE_YAML)
    try:
        # link, not replace: when two processes race, the first file wins and stays untouched
        os.link(temp, path)
    except FileExistsError:
        pass
    finally:
        temp.unlink(missing_ok=True)
    return path


def missing_liveness_settings(path: Path) -> bool:
    """Whether an existing dagster.yaml lacks the run monitoring that fails killed runs."""
    text = path.read_text() if path.exists() else ""
    return "StockopsRunLauncher" not in text or "run_monitoring" not in text


def main() -> None:
    from stockops import settings

    cfg = settings.load().export()  # export() calls ensure_instance_config
    path = cfg.dagster_home / INSTANCE_FILE
    print(f"Dagster instance: {path}")
    if missing_liveness_settings(path):
        print(
            f"warning: {path} has no `run_launcher: StockopsRunLauncher` with `run_monitoring`: "
            "a run killed with SIGKILL stays STARTED until the next `stockops run` (see "
            "docs/configuration.md)"
        )


if __name__ == "__main__":
    main()
