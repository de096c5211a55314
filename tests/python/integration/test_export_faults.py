"""kill -9 the export, for real, at random points, then let it finish: nothing lost, nothing twice.

The export runs as a subprocess (`python -m stockops.queue.export`). It is killed 20+ times over
a sequence of exports — by SIGKILL from outside after a random delay, and by fault points that
SIGKILL it between two delivery batches — then run to completion. The queue must then equal the
queue of the same exports run without faults, and the ledger must agree with it.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stockops.queue.rows import LOCAL_CHANNEL
from stockops.queue.store import QueueStore

from queue_support import BACKENDS, make_store, write_decisions

KILLS = 20


@pytest.fixture(scope="module")
def decision_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    base = tmp_path_factory.mktemp("decisions")
    return [
        write_decisions(base / "run1.parquet", 10000),
        write_decisions(base / "run2.parquet", 12000, version_of=7, withdraw_every=11),
    ]


def _export_env(store: QueueStore, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STOCKOPS_FAULT")}
    env["STOCKOPS_EXPORT_BATCH_SIZE"] = "25"
    if store.dialect.name == "postgres":
        env.update(
            STOCKOPS_QUEUE_BACKEND="postgres",
            STOCKOPS_POSTGRES_DSN=store.dsn,  # type: ignore[attr-defined]
            STOCKOPS_POSTGRES_SCHEMA=store.schema,  # type: ignore[attr-defined]
        )
    else:
        env["STOCKOPS_QUEUE_BACKEND"] = "sqlite"
    env.pop("STOCKOPS_WEBHOOK_URL", None)
    env.update(extra)
    return env


def _export(store: QueueStore, decisions: Path, env: dict[str, str]) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "stockops.queue.export", "--decisions", str(decisions)]
    if store.dialect.name == "sqlite":
        cmd += ["--queue", str(store.path)]  # type: ignore[attr-defined]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(store: QueueStore, decisions: Path) -> float:
    """Run an export to its end; its wall seconds."""
    started = time.monotonic()
    proc = _export(store, decisions, _export_env(store))
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    return time.monotonic() - started


def _snapshot(store: QueueStore) -> dict[str, object]:
    with store.reading() as cur:
        assert cur is not None
        items = cur.all(
            "select decision_id, decision_version, owner_id, queue_status, escalated_to, payload "
            "from queue_items order by decision_id, decision_version"
        )
        events = cur.all(
            "select event_id, event_type, decision_id, decision_version from queue_events "
            "order by event_id"
        )
        outbox = cur.all("select message_id from outbox order by message_id")
        ledger = cur.all(
            "select message_id, status from deliveries where channel = ? order by message_id",
            (LOCAL_CHANNEL,),
        )
    return {"items": items, "events": events, "outbox": outbox, "ledger": ledger}


@pytest.fixture(params=BACKENDS)
def stores(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[QueueStore, QueueStore]]:
    clean = make_store(request.param, tmp_path / "clean", request)
    faulty = make_store(request.param, tmp_path / "faulty", request)
    yield next(clean), next(faulty)
    for gen in (clean, faulty):
        gen.close()


@pytest.mark.slow
def test_kill_9_at_random_points_loses_nothing_and_repeats_nothing(
    stores: tuple[QueueStore, QueueStore], decision_files: list[Path]
) -> None:
    clean, faulty = stores
    # external kills land within the first 60 % of a whole export's time on this machine (a
    # fixed delay lets a fast export finish first, and a finished export cannot be killed)
    seconds = {decisions: _finish(clean, decisions) for decisions in decision_files}
    expected = _snapshot(clean)

    rng = random.Random(20261123)
    kills = 0
    per_run = KILLS // len(decision_files)
    for decisions in decision_files:
        # kill exports of this run until `per_run` were killed mid-run; one that gets to the end
        # by itself does not stop the series: the next ones re-drive a finished export, and
        # killing those must do no harm either
        killed_here, attempts = 0, 0
        finished, estimate = False, seconds[decisions]
        while killed_here < per_run and attempts < 4 * per_run:
            attempts += 1
            started = time.monotonic()
            if not finished and rng.random() < 0.5:
                # a fault point: SIGKILL itself right after committing delivery batch n (an
                # export with nothing left to deliver never reaches one)
                env = _export_env(
                    faulty,
                    STOCKOPS_FAULT_POINT="export_after_batch",
                    STOCKOPS_FAULT_SKIP=str(rng.randrange(0, 4)),
                )
                proc = _export(faulty, decisions, env)
                proc.communicate(timeout=300)
            else:
                # SIGKILL from outside at a random moment (start-up, staging, delivery, ...)
                proc = _export(faulty, decisions, _export_env(faulty))
                time.sleep(rng.uniform(0.05, 0.6) * estimate)
                proc.send_signal(signal.SIGKILL)
                proc.communicate(timeout=60)
            if proc.returncode != -signal.SIGKILL:
                assert proc.returncode == 0, proc.stderr
                # from now on the export re-drives a finished one: time the kills to that
                finished, estimate = True, time.monotonic() - started
                continue
            killed_here += 1
        kills += killed_here
        _finish(faulty, decisions)
    print(f"{faulty.dialect.name}: {kills} exports killed")
    assert kills >= KILLS, f"only {kills} exports were killed mid-run"

    got = _snapshot(faulty)
    # every decision version in its queue exactly once, with the same status as a clean run
    assert got["items"] == expected["items"]
    assert got["events"] == expected["events"]
    # the ledger agrees: one delivered row per outbox message, nothing pending
    assert got["outbox"] == expected["outbox"]
    assert {r["status"] for r in got["ledger"]} == {"delivered"}  # type: ignore[index]
    assert len(got["ledger"]) == len(got["outbox"])  # type: ignore[arg-type]
    assert faulty.reconcile([]).pending == 0
