"""Reconciliation after every export: the mart, the queue and the ledger compared, and what is
missing re-queued (the queue is the effect; it is what counts)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stockops.queue import clock
from stockops.queue.rows import LOCAL_CHANNEL, queue_status
from stockops.queue.staging import enabled_channels, stage_messages

if TYPE_CHECKING:
    from stockops.queue.store import QueueStore


@dataclass(frozen=True)
class ReconcileResult:
    expected: int  # open decisions in the mart
    missing_requeued: int  # open mart decisions not in the queue, staged or reset to pending
    ledger_fixed: int  # ledger rows that disagreed with the queue, corrected
    pending: int  # ledger rows still pending on any enabled channel after the export
    dead_letter: int

    @property
    def ok(self) -> bool:
        return self.missing_requeued == 0 and self.ledger_fixed == 0


def reconcile(
    store: QueueStore, decisions: Iterable[Mapping[str, Any]], channels: Iterable[str] = ()
) -> ReconcileResult:
    """Compare the mart with the queue and the ledger; re-queue what is missing.

    - an open mart decision whose version is not in the queue: staged again if the outbox
      lacks it, its `queue` ledger row reset to pending if the ledger claims it was delivered;
    - a `queue` ledger row marked delivered whose queue row is missing: reset to pending;
    - a queue row whose ledger row is not delivered: the ledger is corrected (the queue is the
      effect; it is what counts).
    Call `deliver_local` afterwards to apply what was re-queued.
    """
    rows = [d for d in decisions if queue_status(d) == "open"]
    with store.transaction() as cur:
        queued = {
            (r["decision_id"], int(r["decision_version"]))
            for r in cur.all("select decision_id, decision_version from queue_items")
        }
        missing = [d for d in rows if (d["decision_id"], int(d["decision_version"])) not in queued]
        active = enabled_channels(cur, channels)
        stage_messages(cur, "assigned", [(d, str(d["owner_id"])) for d in missing], active)
        reset = cur.execute(
            """
            update deliveries set status = 'pending',
                last_error = 'reconciliation: delivered in the ledger but not in the queue'
            where channel = ? and status = 'delivered' and message_id in (
                select outbox.message_id from outbox
                where outbox.kind = 'assigned' and not exists (
                    select 1 from queue_items
                    where queue_items.decision_id = outbox.decision_id
                      and queue_items.decision_version = outbox.decision_version
                )
            )
            """,
            (LOCAL_CHANNEL,),
        )
        fixed = cur.execute(
            """
            update deliveries set status = 'delivered', delivered_at = coalesce(delivered_at, ?),
                last_error = 'reconciliation: in the queue but not delivered in the ledger'
            where channel = ? and status != 'delivered' and message_id in (
                select outbox.message_id from outbox
                inner join queue_items
                    on queue_items.decision_id = outbox.decision_id
                    and queue_items.decision_version = outbox.decision_version
                where outbox.kind = 'assigned'
            )
            """,
            (clock.utc_now(), LOCAL_CHANNEL),
        )
        counts = cur.one(
            """
            select
                coalesce(sum(case when status = 'pending' then 1 else 0 end), 0) as pending,
                coalesce(sum(case when status = 'dead_letter' then 1 else 0 end), 0) as dead
            from deliveries
            where channel not in (select channel from channels where disabled_at is not null)
            """
        )
    return ReconcileResult(
        expected=len(rows),
        missing_requeued=len(missing),
        ledger_fixed=reset + fixed,
        pending=int(counts["pending"]) if counts else 0,
        dead_letter=int(counts["dead"]) if counts else 0,
    )
