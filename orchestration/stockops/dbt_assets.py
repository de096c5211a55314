"""Every dbt model, seed and source as a Dagster asset; dbt tests become asset checks."""

import json
import re
from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets, get_asset_key_for_model

from stockops.resources import dbt_project

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class DbtBuildConfig(dg.Config):
    """Run configuration of the dbt build step."""

    as_of_date: str = ""  # YYYY-MM-DD; empty = the date of the latest accepted transaction
    full_refresh: bool = False


def dbt_build_args(config: DbtBuildConfig) -> list[str]:
    """The dbt CLI arguments for one build (pure: unit-tested without Dagster)."""
    args = ["build"]
    if config.as_of_date:
        if not _DATE.match(config.as_of_date):
            raise ValueError(f"as_of_date must be YYYY-MM-DD, got {config.as_of_date!r}")
        args += ["--vars", json.dumps({"as_of_date": config.as_of_date})]
    if config.full_refresh:
        args.append("--full-refresh")
    return args


class StockopsTranslator(DagsterDbtTranslator):
    """Groups assets by their dbt folder (staging, intermediate, marts) and seeds as policy."""

    def get_group_name(self, dbt_resource_props: dict[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "policy"
        if dbt_resource_props["resource_type"] == "source":
            return "landing"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=StockopsTranslator(),
)
def stockops_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    # owners' actions since the last run land first, so this build's fct_decisions reflects them
    landed = land_owner_events()
    if landed:
        context.log.info(f"landed {landed} new queue events under decision_events/ for this build")
    yield from dbt.cli(dbt_build_args(config), context=context).stream()


def land_owner_events() -> int:
    """Snapshot queue events not landed yet into <landing>/decision_events/ (see event_snapshot)."""
    from stockops import settings
    from stockops.queue.backends import open_store
    from stockops.queue.event_snapshot import snapshot_events

    cfg = settings.load()
    return snapshot_events(open_store(cfg.queue_path), cfg.landing_dir)


def model_key(model_name: str) -> dg.AssetKey:
    return get_asset_key_for_model([stockops_dbt_models], model_name)
