"""Runs whose process is gone: found and marked failed, so a killed run never holds the queue.

A run executes in one process (the in_process executor): `stockops run` itself, or the worker a
launcher started for the daemon. Dagster records that process's pid — in the engine events
"Started process for run (pid: N)" and "Executing steps in process (pid: N)" — and `stockops run`
also tags its runs with `stockops/pid` and `stockops/host` when it creates them. A run still
STARTED whose process no longer exists (killed with SIGKILL, the machine's OOM killer, a power
cut) would stay STARTED forever, and with one run at a time (dagster.yaml) hold back every sensor
and schedule run.

- `fail_dead_runs(instance)` marks every such run failed; `stockops run` calls it before it starts.
- `StockopsRunLauncher` is Dagster's DefaultRunLauncher that can tell whether a run's worker is
  alive, so the daemon's run monitoring (dagster.yaml: `run_monitoring`) fails dead runs, those
  the daemon launched and those `stockops run` executed, within `poll_interval_seconds`.

A process counts as gone when it does not exist, is a zombie, or is another process that reuses
the pid (it started after the pid was recorded). A run recorded on another host, or whose process
is unknown, is left alone.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from dagster import DagsterInstance, DagsterRun, DagsterRunStatus, RunsFilter
from dagster._core.events import DagsterEventType
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, WorkerStatus

PID_TAG = "stockops/pid"
HOST_TAG = "stockops/host"
# /proc start times have clock-tick resolution and boot time whole seconds
START_SLACK_SECONDS = 2.0


def run_tags() -> dict[str, str]:
    """Tags for a run that executes in this process."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise OSError("no btime in /proc/stat")


def process_gone(pid: int, recorded_at: float) -> bool:
    """True when process `pid`, alive at `recorded_at` (epoch seconds), has certainly ended."""
    if pid <= 0:
        return False
    stat_file = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").exists():
        try:
            stat = stat_file.read_text()
        except (FileNotFoundError, ProcessLookupError):
            return True
        except OSError:
            return False
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] in ("Z", "X"):  # zombie or dead: exited, not reaped yet
            return True
        started = _boot_time() + int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return started > recorded_at + START_SLACK_SECONDS  # the pid belongs to a newer process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def run_process(instance: DagsterInstance, run: DagsterRun) -> tuple[int, float] | None:
    """(pid, epoch seconds when it was known alive) of the process executing `run`, if recorded."""
    found: tuple[int, float] | None = None
    for record in instance.all_logs(run.run_id, of_type=DagsterEventType.ENGINE_EVENT):
        event = record.dagster_event
        data = event.engine_event_data if event is not None else None
        pid = data.metadata.get("pid") if data is not None else None
        if pid is not None and str(pid.value).isdigit():
            found = (int(pid.value), record.timestamp)
    if found is None and run.tags.get(PID_TAG, "").isdigit():
        record = instance.get_run_record_by_id(run.run_id)
        if record is not None:
            found = (int(run.tags[PID_TAG]), record.create_timestamp.timestamp())
    return found


def dead_run_reason(instance: DagsterInstance, run: DagsterRun) -> str | None:
    """Why `run` can no longer finish (its process is gone), or None when it may still."""
    host = run.tags.get(HOST_TAG)
    if host and host != socket.gethostname():
        return None
    process = run_process(instance, run)
    if process is None or not process_gone(*process):
        return None
    return f"its process (pid {process[0]}) is gone: it was killed or crashed"


def fail_dead_runs(instance: DagsterInstance) -> list[tuple[str, str]]:
    """Mark every started run whose process is gone as failed; [(run_id, reason)]."""
    failed = []
    runs = instance.get_runs(
        filters=RunsFilter(statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING])
    )
    for run in runs:
        reason = dead_run_reason(instance, run)
        if reason:
            instance.report_run_failed(run, f"Run {run.run_id} marked failed: {reason}.")
            failed.append((run.run_id, reason))
    return failed


class StockopsRunLauncher(DefaultRunLauncher):
    """DefaultRunLauncher (runs in a process of the code server) whose workers' health the
    daemon's run monitoring can check."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        reason = dead_run_reason(self._instance, run)
        if reason:
            return CheckRunHealthResult(WorkerStatus.NOT_FOUND, reason)
        return CheckRunHealthResult(WorkerStatus.RUNNING)
