"""Unattended operation: the landing sensor, the schedules, the one-run-at-a-time instance, and
`dagster dev` for real — the sensor starts a run per landing batch, never for the events stockops
lands itself."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from stockops import instance, sensors
from stockops.dbt_assets import model_key
from stockops.definitions import BUILD_JOB_NAME, SWEEP_JOB_NAME, defs

from support import PROJECT_DIR

SENSOR = "landing_files_sensor"


def touch(path: Path, text: str = "x", mtime_ns: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


# ------------------------------------------------------------------------- the sensor's helpers
def test_scan_landing_lists_data_files_only(tmp_path: Path) -> None:
    touch(tmp_path / "products" / "a.parquet", "aa")
    touch(tmp_path / "inventory_transactions" / "b.csv", "bbb")
    touch(tmp_path / "inventory_transactions" / "2026" / "11" / "c.PARQUET")
    touch(tmp_path / "decision_events" / "events-000000000001-000000000009.parquet")
    touch(tmp_path / "decision_events" / "nested" / "e.parquet")
    touch(tmp_path / "inventory_transactions" / ".part.parquet")
    touch(tmp_path / "inventory_transactions" / "d.parquet.partial")
    touch(tmp_path / ".staging" / "f.parquet")
    touch(tmp_path / "scenarios.json")
    touch(tmp_path / "products" / "notes.txt")
    found = sensors.scan_landing(tmp_path)
    assert sorted(found) == [
        "inventory_transactions/2026/11/c.PARQUET",
        "inventory_transactions/b.csv",
        "products/a.parquet",
    ]
    stat = (tmp_path / "products" / "a.parquet").stat()
    assert found["products/a.parquet"] == [2, stat.st_mtime_ns]
    assert sensors.scan_landing(tmp_path / "missing") == {}


def test_changed() -> None:
    prev = {"a.parquet": [1, 10], "b.parquet": [2, 20], "gone.parquet": [3, 30]}
    now = {
        "a.parquet": [1, 10],  # unchanged
        "b.parquet": [2, 21],  # touched
        "c.parquet": [5, 50],  # new
    }
    assert sensors.changed(prev, now) == ["b.parquet", "c.parquet"]
    assert sensors.changed(now, now) == []
    assert sensors.changed({}, now) == ["a.parquet", "b.parquet", "c.parquet"]
    assert sensors.changed({"a.parquet": (1, 10)}, {"a.parquet": [1, 10]}) == []


def test_files_still_being_written_wait_for_the_next_tick() -> None:
    second = 1_000_000_000
    prev = {"old.parquet": [1, 1 * second]}
    now = {
        "old.parquet": [1, 1 * second],
        "settled.csv": [5, 5 * second],
        "young.csv": [7, 99 * second],
    }
    ready, cursor = sensors.evaluate_landing(prev, now, wall_ns=100 * second, settle_seconds=2)
    assert ready == ["settled.csv"]
    assert cursor == {"old.parquet": [1, second], "settled.csv": [5, 5 * second]}
    ready, cursor = sensors.evaluate_landing(cursor, now, wall_ns=102 * second, settle_seconds=2)
    assert ready == ["young.csv"]
    assert cursor == now


def test_sensor_requests_one_run_per_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STOCKOPS_LANDING_DIR", str(tmp_path))
    monkeypatch.setenv("STOCKOPS_WAREHOUSE_DIR", str(tmp_path.parent / "warehouse"))
    monkeypatch.setenv("STOCKOPS_SENSOR_SETTLE_SECONDS", "0")
    touch(tmp_path / "products" / "a.parquet")
    touch(tmp_path / "inventory_transactions" / "a.parquet")

    def tick(cursor: str | None) -> dg.SensorResult:
        result = sensors.landing_files_sensor(dg.build_sensor_context(cursor=cursor))
        assert isinstance(result, dg.SensorResult)
        return result

    first = tick(None)
    assert (tmp_path.parent / "warehouse").is_dir()  # ready for dbt-duckdb to create the file
    [request] = first.run_requests
    assert request.tags[sensors.TRIGGER_TAG] == "landing_files"
    assert request.tags[sensors.CHANGED_FILES_TAG] == "2"
    assert request.tags[sensors.CHANGED_TABLES_TAG] == "inventory_transactions,products"
    assert set(json.loads(first.cursor)["files"]) == {
        "inventory_transactions/a.parquet",
        "products/a.parquet",
    }

    quiet = tick(first.cursor)
    assert not quiet.run_requests and "nothing changed" in quiet.skip_reason.skip_message

    # the events stockops lands after every run are not a reason for another run
    touch(tmp_path / "decision_events" / "events-000000000001-000000000005.parquet")
    touch(tmp_path / "inventory_transactions" / ".b.parquet.partial")
    assert not tick(quiet.cursor).run_requests

    touch(tmp_path / "inventory_transactions" / "b.parquet")
    second = tick(quiet.cursor)
    [again] = second.run_requests
    assert again.tags[sensors.CHANGED_FILES_TAG] == "1"
    assert again.run_key != request.run_key
    # the same change seen from the same cursor gets the same run key (Dagster runs it once)
    assert tick(quiet.cursor).run_requests[0].run_key == again.run_key


# ----------------------------------------------------------------- instance, jobs and schedules
def test_instance_config_runs_one_at_a_time(tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    path = instance.ensure_instance_config(home)
    assert path == home / "dagster.yaml"
    with dg.DagsterInstance.from_config(str(home)) as inst:
        assert type(inst.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert inst.run_coordinator.get_run_queue_config().max_concurrent_runs == 1
    assert "telemetry:\n  enabled: false" in path.read_text()
    path.write_text("# the operator's own\n")
    instance.ensure_instance_config(home)
    assert path.read_text() == "# the operator's own\n"  # never overwritten
    assert not [p.name for p in home.iterdir() if p.name.startswith(".")]  # no temporary file


def test_schedules_sensor_and_jobs_are_registered() -> None:
    schedules = {s.name: s for s in defs.schedules}
    assert set(schedules) == {"stockops_daily_build", "stockops_hourly_escalation_sweep"}
    daily, sweep = schedules["stockops_daily_build"], schedules["stockops_hourly_escalation_sweep"]
    assert daily.job_name == BUILD_JOB_NAME and daily.cron_schedule == "0 2 * * *"
    assert sweep.job_name == SWEEP_JOB_NAME and sweep.cron_schedule == "0 * * * *"
    assert daily.default_status == sweep.default_status == dg.DefaultScheduleStatus.RUNNING
    [sensor] = defs.sensors
    assert sensor.name == SENSOR and sensor.job_name == BUILD_JOB_NAME
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.minimum_interval_seconds == 30

    sweep_keys = set(defs.resolve_job_def(SWEEP_JOB_NAME).asset_layer.selected_asset_keys)
    assert sweep_keys == {
        model_key("base_landing__decision_events"),
        model_key("stg_landing__decision_events"),
        model_key("int_decision_event_checks"),
        model_key("stg_landing__quarantine"),
        model_key("int_decision_lifecycle"),
        model_key("fct_decisions"),
        model_key("fct_time_to_action"),
        model_key("fct_decision_time_to_action"),
        model_key("time_to_action_targets"),
        model_key("fct_time_to_action_targets"),
        dg.AssetKey("owner_queue"),
        dg.AssetKey("published_marts"),
    }
    for name in (BUILD_JOB_NAME, SWEEP_JOB_NAME):
        checks = defs.resolve_job_def(name).asset_layer.asset_graph.asset_check_keys
        assert {c.name for c in checks if c.asset_key == dg.AssetKey("owner_queue")} == {
            "owner_resolved",
            "overdue_escalated",
            "queue_reconciles",
            "signal_to_queue_latency",
        }


def test_published_marts_follow_every_mart() -> None:
    graph = defs.resolve_asset_graph()
    parents = graph.get(dg.AssetKey("published_marts")).parent_keys
    marts = {key for key in graph.get_all_asset_keys() if key.path[0] == "marts"}
    assert marts and parents == marts
    assert graph.get(dg.AssetKey("published_marts")).group_name == "publish"


# ---------------------------------------------------------------------- dagster dev, for real
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def queue_count(queue_path: Path) -> int:
    """Rows in the queue, read-only (the run may be writing it)."""
    if not queue_path.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{queue_path}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("select count(*) from queue_items").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def land_next_day(landing: Path, name: str) -> Path:
    """A new inventory_transactions file: the last week's sales again, all on the day after the
    last transaction, with new txn_ids. Written to a hidden temporary name, then renamed in."""
    folder = landing / "inventory_transactions"
    existing = sorted(str(p) for p in folder.glob("*.parquet"))
    target, temp = folder / f"{name}.parquet", folder / f".{name}.parquet.partial"
    con = duckdb.connect()
    try:
        con.execute(
            """
            copy (
                with landed as (select * from read_parquet(?)),
                last_day as (select max(occurred_at)::date as day from landed)
                select
                    ? || '-' || txn_id as txn_id,
                    (day + 1) + (occurred_at - occurred_at::date) as occurred_at,
                    sku_id, location_id, txn_type, quantity, unit_cost, reference_id, reason_code
                from landed, last_day
                where txn_type = 'sale' and occurred_at::date > day - 7
            ) to ? (format parquet)
            """,
            [existing, name, str(temp)],
        )
    finally:
        con.close()
    os.replace(temp, target)
    return target


class DagsterDev:
    """`dagster dev` in its own process group, its output in a log file."""

    def __init__(self, env: dict[str, str], log: Path, port: int) -> None:
        self.log = log
        self.port = port
        self._handle = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "dagster"),
                "dev",
                "-m",
                "stockops.definitions",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
            ],
            cwd=PROJECT_DIR,
            env=env,
            stdout=self._handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        try:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGTERM)
                try:
                    self.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    pass
            # the whole group: webserver, daemon, code servers and any run worker
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=30)
        finally:
            self._handle.close()


def sensor_runs(inst: dg.DagsterInstance) -> list[dg.DagsterRun]:
    return list(
        reversed(inst.get_runs(filters=dg.RunsFilter(tags={"dagster/sensor_name": SENSOR})))
    )


def wait_for(what: str, condition, dev: DagsterDev, timeout: float = 480) -> None:
    started = time.monotonic()
    last_report = 0.0
    while True:
        done, progress = condition()
        elapsed = time.monotonic() - started
        if done:
            print(f"[{elapsed:5.0f}s] {what}: {progress}", flush=True)
            return
        if "Error loading repository location" in dev.log.read_text(errors="replace"):
            pytest.fail(f"the code location failed to load in dagster dev:\n{dev.tail(120)}")
        if dev.proc.poll() is not None:
            pytest.fail(
                f"dagster dev exited ({dev.proc.returncode}) waiting for {what}:\n{dev.tail()}"
            )
        if elapsed > timeout:
            pytest.fail(
                f"timed out after {timeout:.0f}s waiting for {what} ({progress}):\n{dev.tail()}"
            )
        if elapsed - last_report >= 10:
            print(f"[{elapsed:5.0f}s] waiting for {what}: {progress}", flush=True)
            last_report = elapsed
        time.sleep(2)


def child_pids(pid: int) -> list[int]:
    """The direct children of process `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def kill_stockops_run_mid_build(env: dict[str, str], target_dir: Path, log: Path) -> list[int]:
    """Start `stockops run`, SIGKILL it once its dbt build is under way; return the pids of the
    children it leaves behind (its dbt, which goes on writing the warehouse for a while)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "stockops"), "run"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 300
    while not list(target_dir.glob("stockops_dbt_models-*")):
        assert proc.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, "stockops run did not start its build"
        time.sleep(0.5)
    time.sleep(3)
    orphans = child_pids(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return orphans


@pytest.mark.slow
def test_dagster_dev_sensor_runs_once_per_landing_batch(tmp_path: Path) -> None:
    """Also: a `stockops run` killed with SIGKILL mid-build does not hold the queue. The daemon's
    run monitoring marks its run failed, and the sensor's runs start (waiting for the killed run's
    dbt to release the warehouse) and finish."""
    from stockops import generate

    landing, warehouse, home = tmp_path / "landing", tmp_path / "warehouse", tmp_path / "dagster"
    generate.generate(landing, seed=11, **generate.SCALES["tiny"])
    instance.ensure_instance_config(home)  # before dagster dev reads the instance
    queue = warehouse / "queue.sqlite"
    env = {
        **os.environ,
        # dagster dev re-parses the dbt project with `dbt` from PATH (DbtProject.prepare_if_dev)
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DAGSTER_HOME": str(home),
        "STOCKOPS_PROJECT_DIR": str(PROJECT_DIR),
        "STOCKOPS_LANDING_DIR": str(landing),
        "STOCKOPS_WAREHOUSE_DIR": str(warehouse),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_TARGET_PATH": str(tmp_path / "dbt_target"),
        "STOCKOPS_SENSOR_INTERVAL_SECONDS": "5",
        "STOCKOPS_SENSOR_SETTLE_SECONDS": "1",
        # the schedules must not start runs of their own during the test
        "STOCKOPS_DAILY_CRON": "0 3 1 1 *",
        "STOCKOPS_SWEEP_CRON": "0 3 1 1 *",
    }
    env.pop("STOCKOPS_AS_OF_DATE", None)

    orphans = kill_stockops_run_mid_build(env, tmp_path / "dbt_target", tmp_path / "killed_run.log")
    with dg.DagsterInstance.from_config(str(home)) as inst:
        [killed] = inst.get_runs()
        assert killed.status == dg.DagsterRunStatus.STARTED  # what nobody would ever change

    dev = DagsterDev(env, tmp_path / "dagster_dev.log", free_port())
    try:
        with dg.DagsterInstance.from_config(str(home)) as inst:

            def killed_run_failed():
                status = inst.get_run_by_id(killed.run_id).status
                return status == dg.DagsterRunStatus.FAILURE, f"killed run {status.value}"

            wait_for("run monitoring to fail the killed run", killed_run_failed, dev)

            def first_run_done():
                runs = sensor_runs(inst)
                statuses = [r.status.value for r in runs]
                if any(r.status == dg.DagsterRunStatus.FAILURE for r in runs):
                    pytest.fail(f"sensor run failed: {statuses}\n{dev.tail()}")
                ok = runs and runs[0].status == dg.DagsterRunStatus.SUCCESS
                count = queue_count(queue)
                return bool(ok and count > 0), f"sensor runs {statuses}, queue rows {count}"

            wait_for("the first sensor run", first_run_done, dev)
            first_count = queue_count(queue)
            assert (landing / "decision_events").is_dir()  # the export landed the owners' events
            assert (warehouse / "published" / "fct_decisions.parquet").exists()

            land_next_day(landing, "part-00001")

            def second_run_done():
                runs = sensor_runs(inst)
                statuses = [r.status.value for r in runs]
                if any(r.status == dg.DagsterRunStatus.FAILURE for r in runs):
                    pytest.fail(f"sensor run failed: {statuses}\n{dev.tail()}")
                done = len(runs) >= 2 and runs[1].status == dg.DagsterRunStatus.SUCCESS
                return done, f"sensor runs {statuses}, queue rows {queue_count(queue)}"

            wait_for("the second sensor run", second_run_done, dev)
            assert queue_count(queue) > first_count

            # a few more sensor ticks: the events landed by the second run start nothing
            time.sleep(12)
            runs = sensor_runs(inst)
            assert [r.tags["stockops/changed_files"] for r in runs] == [
                str(len(sensors.scan_landing(landing)) - 1),
                "1",
            ]
            assert len(runs) == 2, [r.tags for r in runs]
            assert all(r.job_name == BUILD_JOB_NAME for r in runs)
            assert len(inst.get_runs()) == 3  # nothing else ran either (the killed run, failed)
            [failure] = inst.all_logs(killed.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
            assert "is gone: it was killed or crashed" in failure.dagster_event.message
    finally:
        dev.stop()
        for pid in orphans:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
