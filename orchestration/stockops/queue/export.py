"""The export after each build: stage, deliver, escalate, auto-execute, digest, reconcile (docs/queues.md).

Also runnable on its own for the crash tests and for operators re-driving delivery:
`python -m stockops.queue.export --decisions FILE.parquet` (rows shaped like fct_decisions) or
`stockops queue export` (reads fct_decisions from the warehouse).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from stockops import settings
from stockops.queue.clock import utc_now
from stockops.queue.reconciliation import ReconcileResult
from stockops.queue.store import QueueStore

WEBHOOK_CHANNEL = "webhook"


@dataclass
class ExportReport:
    offered: int = 0
    staged: int = 0
    queued: int = 0  # messages applied to the queue in this export (assigned + escalated)
    superseded: int = 0
    closed: int = 0
    escalations: int = 0
    auto_executed: int = 0
    auto_executed_ids: list[str] = field(default_factory=list)
    auto_refused: int = 0
    digests: int = 0
    webhook: dict[str, int] = field(default_factory=dict)
    reconcile: ReconcileResult | None = None
    requeued: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("auto_executed_ids")  # the count says it; the queue's events name them
        out["reconcile"] = asdict(self.reconcile) if self.reconcile else None
        return out


def run_export(
    store: QueueStore,
    decisions: Sequence[Mapping[str, Any]],
    webhook: Any | None = None,
    batch_size: int | None = None,
    log: Callable[[str], None] | None = None,
    *,
    policy: Any | None = None,
    digest: bool = False,
    targets: Sequence[Mapping[str, Any]] | None = None,
) -> ExportReport:
    """Everything the export does, in an order that survives a crash at any point: a re-run
    picks up staged-but-undelivered messages from the ledger and never applies one twice.

    After the queue holds this build's versions, stockops.auto approves and executes what
    auto_execution_policy allows (`policy`: the seeds' Policy, read when needed); with `digest`
    (the daily build) each owner's digest of the day is staged for the webhook channel, with the
    owner's time-to-action figures from `targets` (rows of marts.fct_time_to_action_targets)."""
    from stockops.queue.automation import auto_execute
    from stockops.queue.digest import stage_daily_digests

    started = time.monotonic()
    batch = batch_size or settings.current().export_batch_size
    channels = [WEBHOOK_CHANNEL] if webhook is not None else []
    if webhook is not None:
        store.register_channel(
            WEBHOOK_CHANNEL, webhook.target
        )  # never the URL: it may hold credentials
    report = ExportReport(offered=len(decisions))
    before = store.status_counts()

    staged = store.stage(decisions, channels)
    report.staged, report.closed = staged.staged, staged.closed
    report.escalations = store.stage_escalations(decisions, channels)
    report.queued = store.deliver_local(batch)
    automated = auto_execute(store, decisions, policy)
    report.auto_executed, report.auto_refused = automated.executed, len(automated.refused)
    report.auto_executed_ids = automated.executed_ids
    if automated.refused and log:
        log(f"auto_execution_policy refused {len(automated.refused)}: {automated.refused[:5]}")
    if digest:
        report.digests = stage_daily_digests(store, channels, targets=targets)
    if webhook is not None:
        report.webhook = deliver_webhooks(store, webhook, log=log)

    report.reconcile = store.reconcile(decisions, channels)
    if report.reconcile.missing_requeued or report.reconcile.ledger_fixed:
        report.requeued = store.deliver_local(batch)
        if log:
            log(
                f"reconciliation re-queued {report.reconcile.missing_requeued} missing decisions "
                f"and corrected {report.reconcile.ledger_fixed} ledger rows"
            )
        if webhook is not None:
            for key, n in deliver_webhooks(store, webhook, log=log).items():
                report.webhook[key] = report.webhook.get(key, 0) + n
        report.reconcile = store.reconcile(decisions, channels)
    after = store.status_counts()
    report.superseded = after.get("superseded", 0) - before.get("superseded", 0)
    report.seconds = time.monotonic() - started
    return report


def deliver_webhooks(
    store: QueueStore,
    endpoint: Any,
    sender: Any | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Send every pending webhook message; the ledger records each attempt and the outcome.

    PostgreSQL: each message is claimed with FOR UPDATE SKIP LOCKED in a transaction held
    across its send, so concurrent exporters never send the same message at the same time.
    SQLite: one exporter at a time (a file lock); sends happen outside write transactions so
    owners' actions are never blocked by a slow endpoint.
    A crash between the send and the ledger write leaves the message pending: it is sent again
    with the same message id, and the receiver applies it once.
    """
    from stockops.queue.webhook import WebhookSender

    counts = {"delivered": 0, "dead_letter": 0, "disabled": 0}
    if any(c["channel"] == WEBHOOK_CHANNEL and c["disabled_at"] for c in store.channels()):
        return counts  # a 410 disabled it; a new URL enables it again (register_channel)
    own_sender = sender is None
    sender = sender or WebhookSender(endpoint)
    try:
        with store.delivery_lock():
            while True:
                if store.dialect.name == "postgres":
                    with store.transaction() as cur:
                        claimed = store.claim(cur, WEBHOOK_CHANNEL, 1)
                        if not claimed:
                            break
                        status = _send_one(store, sender, claimed[0], cur)
                else:
                    with store.reading() as cur:
                        claimed = store.claim(cur, WEBHOOK_CHANNEL, 1) if cur else []
                    if not claimed:
                        break
                    status = _send_one(store, sender, claimed[0], None)
                counts[status] += 1
                if status == "disabled":
                    if log:
                        log(
                            "webhook endpoint answered 410 Gone: channel disabled "
                            f"({endpoint.display_url})"
                        )
                    break
    finally:
        if own_sender:
            sender.close()
    return counts


def webhook_body(message: Mapping[str, Any]) -> str:
    """The message body: the same bytes on every retry of a message. A decision message
    (`decision.assigned`, `decision.escalated`) carries the decision with its lines; a `digest`
    message the owner's digest of the day."""
    kind = message["kind"]
    body_key = "digest" if kind == "digest" else "decision"
    return json.dumps(
        {
            "type": "digest" if kind == "digest" else f"decision.{kind}",
            "message_id": message["message_id"],
            "recipient_id": message["recipient_id"],
            body_key: json.loads(message["payload"]),
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def _send_one(store: QueueStore, sender: Any, message: Mapping[str, Any], cur: Any) -> str:
    msg_id = message["message_id"]

    def on_attempt(attempt: Any) -> None:
        store.record_attempt(
            msg_id,
            WEBHOOK_CHANNEL,
            getattr(attempt, "http_status", None),
            getattr(attempt, "error", None),
            _iso(getattr(attempt, "at", None)),
            cur,  # PostgreSQL: the claim's transaction holds this ledger row locked
        )

    outcome = sender.send(msg_id, webhook_body(message), on_attempt=on_attempt)

    def write(c: Any) -> None:
        store.record(
            c,
            msg_id,
            WEBHOOK_CHANNEL,
            "pending" if outcome.status == "disabled" else outcome.status,
            attempts=0,
            http_status=outcome.http_status,
            last_error=outcome.last_error,
        )
        if outcome.status == "disabled":
            store.disable_channel(c, WEBHOOK_CHANNEL, outcome.last_error or "HTTP 410 Gone")

    if cur is not None:
        write(cur)
    else:
        with store.transaction() as c:
            write(c)
    return outcome.status


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return str(value)


# ----------------------------------------------------------------------------- command line
def _read_decisions_file(path: Path) -> list[dict[str, Any]]:
    import duckdb

    con = duckdb.connect()
    try:
        cur = con.execute("select * from read_parquet(?)", [str(path)])
        columns = [d[0] for d in cur.description]
        return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


def main(argv: Sequence[str] | None = None) -> int:
    from stockops.queue.backends import open_store, webhook_endpoint

    parser = argparse.ArgumentParser(prog="python -m stockops.queue.export", description=__doc__)
    parser.add_argument("--decisions", required=True, type=Path, help="Parquet file of decisions")
    parser.add_argument("--queue", type=Path, help="SQLite queue file (default: the settings')")
    args = parser.parse_args(argv)
    decisions = _read_decisions_file(args.decisions)
    store = open_store(queue_path=args.queue)
    report = run_export(store, decisions, webhook_endpoint(), log=print)
    print(json.dumps({"at": utc_now(), **report.as_dict()}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["WEBHOOK_CHANNEL", "ExportReport", "deliver_webhooks", "run_export"]
