"""One writer on the DuckDB file: a second `stockops run` says who holds it and changes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from stockops.warehouse import lock_holder

from support import CSV_FIXTURE


def test_run_refuses_clearly_while_another_process_writes(tmp_path: Path) -> None:
    db = tmp_path / "stockops.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time\n"
            f"con = duckdb.connect({str(db)!r}); con.execute('create table t (x int)')\n"
            "print('holding', flush=True); time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        assert f"PID {holder.pid}" in (lock_holder(db) or "")
        out = subprocess.run(
            [
                str(Path(sys.executable).parent / "stockops"),
                "run",
                "--warehouse",
                str(tmp_path),
                "--landing",
                str(CSV_FIXTURE),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        holder.kill()
        holder.wait()
    assert out.returncode == 2
    [line] = out.stderr.strip().splitlines()
    assert "another process is writing the warehouse" in line and f"PID {holder.pid}" in line
    assert "Traceback" not in out.stderr
    assert lock_holder(db) is None  # released with its process
