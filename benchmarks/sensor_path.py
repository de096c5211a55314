"""The sensor path of the latency benchmark: a new landing file picked up by the Dagster daemon.

A code server (`dagster code-server start`) serves the code location and `dagster-daemon run`
runs the sensor and the run queue against it, as a deployment does (`dagster dev` would add a
re-parse of the dbt project to every run). Its landing sensor's cursor is first set to the files
already landed, so only the new file starts a run. Then one more day of transactions lands (written
to a hidden name, then renamed in) and the clock runs until the sensor's run has finished and the
decisions it caused are in the queue.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from measure import say

SENSOR = "landing_files_sensor"
VENV_BIN = Path(sys.executable).parent


def set_cursor(env: dict[str, str], landing: Path, log: Path) -> int:
    """Point the sensor's cursor at the files landed so far (the sensor's own cursor format)."""
    sys.path.insert(0, env["STOCKOPS_PROJECT_DIR"] + "/orchestration")
    from stockops.sensors import scan_landing

    files = scan_landing(landing)
    cursor = json.dumps({"files": files}, sort_keys=True, separators=(",", ":"))
    with open(log, "ab") as out:
        # a cursor set from the command line is stored with the sensor stopped: start it again
        for command in (["cursor", SENSOR, "--set", cursor], ["start", SENSOR]):
            subprocess.run(
                [str(VENV_BIN / "dagster"), "sensor", *command, "-m", "stockops.definitions"],
                env=env,
                cwd=env["STOCKOPS_PROJECT_DIR"],
                stdout=out,
                stderr=subprocess.STDOUT,
                check=True,
            )
    return len(files)


def sensor_runs(home: Path) -> list[dict[str, Any]]:
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as inst:
        records = inst.get_run_records(filters=dg.RunsFilter(tags={"dagster/sensor_name": SENSOR}))
        return [
            {
                "run_id": r.dagster_run.run_id,
                "status": r.dagster_run.status.value,
                "start_time": r.start_time,
                "end_time": r.end_time,
                "create_time": r.create_timestamp.timestamp(),
            }
            for r in records
        ]


def measure_sensor_path(
    *,
    env: dict[str, str],
    landing: Path,
    warehouse: Path,
    logs: Path,
    append_new_day: Callable[[Path], dict[str, Any]],
    queue_stats: Callable[..., dict[str, Any]],
    iso_utc: Callable[[float], str],
    epoch_of: Callable[[str | None], float | None],
    timeout_s: float,
) -> dict[str, Any]:
    home = Path(env["DAGSTER_HOME"])
    env = {
        **env,
        "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        # the schedules must not start runs of their own while this is measured
        "STOCKOPS_DAILY_CRON": "0 3 1 1 *",
        "STOCKOPS_SWEEP_CRON": "0 3 1 1 *",
    }
    interval = env.get("STOCKOPS_SENSOR_INTERVAL_SECONDS", "30")
    log = logs / "sensor-daemon.log"
    files = set_cursor(env, landing, logs / "sensor-cursor.log")
    known_runs = {r["run_id"] for r in sensor_runs(home)}
    port = free_port()
    workspace = logs / "sensor-workspace.yaml"
    # the location named as `-m stockops.definitions` names it, so the cursor set above applies
    workspace.write_text(
        "load_from:\n  - grpc_server:\n"
        f"      host: 127.0.0.1\n      port: {port}\n      location_name: stockops.definitions\n"
    )
    say(f"  sensor path: cursor set to {files} landed files; starting a code server and the daemon")
    handle = open(log, "ab")  # noqa: SIM115 - closed below
    processes = [
        _start(
            ["code-server", "start", "-m", "stockops.definitions", "-h", "127.0.0.1"]
            + ["-p", str(port)],
            env,
            handle,
            "dagster",
        )
    ]
    out: dict[str, Any] = {"sensor_interval_s": float(interval), "daemon_log": str(log)}
    try:
        started = time.monotonic()
        _wait_for_line(
            log,
            f"Started Dagster code proxy server for module stockops.definitions on port {port}",
            processes,
            started,
        )
        daemon = _start(["run", "-w", str(workspace)], env, handle, "dagster-daemon")
        processes.append(daemon)
        _wait_for_line(log, f"Checking for new runs for sensor: {SENSOR}", processes, started)
        out["daemon_ready_s"] = round(time.monotonic() - started, 1)
        say(f"  sensor path: daemon ticking after {out['daemon_ready_s']:.0f}s; landing a new day")
        new_day = append_new_day(landing)
        landed_at = time.time()
        out["new_day"] = new_day
        out["landed_at"] = landed_at
        queue_path = warehouse / "queue.sqlite"
        last_report = 0.0
        while True:
            runs = [r for r in sensor_runs(home) if r["run_id"] not in known_runs]
            waited = time.time() - landed_at
            status = [r["status"] for r in runs]
            if any(s in ("FAILURE", "CANCELED") for s in status):
                raise RuntimeError(f"the sensor's run failed ({status}); see {log}")
            if runs and all(s == "SUCCESS" for s in status):
                break
            if waited > timeout_s:
                raise RuntimeError(
                    f"no finished sensor run {timeout_s:.0f}s after landing ({status})"
                )
            if waited - last_report >= 30:
                say(
                    f"  sensor path: {waited:4.0f}s after landing, sensor runs {status or 'none yet'}"
                )
                last_report = waited
            time.sleep(2)
        run = runs[0]
        queue = queue_stats(queue_path, since_iso=iso_utc(landed_at))
        last = epoch_of(queue.get("new_last_enqueued_at"))
        out |= {
            "runs": runs,
            "run_id": run["run_id"],
            "queue": queue,
            "landed_to_run_created_s": round(run["create_time"] - landed_at, 1),
            "landed_to_run_start_s": round(run["start_time"] - landed_at, 1),
            "run_wall_s": round(run["end_time"] - run["start_time"], 1),
            "landed_to_run_end_s": round(run["end_time"] - landed_at, 1),
            "landed_to_last_new_queue_row_s": round(last - landed_at, 1) if last else None,
        }
        say(
            f"  sensor path: run created {out['landed_to_run_created_s']:.0f}s after landing, "
            f"finished at {out['landed_to_run_end_s']:.0f}s; {queue.get('new_rows', 0)} new queue "
            "rows"
        )
        return out
    finally:
        for proc in reversed(processes):
            _stop(proc)
        handle.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args: list[str], env: dict[str, str], log: Any, program: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(VENV_BIN / program), *args],
        env=env,
        cwd=env["STOCKOPS_PROJECT_DIR"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_for_line(log: Path, line: str, processes: list[subprocess.Popen], t0: float) -> None:
    while line not in log.read_text(errors="replace"):
        if any(p.poll() is not None for p in processes) or time.monotonic() - t0 > 300:
            raise RuntimeError(f"no '{line}' from the Dagster processes; see {log}")
        time.sleep(1)


def _stop(proc: subprocess.Popen) -> None:
    """The process and its group (the daemon's and the code server's run workers)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
