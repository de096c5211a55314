"""`stockops run` fails fast and in one line: a missing or empty landing directory, a malformed
setting, an unreachable or damaged backend are exit 2 before anything is written, with the cause
and the path of a log; a build that fails is exit 1, the same way; never a traceback.

Every case is a real `stockops` process against real files (and a real PostgreSQL port that
nothing listens on).
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

STOCKOPS = Path(sys.executable).parent / "stockops"
SECRET_PASSWORD = "pw-Hunter2-not-for-logs"


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def line(self) -> str:
        lines = self.stderr.splitlines()
        assert len(lines) == 1, self.stderr
        return lines[0]

    @property
    def log(self) -> Path:
        match = re.search(r"\(log: (.+?)\)$", self.line)
        assert match, self.line
        return Path(match.group(1))


def run_stockops(args: list[str], env: dict[str, str], tmp: Path, timeout: float = 600) -> Outcome:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("STOCKOPS_", "DAGSTER_"))}
    started = time.monotonic()
    done = subprocess.run(
        [str(STOCKOPS), *args],
        env={**base, "TMPDIR": str(tmp), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Outcome(done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*")) if path.exists() else []


def damaged_sqlite(path: Path) -> None:
    """A real SQLite database whose pages were overwritten halfway through."""
    con = sqlite3.connect(path)
    con.execute("create table t (id integer primary key, text text)")
    con.executemany("insert into t values (?, ?)", [(i, "x" * 200) for i in range(2000)])
    con.commit()
    con.close()
    with path.open("r+b") as handle:
        handle.seek(4096 * 3)
        handle.write(b"\xff" * 4096 * 4)


# name -> (what to prepare in the case's directory, extra args, env, expected words in the line)
def cases(tmp: Path, landing: Path) -> dict[str, tuple[list[str], dict[str, str], str]]:
    def wh(name: str) -> Path:
        return tmp / name / "warehouse"

    (tmp / "empty_landing").mkdir()
    (tmp / "landing_file").write_text("not a directory")
    (tmp / "wh_file").mkdir()
    (tmp / "wh_file" / "warehouse").write_text("not a directory")
    for name in ("corrupt_duckdb", "garbage_queue", "damaged_queue", "bad_instance", "locked"):
        wh(name).mkdir(parents=True)
    (wh("corrupt_duckdb") / "stockops.duckdb").write_bytes(os.urandom(64 * 1024))
    (wh("garbage_queue") / "queue.sqlite").write_bytes(os.urandom(64 * 1024))
    damaged_sqlite(wh("damaged_queue") / "queue.sqlite")
    (wh("bad_instance") / "dagster").mkdir()
    (wh("bad_instance") / "dagster" / "dagster.yaml").write_text("run_coordinator: [unclosed\n")
    dsn = f"host=127.0.0.1 port={free_port()} dbname=x user=x password={SECRET_PASSWORD}"
    good = ["--landing", str(landing)]
    return {
        "landing missing": (
            ["--landing", str(tmp / "no" / "such" / "landing"), "--warehouse", str(wh("a"))],
            {},
            "does not exist",
        ),
        "landing empty": (
            ["--landing", str(tmp / "empty_landing"), "--warehouse", str(wh("b"))],
            {},
            "holds no landing files",
        ),
        "landing is a file": (
            ["--landing", str(tmp / "landing_file"), "--warehouse", str(wh("c"))],
            {},
            "is a file, not a directory",
        ),
        "webhook secret malformed": (
            [*good, "--warehouse", str(wh("d"))],
            {
                "STOCKOPS_WEBHOOK_URL": "https://hooks.example.com/x",
                "STOCKOPS_WEBHOOK_SECRET": "whsec_tooshort",
            },
            "STOCKOPS_WEBHOOK_SECRET: secret #1 decodes to",
        ),
        "webhook URL malformed": (
            [*good, "--warehouse", str(wh("e"))],
            {"STOCKOPS_WEBHOOK_URL": "hooks.example.com/x", "STOCKOPS_WEBHOOK_SECRET": "x"},
            "STOCKOPS_WEBHOOK_URL must be an http:// or https:// URL",
        ),
        "as-of date malformed (env)": (
            [*good, "--warehouse", str(wh("f"))],
            {"STOCKOPS_AS_OF_DATE": "2026-02-30"},
            "STOCKOPS_AS_OF_DATE must be a date YYYY-MM-DD",
        ),
        "as-of date malformed (arg)": (
            [*good, "--warehouse", str(wh("g")), "--as-of", "31/12/2026"],
            {},
            "argument --as-of: not a date",
        ),
        "PostgreSQL unreachable": (
            [*good, "--warehouse", str(wh("h"))],
            {"STOCKOPS_QUEUE_BACKEND": "postgres", "STOCKOPS_POSTGRES_DSN": dsn},
            "cannot connect to the PostgreSQL queue",
        ),
        "queue backend unknown": (
            [*good, "--warehouse", str(wh("i"))],
            {"STOCKOPS_QUEUE_BACKEND": "mysql"},
            "STOCKOPS_QUEUE_BACKEND must be one of sqlite, postgres",
        ),
        "warehouse is a file": (
            [*good, "--warehouse", str(wh("wh_file"))],
            {},
            "is a file, not a directory",
        ),
        "stockops.duckdb corrupt": (
            [*good, "--warehouse", str(wh("corrupt_duckdb"))],
            {},
            "cannot be opened",
        ),
        "queue.sqlite not a database": (
            [*good, "--warehouse", str(wh("garbage_queue"))],
            {},
            "file is not a database",
        ),
        "queue.sqlite damaged": (
            [*good, "--warehouse", str(wh("damaged_queue"))],
            {},
            "malformed",
        ),
        "dagster.yaml broken": (
            [*good, "--warehouse", str(wh("bad_instance"))],
            {},
            "is not readable YAML",
        ),
        "cron malformed": (
            [*good, "--warehouse", str(wh("j"))],
            {"STOCKOPS_DAILY_CRON": "every day at 2"},
            "STOCKOPS_DAILY_CRON: 'every day at 2' is not a cron expression",
        ),
        "number malformed": (
            [*good, "--warehouse", str(wh("k"))],
            {"STOCKOPS_SENSOR_INTERVAL_SECONDS": "inf"},
            "STOCKOPS_SENSOR_INTERVAL_SECONDS must be a number",
        ),
        "time zone unknown": (
            [*good, "--warehouse", str(wh("l"))],
            {"STOCKOPS_SCHEDULE_TIMEZONE": "Mars/Olympus_Mons"},
            "unknown time zone",
        ),
        "warehouse being written": (
            [*good, "--warehouse", str(wh("locked"))],
            {},
            "another process is writing the warehouse",
        ),
    }


@pytest.mark.slow
def test_bad_configuration_is_one_line_and_exit_2(tiny_landing: Path, tmp_path: Path) -> None:
    landing_before = tree(tiny_landing)
    all_cases = cases(tmp_path, tiny_landing)
    holder = subprocess.Popen(  # a writer holding the warehouse, as a running build does
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('ok', flush=True); "
            "time.sleep(600)",
            str(tmp_path / "locked" / "warehouse" / "stockops.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = {
                name: pool.submit(run_stockops, ["run", *args], env, tmp_path)
                for name, (args, env, _) in all_cases.items()
            }
            outcomes = {name: future.result() for name, future in futures.items()}
    finally:
        holder.kill()
        holder.wait()
    for name, outcome in outcomes.items():
        print(
            f"{name:<30} exit {outcome.returncode} after {outcome.seconds:5.1f}s: {outcome.stderr.strip()}"
        )
    for name, (_, _, expected) in all_cases.items():
        outcome = outcomes[name]
        assert outcome.returncode == 2, (name, outcome.stderr)
        assert outcome.stdout == "", (name, outcome.stdout)
        assert outcome.line.startswith("stockops: ") and expected in outcome.line, (
            name,
            outcome.line,
        )
        assert "Traceback" not in outcome.stderr
        assert SECRET_PASSWORD not in outcome.stderr
        if name != "as-of date malformed (arg)":  # argparse: a usage line, no log
            log = outcome.log.read_text()
            assert expected in log and SECRET_PASSWORD not in log, (name, log)
    # nothing written: no landing created or filled, no warehouse, queue or Dagster instance
    assert not (tmp_path / "no").exists()
    assert tree(tmp_path / "empty_landing") == []
    assert tree(tiny_landing) == landing_before
    for name in "abcdefghijkl":
        assert not (tmp_path / name).exists(), name
    for name, kept in (("corrupt_duckdb", "stockops.duckdb"), ("damaged_queue", "queue.sqlite")):
        written = [p for p in tree(tmp_path / name / "warehouse") if not p.startswith("logs")]
        assert written == [kept], name  # only the failure's log beside it
    # the logs of failures without a warehouse directory went to the temporary directory
    assert outcomes["landing missing"].log.parent == tmp_path / "stockops-logs"
    assert (
        outcomes["stockops.duckdb corrupt"].log.parent
        == tmp_path / "corrupt_duckdb" / "warehouse" / "logs"
    )


@pytest.mark.slow
def test_failed_build_is_one_line_and_exit_1_and_dead_runs_are_failed_first(
    tiny_landing: Path, tmp_path: Path
) -> None:
    """A run that fails midway (its queue file destroyed under it, as a failing disk would) is
    one line naming the failing step, its cause and the run's log, exit 1. Before it started,
    `stockops run` marked a run that had been killed with SIGKILL as failed."""
    import dagster as dg

    from support import start_sleeping_runs

    warehouse = tmp_path / "warehouse"
    [(killed, killed_run_id)] = start_sleeping_runs(warehouse / "dagster", [{}])
    killed.kill()
    killed.wait()
    landing = tmp_path / "landing"
    subprocess.run(["cp", "-r", str(tiny_landing), str(landing)], check=True)
    proc = subprocess.Popen(
        [str(STOCKOPS), "run", "--landing", str(landing), "--warehouse", str(warehouse)],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("STOCKOPS_", "DAGSTER_"))},
            "DBT_TARGET_PATH": str(tmp_path / "target"),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # once the build is under way (dbt writes the warehouse), the queue file is destroyed
    queue = warehouse / "queue.sqlite"
    deadline = time.monotonic() + 600
    while not (queue.exists() and list((tmp_path / "target").glob("stockops_dbt_models-*"))):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.5)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{queue}{suffix}").unlink(missing_ok=True)
    queue.write_bytes(os.urandom(64 * 1024))
    stdout, stderr = proc.communicate(timeout=900)
    assert proc.returncode == 1, stderr
    assert f"marked run {killed_run_id} failed: its process (pid {killed.pid}) is gone" in stdout
    [line] = stderr.splitlines()
    assert "Traceback" not in stderr
    match = re.fullmatch(
        r"stockops: run \S+ failed after [\d.]+s: owner_queue: (.+) \(log: (.+)\)", line
    )
    assert match, line
    assert "file is not a database" in match.group(1)
    log = Path(match.group(2)).read_text()
    assert "Running dbt command" in log and "owner_queue" in log  # the run's whole output
    with dg.DagsterInstance.from_config(str(warehouse / "dagster")) as instance:
        assert instance.get_run_by_id(killed_run_id).status == dg.DagsterRunStatus.FAILURE
    with duckdb.connect(str(warehouse / "stockops.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_decisions").fetchone()[0] > 0


def test_sample_data_only_for_the_default_landing_or_when_asked(tmp_path: Path) -> None:
    """`make demo` from a fresh clone (the default data/landing, missing) still generates;
    a named directory only with --generate-sample."""
    from stockops import settings
    from stockops.cli import _landing_problem

    project = settings.load().project_dir
    default = settings.Settings(project, project / "data" / "landing", tmp_path, tmp_path / "d")
    named = settings.Settings(project, tmp_path / "mine", tmp_path, tmp_path / "d")
    assert settings.default_landing_dir(project) == default.landing_dir
    assert _landing_problem(default, generate_sample=False) is None
    assert "does not exist" in _landing_problem(named, generate_sample=False)
    assert _landing_problem(named, generate_sample=True) is None
    (tmp_path / "mine" / "products").mkdir(parents=True)
    assert "holds no landing files" in _landing_problem(named, generate_sample=False)
