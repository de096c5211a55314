"""Jobs and schedules: the daily full build and the hourly escalation sweep.

- `stockops_build` — every dbt model, seed and test, the owners' queues, the published marts and
  every asset check. The landing sensor and the daily schedule (STOCKOPS_DAILY_CRON, default
  "0 2 * * *") start it; `stockops run` executes it in its own process.
- `stockops_escalation_sweep` — hourly (STOCKOPS_SWEEP_CRON, default "0 * * * *"): re-evaluates
  the decisions' lifecycle against the clock and the owners' latest events and delivers
  escalations, without rebuilding the ledger-heavy models (stock positions, demand, candidates).
  dagster-dbt runs `dbt build --select` for just the selected models (and their tests); the queue
  export and the publish step follow. It re-reads the time_to_action_targets seed and evaluates
  the time-to-action target checks too, so a breach shows within the hour.

Cron expressions are evaluated in STOCKOPS_SCHEDULE_TIMEZONE (default UTC). Both schedules are
running by default; runs queue behind each other (dagster.yaml: one run at a time).
"""

import dagster as dg

from stockops import settings
from stockops.dbt_assets import model_key

BUILD_JOB_NAME = "stockops_build"
SWEEP_JOB_NAME = "stockops_escalation_sweep"

# The lifecycle path from the owners' events to the marts that show SLAs and escalations.
SWEEP_DBT_MODELS = (
    "base_landing__decision_events",  # a view: rebuilt so it reads the current landing directory
    "stg_landing__decision_events",
    "int_decision_event_checks",  # the owners' rules: a landed event the CLI would refuse is not applied
    "stg_landing__quarantine",  # ... but quarantined, so landed = accepted + quarantined holds
    "int_decision_lifecycle",
    "fct_decisions",
    "fct_time_to_action",
    "fct_decision_time_to_action",
    "time_to_action_targets",  # the seed: a target changed by the business applies within the hour
    "fct_time_to_action_targets",  # its asset checks (stockops.checks) come with it
)
OWNER_QUEUE = dg.AssetKey("owner_queue")
PUBLISHED_MARTS = dg.AssetKey("published_marts")

stockops_build = dg.define_asset_job(
    BUILD_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description=(
        "Every dbt model, seed and test, then the export to the owners' queues, the published "
        "marts and the time-to-action checks."
    ),
)

stockops_escalation_sweep = dg.define_asset_job(
    SWEEP_JOB_NAME,
    selection=dg.AssetSelection.assets(
        *(model_key(name) for name in SWEEP_DBT_MODELS), OWNER_QUEUE, PUBLISHED_MARTS
    ),
    description=(
        "Hourly: rebuild only the decision lifecycle and fct_decisions / the time-to-action marts "
        "from the owners' latest events, evaluate the time-to-action targets, deliver escalations "
        "to the queues and republish the marts."
    ),
)

daily_build_schedule = dg.ScheduleDefinition(
    name="stockops_daily_build",
    job=stockops_build,
    cron_schedule=settings.current().daily_cron,
    execution_timezone=settings.current().schedule_timezone,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="The daily full build (STOCKOPS_DAILY_CRON, default 02:00).",
)

escalation_sweep_schedule = dg.ScheduleDefinition(
    name="stockops_hourly_escalation_sweep",
    job=stockops_escalation_sweep,
    cron_schedule=settings.current().sweep_cron,
    execution_timezone=settings.current().schedule_timezone,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        "Every hour (STOCKOPS_SWEEP_CRON): re-evaluate SLAs and deliver escalations without a "
        "full rebuild."
    ),
)

JOBS = [stockops_build, stockops_escalation_sweep]
SCHEDULES = [daily_build_schedule, escalation_sweep_schedule]
