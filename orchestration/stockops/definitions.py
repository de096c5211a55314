"""The Dagster code location: assembles assets, jobs and resources; nothing is defined here."""

from __future__ import annotations

import dagster as dg

from stockops.dbt_assets import stockops_dbt_models
from stockops.queue_export import owner_queue
from stockops.resources import dbt_resource

BUILD_JOB_NAME = "stockops_build"

stockops_build = dg.define_asset_job(
    BUILD_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Every dbt model, seed and test, then the export to the owners' queues.",
)

defs = dg.Definitions(
    assets=[stockops_dbt_models, owner_queue],
    jobs=[stockops_build],
    resources={"dbt": dbt_resource()},
    # One process at a time writes the DuckDB file: steps run one after another in the run's process.
    executor=dg.in_process_executor,
)
