"""The export step: after each build, new and changed decision versions go to their owners' queues."""

import dagster as dg

from stockops import settings
from stockops.dbt_assets import model_key
from stockops.queue.event_snapshot import snapshot_events
from stockops.queue.sqlite_store import SqliteQueueStore
from stockops.warehouse import read_decisions


@dg.asset(
    deps=[model_key("fct_decisions")],
    group_name="queues",
    kinds={"sqlite"},
    description=(
        "Owner queues: every decision version of fct_decisions, once, "
        "keyed on (decision_id, decision_version)."
    ),
)
def owner_queue(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    cfg = settings.load()
    decisions = read_decisions(cfg.duckdb_path)
    store = SqliteQueueStore(cfg.queue_path)
    result = store.enqueue(decisions)
    escalated = store.record_escalations(decisions)
    landed_events = snapshot_events(store, cfg.landing_dir)
    context.log.info(
        f"queue {cfg.queue_path}: {result.inserted} new of {result.offered} decision versions, "
        f"{result.superseded} superseded, {result.closed} withdrawn or closed, {escalated} escalated; "
        f"{landed_events} events landed for the next build"
    )
    return dg.MaterializeResult(
        metadata={
            "queue_path": dg.MetadataValue.path(str(cfg.queue_path)),
            "decisions_offered": result.offered,
            "versions_inserted": result.inserted,
            "versions_superseded": result.superseded,
            "versions_withdrawn_or_closed": result.closed,
            "decisions_escalated": escalated,
            "events_landed": landed_events,
            "queue_rows": store.count(),
        }
    )
