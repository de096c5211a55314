"""The Dagster code location: assembles assets, checks, jobs, schedules, sensors and resources;
nothing is defined here."""

from __future__ import annotations

import dagster as dg

from stockops.checks import owner_queue_checks, time_to_action_target_checks
from stockops.dbt_assets import landing_sources, stockops_dbt_models
from stockops.publish import published_marts
from stockops.queue_assets import owner_queue
from stockops.resources import dbt_resource
from stockops.schedules import BUILD_JOB_NAME, JOBS, SCHEDULES, SWEEP_JOB_NAME
from stockops.sensors import landing_files_sensor

__all__ = ["BUILD_JOB_NAME", "SWEEP_JOB_NAME", "defs"]

defs = dg.Definitions(
    assets=[*landing_sources, stockops_dbt_models, owner_queue, published_marts],
    asset_checks=[owner_queue_checks, time_to_action_target_checks],
    jobs=JOBS,
    schedules=SCHEDULES,
    sensors=[landing_files_sensor],
    resources={"dbt": dbt_resource()},
    # One process at a time writes the DuckDB file: steps run one after another in the run's
    # process, and dagster.yaml (stockops.instance) lets only one run execute at a time.
    executor=dg.in_process_executor,
)
