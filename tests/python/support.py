"""Helpers shared by the pytest modules (importable as `support`)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from types import ModuleType

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
    return run_dbt(landing, warehouse, work, "build", *args)


def run_dbt(
    landing: Path, warehouse: Path, work: Path, command: str, *args: str, check: bool = True
) -> str:
    """A dbt command in a subprocess against these directories (the warehouse directory need not
    exist); returns its output and, with `check`, fails the test on error."""
    import sys

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
            *command.split(),
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
    assert result.returncode == 0 or not check, result.stdout[-4000:]
    return result.stdout


# A real Dagster run that sleeps in a process of its own (execute_in_process against an instance),
# for the tests that kill a run's process and expect stockops to notice.
SLEEPING_RUN_SCRIPT = """
import json, sys, time
import dagster as dg

@dg.op
def sleep_a_while() -> None:
    time.sleep(900)

@dg.job
def sleeping() -> None:
    sleep_a_while()

with dg.DagsterInstance.from_config(sys.argv[1]) as instance:
    sleeping.execute_in_process(instance=instance, tags=json.loads(sys.argv[2]))
"""


def start_sleeping_runs(
    dagster_home: Path, tag_sets: list[dict[str, str]], timeout: float = 180
) -> list[tuple[subprocess.Popen, str]]:
    """[(process, run_id)] of runs (one per tag set, started side by side) that have started
    their step and sleep; the caller kills them."""
    import json
    import sys
    import time

    import dagster as dg

    from stockops.instance import ensure_instance_config

    ensure_instance_config(dagster_home)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                SLEEPING_RUN_SCRIPT,
                str(dagster_home),
                json.dumps({**tags, "test/sleeper": str(n)}),
            ]
        )
        for n, tags in enumerate(tag_sets)
    ]
    found: dict[int, str] = {}
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        deadline = time.monotonic() + timeout
        while len(found) < len(procs):
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                for proc in procs:
                    proc.kill()
                raise AssertionError("a sleeping run did not start")
            for run in instance.get_runs(filters=dg.RunsFilter(job_name="sleeping")):
                if run.status != dg.DagsterRunStatus.STARTED:
                    continue
                if instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_START):
                    found[int(run.tags["test/sleeper"])] = run.run_id
            time.sleep(0.2)
    return [(proc, found[n]) for n, proc in enumerate(procs)]


def bench_module(name: str) -> ModuleType:
    """benchmarks/<name>.py loaded as a module (the benchmarks are scripts, not a package)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(
        f"bench_{name}", PROJECT_DIR / "benchmarks" / f"{name}.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # a dataclass in it looks its module up there
    spec.loader.exec_module(module)
    return module
