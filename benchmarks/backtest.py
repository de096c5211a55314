"""`make backtest`: run the default outcome backtest, record its timing as a benchmark result
(results/<timestamp>-backtest.json) and regenerate BENCHMARKS.md.

Usage: python benchmarks/backtest.py --out reports/backtest [stockops backtest options ...]
The report itself (BACKTEST.md, backtest.json, PNG plots) goes to --out; the result file holds the
wall time, the workers' split (decision SQL, queue, world), the configuration and the load
averages before and after, because the machine is shared.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import measure  # noqa: E402
import report  # noqa: E402
from run import machine_info, versions  # noqa: E402


def main(argv: list[str]) -> int:
    if "--out" not in argv:
        raise SystemExit("usage: benchmarks/backtest.py --out DIR [stockops backtest options]")
    out = Path(argv[argv.index("--out") + 1]).resolve()
    before = measure.loadavg()
    started = time.monotonic()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "stockops"), "backtest", *argv], check=False
    )
    wall = time.monotonic() - started
    if done.returncode != 0:
        return done.returncode
    data = json.loads((out / "backtest.json").read_text())
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result = {
        "kind": "backtest",
        "timestamp": stamp,
        "command": ["stockops", "backtest", *argv],
        "wall_s": round(wall, 1),
        "loadavg_before": before,
        "loadavg_after": measure.loadavg(),
        "machine": machine_info(),
        "versions": versions(),
        "config": data["config"],
        "timing": data["timing"],
    }
    path = HERE / "results" / f"{stamp}-backtest.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"recorded {path}")
    print(report.write(HERE / "results", HERE.parent / "BENCHMARKS.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
