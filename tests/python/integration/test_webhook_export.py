"""The export's webhook channel against a real receiver process: crashes, dead letters, 410."""

from __future__ import annotations

import base64
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stockops.queue.export import WEBHOOK_CHANNEL, run_export
from stockops.queue.sqlite_store import SqliteQueueStore
from stockops.queue.store import QueueStore
from stockops.queue.webhook import WebhookEndpoint

import webhook_receiver
from queue_support import BACKENDS, decision, make_store, write_decisions
from webhook_receiver import Receiver

SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def receiver_process(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The receiver as its own process, so it outlives the exporters killed under it."""
    db, port_file = tmp_path / "receiver.sqlite", tmp_path / "receiver.url"
    proc = subprocess.Popen(
        [
            sys.executable,
            webhook_receiver.__file__,
            "--db",
            str(db),
            "--secret",
            SECRET,
            "--port-file",
            str(port_file),
        ]
    )
    try:
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            assert proc.poll() is None, "the receiver exited"
            assert time.monotonic() < deadline, "the receiver did not start"
            time.sleep(0.05)
        yield port_file.read_text().strip(), db
    finally:
        proc.kill()
        proc.wait()


def _export(queue: Path, decisions: Path, url: str, **fault: str) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STOCKOPS_FAULT")}
    env.update(
        STOCKOPS_QUEUE_BACKEND="sqlite",
        STOCKOPS_WEBHOOK_URL=url,
        STOCKOPS_WEBHOOK_SECRET=SECRET,
        STOCKOPS_WEBHOOK_BACKOFF_SECONDS="0.01",
        **fault,
    )
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "stockops.queue.export",
            "--decisions",
            str(decisions),
            "--queue",
            str(queue),
        ],
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    ).returncode


@pytest.mark.slow
def test_crash_between_send_and_ledger_write_is_applied_once(
    tmp_path: Path, receiver_process: tuple[str, Path]
) -> None:
    url, receiver_db = receiver_process
    decisions = write_decisions(tmp_path / "decisions.parquet", 40)  # 40 + 4 escalations
    queue = tmp_path / "queue.sqlite"
    rng = random.Random(7)
    kills = 0
    for _ in range(5):
        code = _export(
            queue,
            decisions,
            url,
            STOCKOPS_FAULT_POINT="webhook_after_send",
            STOCKOPS_FAULT_SKIP=str(rng.randrange(0, 6)),
        )
        assert code == -signal.SIGKILL
        kills += 1
    assert _export(queue, decisions, url) == 0

    store = SqliteQueueStore(queue)
    ledger = store.deliveries(WEBHOOK_CHANNEL)
    messages = 44
    assert len(ledger) == messages
    assert {r["status"] for r in ledger} == {"delivered"}
    # each crash left one message sent but not recorded: sent again, applied once
    per_id = webhook_receiver.requests_by_id(receiver_db)
    assert sum(per_id.values()) == messages + kills
    assert sum(n - 1 for n in per_id.values()) == kills
    assert webhook_receiver.effects_count(receiver_db) == messages
    assert set(per_id) == {r["message_id"] for r in ledger}
    assert store.count() == 40  # the owners' queue is unaffected by the webhook's troubles


def _endpoint(url: str) -> WebhookEndpoint:
    return WebhookEndpoint(
        url=url, secrets=(SECRET,), max_attempts=3, backoff_seconds=0.01, timeout_seconds=5.0
    )


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[QueueStore]:
    yield from make_store(request.param, tmp_path, request)


def test_dead_letter_after_the_retry_budget(tmp_path: Path, store: QueueStore) -> None:
    with Receiver(secrets=[SECRET], db_path=tmp_path / "r.sqlite", default_status=500) as r:
        report = run_export(store, [decision("a"), decision("b")], _endpoint(r.url))
        assert r.request_count() == 6  # 2 messages x 3 attempts
    assert report.webhook["dead_letter"] == 2
    [row] = [d for d in store.deliveries(WEBHOOK_CHANNEL) if d["message_id"] == "assigned:a:1"]
    assert (row["status"], row["attempts"], row["http_status"]) == ("dead_letter", 3, 500)
    assert "500" in row["last_error"]
    assert report.reconcile is not None and report.reconcile.dead_letter == 2
    assert store.count() == 2


def test_410_disables_the_endpoint_and_keeps_messages_pending(tmp_path: Path) -> None:
    store = SqliteQueueStore(tmp_path / "queue.sqlite")
    with Receiver(secrets=[SECRET], db_path=tmp_path / "r.sqlite", default_status=410) as r:
        first = run_export(store, [decision("a"), decision("b")], _endpoint(r.url))
        again = run_export(store, [decision("a"), decision("b"), decision("c")], _endpoint(r.url))
        assert r.request_count() == 1
    assert first.webhook["disabled"] == 1 and again.webhook == {
        "delivered": 0,
        "dead_letter": 0,
        "disabled": 0,
    }
    [channel] = store.channels()
    assert channel["disabled_at"] and "410" in (channel["disabled_reason"] or "")
    assert {d["status"] for d in store.deliveries(WEBHOOK_CHANNEL)} == {"pending"}
    assert store.count() == 3  # the queue channel keeps working
