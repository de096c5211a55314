"""Every dbt model, seed and source as a Dagster asset; dbt tests become asset checks."""

import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
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
    """The dbt CLI arguments for one build (pure: unit-tested without Dagster).

    dbt unit tests check the models' SQL against fixed inputs, not the data: they prove the code,
    which `make test` and CI build with every unit test (tests/python/support.py), so a production
    run leaves them out (24 of them cost a fixed ~10 s a run)."""
    args = ["build", "--exclude", "resource_type:unit_test"]
    if config.as_of_date:
        if not _DATE.match(config.as_of_date):
            raise ValueError(f"as_of_date must be YYYY-MM-DD, got {config.as_of_date!r}")
        args += ["--vars", json.dumps({"as_of_date": config.as_of_date})]
    if config.full_refresh:
        args.append("--full-refresh")
    return args


DEFAULT_OWNER = "team:inventory-analytics"  # owner of every asset that names no owner of its own


def dagster_owner(owner: str) -> str:
    """A dbt `meta.owner` as a Dagster owner: an e-mail address as it is, anything else as a
    team (`inventory-analytics` -> `team:inventory-analytics`)."""
    owner = owner.strip()
    return owner if "@" in owner or owner.startswith("team:") else f"team:{owner}"


def dbt_meta(dbt_resource_props: Mapping[str, Any]) -> dict[str, Any]:
    """A dbt node's `meta`, whether the yml put it under `config:` or beside it."""
    return {
        **((dbt_resource_props.get("config") or {}).get("meta") or {}),
        **(dbt_resource_props.get("meta") or {}),
    }


def dbt_owners(dbt_resource_props: Mapping[str, Any]) -> list[str]:
    """The owners a dbt node names itself (pure): `meta.owner` or `config.meta.owner`, a name or a
    list; empty when it names none."""
    owner = dbt_meta(dbt_resource_props).get("owner") or []
    return [dagster_owner(str(o)) for o in ([owner] if isinstance(owner, str) else owner)]


class StockopsTranslator(DagsterDbtTranslator):
    """Groups assets by their dbt folder (staging, intermediate, marts) and seeds as policy.
    Owners: the node's `meta.owner`, else what dagster-dbt reads by default (`meta.dagster.owners`,
    the owner e-mail of the node's dbt group), else DEFAULT_OWNER."""

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        return (
            dbt_owners(dbt_resource_props)
            or super().get_owners(dbt_resource_props)
            or [DEFAULT_OWNER]
        )

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
    # a killed run's dbt may still be finishing its build: wait for it rather than fail on the lock
    wait_for_warehouse(context.log.info)
    # owners' actions since the last run land first, so this build's fct_decisions reflects them
    landed = land_owner_events()
    if landed:
        context.log.info(f"landed {landed} new queue events under decision_events/ for this build")
    target = run_target_path(context.run_id)
    cache = partial_parse_cache()
    if seed_partial_parse(cache, target):
        context.log.info(f"partial parsing from {cache}")
    try:
        yield from dbt.cli(dbt_build_args(config), context=context, target_path=target).stream()
    finally:  # a failed build's parse is as good as a successful one's
        keep_partial_parse(target, cache)


def dbt_source_specs(dbt_assets: dg.AssetsDefinition) -> list[dg.AssetSpec]:
    """The dbt sources behind `dbt_assets` (the landing tables) as assets of their own, described
    and owned as the translator says; without them Dagster would show bare stubs in no group."""
    from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets

    manifest, translator, _ = get_manifest_and_translator_from_dbt_assets([dbt_assets])
    return [
        # the source's own description (the translator's default appends an empty "Raw SQL")
        translator.get_asset_spec(manifest, unique_id, dbt_project()).replace_attributes(
            description=source.get("description") or None
        )
        for unique_id, source in sorted(manifest["sources"].items())
    ]


landing_sources = dbt_source_specs(stockops_dbt_models)

PARTIAL_PARSE = "partial_parse.msgpack"


def run_target_path(run_id: str) -> Path:
    """A dbt target folder of its own for this invocation (artifacts of runs never mix)."""
    from stockops.resources import dbt_project

    base = Path(os.environ.get("DBT_TARGET_PATH") or "target")
    if not base.is_absolute():
        base = Path(dbt_project().project_dir) / base
    # named as dagster-dbt names its own (tools that look for a run's artifacts find them)
    return base / f"stockops_dbt_models-{run_id[:7]}-{uuid.uuid4().hex[:7]}"


def partial_parse_cache() -> Path:
    """dbt's partial-parse state kept per warehouse: the profile names the warehouse's DuckDB
    file, and dbt re-parses the whole project whenever the profile differs from the one its saved
    state was parsed with (~30 s a run). Kept beside the warehouse, each warehouse reuses its own."""
    from stockops import settings

    return settings.load().warehouse_dir / "dbt" / PARTIAL_PARSE


def seed_partial_parse(cache: Path, target: Path) -> bool:
    """Copy the warehouse's saved parse state into a fresh target folder (dbt itself checks that
    it still matches the project, profile, vars and versions, and re-parses what changed)."""
    if not cache.is_file():
        return False
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cache, target / PARTIAL_PARSE)
    return True


def keep_partial_parse(target: Path, cache: Path) -> None:
    """Save the parse state this invocation wrote, atomically (a reader never sees half a file)."""
    produced = target / PARTIAL_PARSE
    if not produced.is_file():
        return
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_name(f".{cache.name}.{os.getpid()}.partial")
    shutil.copyfile(produced, partial)
    os.replace(partial, cache)


def wait_for_warehouse(log) -> None:
    from stockops import settings
    from stockops.warehouse import wait_until_unlocked

    cfg = settings.load()
    wait_until_unlocked(cfg.duckdb_path, settings.current().warehouse_lock_wait_seconds, log)


def land_owner_events() -> int:
    """Snapshot queue events not landed yet into <landing>/decision_events/ (see event_snapshot)."""
    from stockops import settings
    from stockops.queue.backends import open_store
    from stockops.queue.event_snapshot import snapshot_events

    cfg = settings.load()
    return snapshot_events(open_store(cfg.queue_path), cfg.landing_dir)


def model_key(model_name: str) -> dg.AssetKey:
    return get_asset_key_for_model([stockops_dbt_models], model_name)
