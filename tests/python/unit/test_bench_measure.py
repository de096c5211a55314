"""The benchmark's memory figures (benchmarks/measure.py): the peak RSS of a whole process tree,
measured on real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from support import bench_module

MB = 2**20

# A parent holding 150 MB starts a child holding 100 MB and waits until the child holds it; both
# stay alive together for longer than several samples.
TREE = """
import subprocess, sys, time
held = b"p" * (150 * 2**20)
child = subprocess.Popen(
    [sys.executable, "-c", "import sys, time; h = b'c' * (100 * 2**20); print('ready', flush=True); "
     "time.sleep(2)"],
    stdout=subprocess.PIPE, text=True,
)
assert child.stdout.readline().strip() == "ready"
child.wait()
"""


@pytest.fixture(scope="module")
def measure() -> ModuleType:
    return bench_module("measure")


def test_peak_rss_sums_the_process_tree(measure: ModuleType, tmp_path: Path) -> None:
    got = measure.run_measured(
        [sys.executable, "-c", TREE], label="tree", log_path=tmp_path / "tree.log"
    )
    assert got.returncode == 0
    assert got.max_processes == 2
    # the tree's figure sums both processes (the largest alone holds 150 MB and its interpreter);
    # no upper bound on the largest process: a sample taken while the child is being spawned may
    # see a process that briefly shares the parent's pages (seen on a loaded machine)
    assert got.peak_rss_max_process_mb >= 100
    assert got.peak_rss_tree_mb >= 250


def test_a_process_that_is_gone_counts_nothing(measure: ModuleType) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert measure.tree_rss_bytes(proc.pid) == (0, 0)
    total, count = measure.tree_rss_bytes(os.getpid())
    assert count >= 1 and total > 10 * MB
