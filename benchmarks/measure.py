"""Run a command as a subprocess and measure it: wall time, peak RSS, load, output log.

Peak RSS is reported two ways:

* ``peak_rss_tree_mb``: the largest *sum* of the resident set sizes of the process and all of its
  descendants, sampled with psutil every ``SAMPLE_SECONDS`` (a sampler can miss a short spike);
* ``peak_rss_max_process_mb``: the largest RSS of any *single* process of the tree, exact, from the
  kernel's accounting (``os.wait4`` rusage ``ru_maxrss`` of the child, which includes every
  descendant it waited for).

The tree sum is the one that matters for "fits in N GB" (the stockops process and its dbt
subprocess are alive at the same time); both are recorded.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.2
HEARTBEAT_SECONDS = 15.0


def say(message: str) -> None:
    """Progress on stderr, with the wall-clock time."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def loadavg() -> list[float]:
    return [round(x, 2) for x in psutil.getloadavg()]


def tree_rss_bytes(root: int) -> tuple[int, int]:
    """(sum of RSS over root and its descendants, number of processes), skipping any that exit
    while they are read."""
    try:
        parent = psutil.Process(root)
        tree = [parent, *parent.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    total, count = 0, 0
    for process in tree:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            continue
        count += 1
    return total, count


@dataclass
class Measured:
    command: list[str]
    returncode: int
    started_at: float  # epoch seconds
    ended_at: float
    wall_s: float
    peak_rss_tree_mb: float
    peak_rss_max_process_mb: float
    max_processes: int
    loadavg_before: list[float]
    loadavg_after: list[float]
    log_path: str
    lines: list[tuple[float, str]] = field(default_factory=list, repr=False)

    def summary(self) -> dict:
        return {
            "returncode": self.returncode,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "wall_s": round(self.wall_s, 3),
            "peak_rss_tree_mb": round(self.peak_rss_tree_mb, 1),
            "peak_rss_max_process_mb": round(self.peak_rss_max_process_mb, 1),
            "max_processes": self.max_processes,
            "loadavg_before": self.loadavg_before,
            "loadavg_after": self.loadavg_after,
            "log": self.log_path,
        }

    def first_line_time(self, predicate: Callable[[str], bool]) -> float | None:
        for ts, line in self.lines:
            if predicate(line):
                return ts
        return None


def run_measured(
    command: Sequence[str],
    *,
    label: str,
    log_path: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Measured:
    """Run ``command`` to completion; stdout+stderr go to ``log_path`` (timestamped lines)."""
    import subprocess

    log_path.parent.mkdir(parents=True, exist_ok=True)
    lines: list[tuple[float, str]] = []
    last = {"line": ""}
    before = loadavg()
    started = time.time()
    t0 = time.monotonic()
    proc = subprocess.Popen(
        list(command),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=cwd,
        text=True,
        errors="replace",
        bufsize=1,
    )

    def pump() -> None:
        assert proc.stdout is not None
        with log_path.open("w") as log:
            for line in proc.stdout:
                now = time.time()
                log.write(f"{now - started:9.3f} {line}")
                lines.append((now, line.rstrip("\n")))
                if line.strip():
                    last["line"] = line.strip()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    peak_tree, max_procs, next_beat = 0, 0, t0 + HEARTBEAT_SECONDS
    status, usage = 0, None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        total, count = tree_rss_bytes(proc.pid)
        peak_tree, max_procs = max(peak_tree, total), max(max_procs, count)
        now = time.monotonic()
        if now >= next_beat:
            next_beat = now + HEARTBEAT_SECONDS
            tail = last["line"]
            tail = tail if len(tail) <= 110 else tail[:107] + "..."
            say(f"  {label}: {now - t0:6.0f}s, RSS {total / 2**20:,.0f} MB ({count} proc) | {tail}")
        time.sleep(SAMPLE_SECONDS)
    wall = time.monotonic() - t0
    ended = time.time()
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join(timeout=30)
    # ru_maxrss is in kilobytes on Linux
    max_single = (usage.ru_maxrss / 1024) if usage is not None else 0.0
    return Measured(
        command=list(command),
        returncode=proc.returncode,
        started_at=started,
        ended_at=ended,
        wall_s=wall,
        peak_rss_tree_mb=max(peak_tree / 2**20, max_single),
        peak_rss_max_process_mb=max_single,
        max_processes=max_procs,
        loadavg_before=before,
        loadavg_after=loadavg(),
        log_path=str(log_path),
        lines=lines,
    )
