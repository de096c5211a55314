"""The export step: after each build, new and changed decision versions go to their owners' queues."""

import dagster as dg

from stockops import settings, time_to_action
from stockops.dbt_assets import DEFAULT_OWNER, model_key
from stockops.queue.backends import open_store, webhook_endpoint
from stockops.queue.event_snapshot import snapshot_events
from stockops.queue.export import run_export
from stockops.warehouse import read_decisions


@dg.asset(
    # the digest shows each owner their time-to-action figures: built before the export
    deps=[model_key("fct_decisions"), model_key("fct_time_to_action_targets")],
    group_name="queues",
    kinds={"sqlite"},
    owners=[DEFAULT_OWNER],
    description=(
        "Owner queues: every open decision version of fct_decisions (with its lines), delivered "
        "once through an outbox and a delivery ledger, keyed on (decision_id, decision_version); "
        "escalations go to the escalation owner's queue; stockops.auto executes what "
        "auto_execution_policy allows; the daily build stages each owner's digest; reconciled "
        "with the mart after every export."
    ),
)
def owner_queue(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    from stockops.schedules import BUILD_JOB_NAME

    cfg = settings.load()
    decisions = read_decisions(cfg.duckdb_path, with_lines=True)
    store = open_store(cfg.queue_path)
    # the daily build (not the hourly sweep) sends each owner's digest, once a day
    daily = context.run.job_name == BUILD_JOB_NAME
    report = run_export(
        store,
        decisions,
        webhook_endpoint(),
        log=context.log.warning,
        digest=daily,
        targets=time_to_action.read_rows(cfg.duckdb_path) if daily else None,
    )
    landed_events = snapshot_events(store, cfg.landing_dir)
    rec = report.reconcile
    context.log.info(
        f"queue {store.location}: {report.staged} new of {report.offered} decision versions, "
        f"{report.queued} messages applied, {report.superseded} superseded, "
        f"{report.closed} withdrawn or closed, {report.escalations} escalated, "
        f"{report.auto_executed} executed by stockops.auto, {report.digests} digests "
        f"in {report.seconds:.2f}s; {landed_events} events landed for the next build"
    )
    return dg.MaterializeResult(
        metadata={
            "queue": store.location,
            "decisions_offered": report.offered,
            "versions_inserted": report.staged,
            "messages_applied": report.queued,
            "versions_superseded": report.superseded,
            "versions_withdrawn_or_closed": report.closed,
            "decisions_escalated": report.escalations,
            "decisions_auto_executed": report.auto_executed,
            "auto_executions_refused": report.auto_refused,
            "digests_staged": report.digests,
            "reconcile_missing_requeued": rec.missing_requeued if rec else 0,
            "reconcile_ledger_fixed": rec.ledger_fixed if rec else 0,
            "deliveries_pending": rec.pending if rec else 0,
            "deliveries_dead_letter": rec.dead_letter if rec else 0,
            "webhook": dg.MetadataValue.json(report.webhook or {}),
            "export_seconds": round(report.seconds, 3),
            "events_landed": landed_events,
            "queue_rows": store.count(),
        }
    )
