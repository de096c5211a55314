"""A run whose process was killed is found and marked failed; a live run is left alone.

Real Dagster runs in processes of their own (support.start_sleeping_run), killed with SIGKILL; a
real instance with the dagster.yaml stockops writes (run monitoring with StockopsRunLauncher).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.launcher import WorkerStatus

from stockops import run_liveness
from stockops.run_liveness import StockopsRunLauncher, fail_dead_runs, process_gone

from support import start_sleeping_runs


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.mark.slow
def test_killed_runs_are_marked_failed_live_runs_are_not(tmp_path: Path) -> None:
    home = tmp_path / "dagster"
    # like a daemon-launched run (pid only in Dagster's engine events) and like `stockops run`
    # (pid and host tags as well)
    [(untagged, untagged_id), (tagged, tagged_id), (live, live_id)] = start_sleeping_runs(
        home, [{}, run_liveness.run_tags(), {}]
    )
    try:
        _kill(untagged)
        _kill(tagged)
        with dg.DagsterInstance.from_config(str(home)) as instance:
            launcher = instance.run_launcher
            assert isinstance(launcher, StockopsRunLauncher)
            assert instance.run_monitoring_enabled
            health = {
                run_id: launcher.check_run_worker_health(instance.get_run_by_id(run_id)).status
                for run_id in (untagged_id, tagged_id, live_id)
            }
            assert health == {
                untagged_id: WorkerStatus.NOT_FOUND,
                tagged_id: WorkerStatus.NOT_FOUND,
                live_id: WorkerStatus.RUNNING,
            }
            failed = dict(fail_dead_runs(instance))
            assert set(failed) == {untagged_id, tagged_id}
            assert failed[untagged_id] == (
                f"its process (pid {untagged.pid}) is gone: it was killed or crashed"
            )
            statuses = {
                run_id: instance.get_run_by_id(run_id).status
                for run_id in (untagged_id, tagged_id, live_id)
            }
            assert statuses == {
                untagged_id: dg.DagsterRunStatus.FAILURE,
                tagged_id: dg.DagsterRunStatus.FAILURE,
                live_id: dg.DagsterRunStatus.STARTED,
            }
            assert fail_dead_runs(instance) == []  # nothing left to do
    finally:
        for proc in (untagged, tagged, live):
            if proc.poll() is None:
                _kill(proc)


def test_run_on_another_host_is_left_alone(tmp_path: Path) -> None:
    home = tmp_path / "dagster"
    from stockops.instance import ensure_instance_config

    ensure_instance_config(home)
    with dg.DagsterInstance.from_config(str(home)) as instance:

        @dg.op
        def noop() -> None:
            return None

        @dg.job
        def elsewhere() -> None:
            noop()

        run = instance.create_run_for_job(
            elsewhere,
            tags={run_liveness.PID_TAG: "999999", run_liveness.HOST_TAG: "another-host.example"},
        )
        assert run_liveness.dead_run_reason(instance, run) is None


def test_process_gone() -> None:
    now = time.time()
    assert not process_gone(os.getpid(), now)
    # our pid, but recorded before this process started: another process's pid, reused
    assert process_gone(os.getpid(), now - 10 * 365 * 86400)
    # exited but not reaped (a zombie) counts as gone
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while not process_gone(child.pid, now) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process_gone(child.pid, now)
    child.wait()
    assert process_gone(child.pid, now)
