"""Run the whole graph through Dagster in this process, against the instance in DAGSTER_HOME."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from stockops import settings


@dataclass(frozen=True)
class CheckSummary:
    """One asset check's result in a run, for the `stockops run` summary."""

    name: str
    asset: str
    status: str  # pass, warn, fail, or not_run (planned, never evaluated: an upstream step failed)
    offenders: tuple[str, ...] = ()  # the first offenders, one short line each
    is_dbt_test: bool = False
    severity: str = ""  # ERROR or WARN, as the check reported it ("" when it did not run)
    detail: str = ""  # the check's description and its figures (check_detail)


@dataclass
class BuildOutcome:
    success: bool
    run_id: str
    failures: list[str] = field(default_factory=list)
    queue_inserted: int = 0
    published: dict[str, int] = field(default_factory=dict)  # mart -> rows in its Parquet file
    warnings: list[str] = field(default_factory=list)  # failed WARN checks (the run still succeeds)
    checks: list[CheckSummary] = field(
        default_factory=list
    )  # every check of the run (summarize_checks)


FIGURES = (dg.IntMetadataValue, dg.FloatMetadataValue, dg.TextMetadataValue, dg.BoolMetadataValue)


def check_detail(description: str | None, metadata: dict[str, Any]) -> str:
    """A check result in one line: its description, then its plain figures (numbers, flags and
    short texts of its metadata; tables, JSON and dagster-dbt's bookkeeping left out), e.g.
    `median signal-to-queue latency 1303.2 h exceeds 24.0 h; count=40, median_hours=1303.2`."""
    figures = ", ".join(
        f"{key}={value.value}"
        for key, value in metadata.items()
        if isinstance(value, FIGURES) and "/" not in key and value.value is not None
    )
    return "; ".join(part for part in (description, figures) if part)


def summarize_checks(
    events: Iterable[dg.DagsterEvent], python_checks: Collection[dg.AssetCheckKey]
) -> list[CheckSummary]:
    """Every check of the run, in the order the run reached them, with its result: pass; warn
    (failed, WARN severity); fail (failed, ERROR); not_run (planned, or one of `python_checks` — the
    job's Python checks — never evaluated, e.g. because a step before it failed). Offenders come
    from the check's `first_offenders` metadata (stockops' Python checks) or dbt's failed row count
    (dbt tests); every check not in `python_checks` is a dbt test."""
    order: dict[dg.AssetCheckKey, None] = {}  # insertion-ordered set
    results: dict[dg.AssetCheckKey, dict[str, Any]] = {}
    for event in events:
        data = event.event_specific_data
        if event.event_type not in (
            dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
            dg.DagsterEventType.ASSET_CHECK_EVALUATION,
        ):
            continue
        key = dg.AssetCheckKey(data.asset_key, data.check_name)
        order.setdefault(key)
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED:
            continue
        result = {
            "severity": data.severity.value,
            "detail": check_detail(data.description, data.metadata),
        }
        results[key] = result
        if data.passed:
            result["status"] = "pass"
            continue
        offenders = data.metadata.get("first_offenders")
        failed_rows = data.metadata.get("dagster_dbt/failed_row_count")
        if offenders is not None:
            result["offenders"] = tuple(str(line) for line in offenders.value)
        elif failed_rows is not None:
            result["offenders"] = (f"{failed_rows.value} failing rows",)
        result["status"] = "warn" if data.severity == dg.AssetCheckSeverity.WARN else "fail"
    for key in sorted(python_checks, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        order.setdefault(key)
    return [
        CheckSummary(
            key.name,
            key.asset_key.to_user_string(),
            is_dbt_test=key not in python_checks,
            **results.get(key, {"status": "not_run"}),
        )
        for key in order
    ]


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
    in this process; fails only on step failures and failed ERROR checks. A successful
    `stockops_build` records the landing files it read as the landing sensor's cursor."""
    cfg = settings.load().export()  # also writes DAGSTER_HOME/dagster.yaml when missing
    ensure_manifest()
    from stockops.checks import PYTHON_CHECK_KEYS
    from stockops.definitions import BUILD_JOB_NAME, defs
    from stockops.run_liveness import run_tags
    from stockops.sensors import record_built_landing, scan_landing

    job = defs.resolve_job_def(job_name or BUILD_JOB_NAME)
    # what this build reads; files landing while it runs are left for the sensor
    landing = scan_landing(cfg.landing_dir) if job.name == BUILD_JOB_NAME else None
    with dg.DagsterInstance.from_config(str(cfg.dagster_home)) as instance:
        result = job.execute_in_process(
            run_config=build_run_config(as_of_date, full_refresh),
            instance=instance,
            raise_on_error=False,
            tags=run_tags(),  # pid and host: a later run can tell when this process is gone
        )
        if landing is not None and result.success:
            record_built_landing(instance, landing)  # the sensor need not build them again
    failures = dbt_failures(result.run_id)
    failures += [
        f"{event.step_key}: {root_cause(event.step_failure_data.error)}"
        for event in result.all_events
        if event.is_step_failure
        and event.step_failure_data.error is not None
        and not (failures and event.step_key == "stockops_dbt_models")
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
        result.success and not failures,
        result.run_id,
        failures,
        inserted,
        published,
        warnings,
        summarize_checks(
            result.all_events, PYTHON_CHECK_KEYS & job.asset_layer.asset_graph.asset_check_keys
        ),
    )


def root_cause(error: Any) -> str:
    """The first line of the innermost error of a step failure (Dagster wraps the exception the
    step raised in its own)."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    lines = str(error.message).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def dbt_failures(run_id: str) -> list[str]:
    """What failed in the run's dbt invocations, from their run_results.json: one line per failed
    node, e.g. `dbt model int_inventory_layers: Could not cast value nan to DECIMAL(18,6)`."""
    from stockops.dbt_assets import run_target_path

    found = []
    base = run_target_path(run_id).parent
    for results in sorted(base.glob(f"stockops_dbt_models-{run_id[:7]}-*/run_results.json")):
        try:
            nodes = json.loads(results.read_text()).get("results", [])
        except (OSError, ValueError):
            continue
        for node in nodes:
            if node.get("status") not in ("error", "fail", "runtime error"):
                continue
            kind, _, name = str(node.get("unique_id", "")).partition(".")
            name = name.split(".", 1)[-1].split(".")[0] if name else "?"
            message = " ".join(str(node.get("message") or node.get("status")).split())
            found.append(f"dbt {kind} {name}: {message[:400]}")
    return found


@contextlib.contextmanager
def output_to(log_path: Path) -> Iterator[None]:
    """Send everything this process and its children print (Dagster's and dbt's logs) to
    `log_path` instead of the terminal, for the duration of the block."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with log_path.open("a", buffering=1) as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                yield
        finally:
            log.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
