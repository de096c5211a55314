"""The owner-queue store: outbox, delivery ledger, queues and events, on SQLite or PostgreSQL.

How a decision version reaches its owner (docs/queues.md):

1. `stage` writes one outbox message per decision version not staged before — message id
   `assigned:<decision_id>:<version>`, keyed so staging again has no effect — and a `pending`
   ledger row per delivery channel (`queue`, plus `webhook` when one is configured). Versions the
   mart has withdrawn, closed or superseded are marked so in the queue, never deleted.
2. `deliver_local` applies pending `queue` messages in batches, one transaction each.
3. Other channels (webhooks) are delivered by `stockops.queue.export` through `claim` / `record`:
   transport may repeat, the receiver deduplicates by the stable message id.
4. `reconcile` compares the mart with the queue and the ledger after every export and re-queues
   what is missing.

Escalations go through the same path: an `escalated:<decision_id>:<version>` message puts the
decision into the escalation owner's queue (`escalated_to`) and records an `escalated` event.

A queue is read most urgent first (`items(sort="priority")`). The system actor `stockops.auto`
appends its `approved` and `executed` events through `record_auto_executions`, and each owner's
daily digest is an outbox message of kind `digest` for the remote channels only (`stage_digest`).

`QueueStore` is the facade: each concern lives in its own module, as functions that take the
store (for its transactions) or a cursor, and the class names them as its methods:

- `stockops.queue.schema`     the tables, on both backends
- `stockops.queue.staging`    outbox and pending ledger rows: decisions, escalations, digests
- `stockops.queue.delivery`   pending `queue` messages applied as queue rows and events
- `stockops.queue.ledger`     claims, attempts and outcomes of every channel's deliveries
- `stockops.queue.reconciliation`  the mart, the queue and the ledger compared after each export
- `stockops.queue.events`     owners' actions and stockops.auto's executions
- `stockops.queue.queries`    owners' queues, a decision's events, counts

The backends (`stockops.queue.sqlite_store`, `stockops.queue.postgres_store`) subclass it with
connections and transactions; the SQL is shared, and `stockops.queue.sql.Dialect` holds what
differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from stockops.queue import delivery, events, ledger, queries, reconciliation, staging
from stockops.queue.sql import SQLITE, Cursor, Dialect


class QueueStore:
    """Backend-neutral queue logic; subclasses provide connections and transactions."""

    dialect: Dialect = SQLITE
    location: str = ""

    # -- backend hooks -------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Cursor]:  # pragma: no cover - implemented by backends
        raise NotImplementedError
        yield

    @contextmanager
    def reading(self) -> Iterator[Cursor | None]:  # pragma: no cover - implemented by backends
        raise NotImplementedError
        yield

    def lock_events(self, cur: Cursor) -> None:
        """Make event sequence numbers commit in order (PostgreSQL); SQLite has one writer."""

    @contextmanager
    def delivery_lock(self) -> Iterator[None]:
        """Held while delivering to remote channels (SQLite: one exporter at a time)."""
        yield

    @contextmanager
    def session(self) -> Iterator[None]:
        """Transactions inside may share one connection (SQLite); a no-op where connections are
        cheap to take (PostgreSQL's are per transaction)."""
        yield

    # -- staging -------------------------------------------------------------------------------
    register_channel = staging.register_channel
    stage = staging.stage
    stage_escalations = staging.stage_escalations
    stage_digest = staging.stage_digest
    last_digest_at = staging.last_digest_at

    # -- local delivery (the queue itself) -----------------------------------------------------
    deliver_local = delivery.deliver_local

    # -- the ledger ----------------------------------------------------------------------------
    claim = staticmethod(ledger.claim)
    record = staticmethod(ledger.record)
    record_attempt = ledger.record_attempt
    disable_channel = staticmethod(ledger.disable_channel)
    deliveries = ledger.deliveries
    channels = ledger.channels

    # -- reconciliation ------------------------------------------------------------------------
    reconcile = reconciliation.reconcile

    # -- owners' and stockops.auto's events ----------------------------------------------------
    apply_action = events.apply_action
    record_auto_executions = events.record_auto_executions
    auto_executions = events.auto_executions

    # -- reading -------------------------------------------------------------------------------
    queue_id = queries.queue_id
    item = queries.item
    events_for = queries.events_for
    events_after = queries.events_after
    items = queries.items
    knows_owner = queries.knows_owner
    count = queries.count
    status_counts = queries.status_counts
    owner_summary = queries.owner_summary
