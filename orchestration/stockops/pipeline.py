"""Run the whole graph through Dagster in this process, against the instance in DAGSTER_HOME."""

from __future__ import annotations

from dataclasses import dataclass, field

import dagster as dg

from stockops import settings


@dataclass
class BuildOutcome:
    success: bool
    run_id: str
    failures: list[str] = field(default_factory=list)
    queue_inserted: int = 0
    published: dict[str, int] = field(default_factory=dict)  # mart -> rows in its Parquet file
    warnings: list[str] = field(default_factory=list)  # failed WARN checks (the run still succeeds)


def ensure_manifest() -> None:
    """Parse the dbt project when the manifest is missing (`make setup` normally did it)."""
    from stockops.resources import dbt_project

    project = dbt_project()
    if not project.manifest_path.exists():
        project.preparer.prepare(project)


def build_run_config(as_of_date: str = "", full_refresh: bool = False) -> dict:
    return {
        "ops": {
            "stockops_dbt_models": {
                "config": {"as_of_date": as_of_date, "full_refresh": full_refresh}
            }
        },
        "loggers": {"console": {"config": {"log_level": "INFO"}}},
    }


def run_build(
    as_of_date: str = "", full_refresh: bool = False, job_name: str | None = None
) -> BuildOutcome:
    """Execute `stockops_build` (or another job of the code location, e.g. the escalation sweep)
    in this process; fails only on step failures and failed ERROR checks."""
    cfg = settings.load().export()  # also writes DAGSTER_HOME/dagster.yaml when missing
    ensure_manifest()
    from stockops.definitions import BUILD_JOB_NAME, defs

    job = defs.resolve_job_def(job_name or BUILD_JOB_NAME)
    with dg.DagsterInstance.from_config(str(cfg.dagster_home)) as instance:
        result = job.execute_in_process(
            run_config=build_run_config(as_of_date, full_refresh),
            instance=instance,
            raise_on_error=False,
        )
    failures = [
        f"{event.step_key}: {event.step_failure_data.error.message.strip().splitlines()[0]}"
        for event in result.all_events
        if event.is_step_failure and event.step_failure_data.error is not None
    ]
    failures += [
        f"check {ev.check_name} on {ev.asset_key.to_user_string()} failed"
        for ev in result.get_asset_check_evaluations()
        if not ev.passed and ev.severity == dg.AssetCheckSeverity.ERROR
    ]
    warnings = [
        f"check {ev.check_name} on {ev.asset_key.to_user_string()} warned"
        for ev in result.get_asset_check_evaluations()
        if not ev.passed and ev.severity == dg.AssetCheckSeverity.WARN
    ]
    inserted = 0
    for mat in result.asset_materializations_for_node("owner_queue"):
        value = mat.metadata.get("versions_inserted")
        inserted = int(value.value) if value is not None else 0
    published: dict[str, int] = {}
    for mat in result.asset_materializations_for_node("published_marts"):
        value = mat.metadata.get("row_counts")
        published = dict(value.value) if value is not None else {}
    return BuildOutcome(
        result.success and not failures, result.run_id, failures, inserted, published, warnings
    )
