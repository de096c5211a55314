"""The landing sensor: a run of `stockops_build` when new or changed landing files appear.

The sensor lists the landing directory recursively for `*.parquet` and `*.csv` files and compares
each file's size and modification time with its cursor, a JSON map of relative path ->
[size, mtime_ns]. It ignores:

- `decision_events/`: stockops itself lands the owners' events there after every run; counting
  them would make every run start the next one;
- hidden files and folders (names starting with '.') and `*.partial`: files still being written
  (stockops writes to a hidden temporary name and renames it into place; do the same);
- files changed in the last STOCKOPS_SENSOR_SETTLE_SECONDS (default 2): a writer may still be at
  work; they are looked at again on the next tick.

The run key is derived from the change set, so a change is asked for once however often the sensor
is evaluated. Runs queue behind each other (dagster.yaml: one run at a time).

A successful `stockops run` build records the landing files it read as the sensor's cursor in the
Dagster instance (record_built_landing), so `make dev` after `make demo` does not build them again.
"""

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import dagster as dg

from stockops import settings
from stockops.schedules import BUILD_JOB_NAME
from stockops.settings import EVENTS_TABLE

SENSOR_NAME = "landing_files_sensor"
# the code location as `make dev` loads it (`dagster dev -m stockops.definitions`): Dagster names
# it after the module, and finds a sensor's stored state by location, repository and sensor name
DEFINITIONS_MODULE = "stockops.definitions"
LANDING_SUFFIXES = (".parquet", ".csv")
IGNORED_TOP_DIRS = frozenset({EVENTS_TABLE})
TRIGGER_TAG = "stockops/trigger"
CHANGED_FILES_TAG = "stockops/changed_files"
CHANGED_TABLES_TAG = "stockops/changed_tables"

Snapshot = dict[str, list[int]]  # relative posix path -> [size, mtime_ns]


def _ignored(relative: Path) -> bool:
    parts = relative.parts
    if parts and parts[0] in IGNORED_TOP_DIRS:
        return True
    if any(part.startswith(".") for part in parts):
        return True
    name = relative.name.lower()
    return name.endswith(".partial") or not name.endswith(LANDING_SUFFIXES)


def scan_landing(landing_dir: str | os.PathLike[str]) -> Snapshot:
    """Every landing data file under `landing_dir` (recursive) with its size and mtime_ns."""
    root = Path(landing_dir)
    found: Snapshot = {}
    if not root.is_dir():
        return found
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        rel_dir = here.relative_to(root)
        # prune ignored folders so their contents are never even listed
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and not _ignored_dir(rel_dir / d)
        )
        for name in filenames:
            relative = rel_dir / name
            if _ignored(relative):
                continue
            try:
                stat = (here / name).stat()
            except FileNotFoundError:  # renamed or removed while listing
                continue
            found[relative.as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return found


def _ignored_dir(relative: Path) -> bool:
    return len(relative.parts) == 1 and relative.parts[0] in IGNORED_TOP_DIRS


def changed(prev: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """Paths that are new in `now` or whose [size, mtime_ns] differ from `prev`, sorted.
    Removed files are not changes: they bring no new data."""
    return sorted(path for path, stat in now.items() if list(prev.get(path) or []) != list(stat))


def load_cursor(cursor: str | None) -> Snapshot:
    if not cursor:
        return {}
    try:
        value = json.loads(cursor)
    except ValueError:
        return {}
    files = value.get("files", value) if isinstance(value, dict) else {}
    return {str(k): list(v) for k, v in files.items() if isinstance(v, list | tuple)}


def change_digest(paths: list[str], now: Snapshot) -> str:
    blob = json.dumps({p: now[p] for p in paths}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def evaluate_landing(
    prev: Snapshot, now: Snapshot, wall_ns: int, settle_seconds: float
) -> tuple[list[str], Snapshot]:
    """(changed paths ready to build, next cursor). Files changed in the last `settle_seconds`
    are neither reported nor moved into the cursor, so the next tick sees them again."""
    settle_ns = int(settle_seconds * 1e9)
    young = {p for p, (_, mtime_ns) in now.items() if wall_ns - mtime_ns < settle_ns}
    ready = [p for p in changed(prev, now) if p not in young]
    cursor = {p: stat for p, stat in now.items() if p not in young}
    cursor.update({p: prev[p] for p in young if p in prev})
    return ready, cursor


def _tables(paths: list[str]) -> str:
    tables = sorted({p.split("/", 1)[0] if "/" in p else "." for p in paths})
    text = ",".join(tables)
    return text if len(text) <= 200 else text[:197] + "..."


def encode_cursor(files: Snapshot) -> str:
    return json.dumps({"files": files}, sort_keys=True, separators=(",", ":"))


@dg.sensor(
    name=SENSOR_NAME,
    job_name=BUILD_JOB_NAME,
    minimum_interval_seconds=settings.current().sensor_interval_seconds,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Starts stockops_build when *.parquet / *.csv landing files appear or change "
        "(decision_events/, hidden and *.partial files ignored)."
    ),
)
def landing_files_sensor(
    context: dg.SensorEvaluationContext,
) -> dg.SensorResult | dg.SkipReason:
    cfg = settings.load()
    landing_dir = cfg.landing_dir
    if not landing_dir.is_dir():
        return dg.SkipReason(f"landing directory {landing_dir} does not exist")
    prev = load_cursor(context.cursor)
    now = scan_landing(landing_dir)
    ready, cursor = evaluate_landing(
        prev, now, time.time_ns(), settings.current().sensor_settle_seconds
    )
    next_cursor = encode_cursor(cursor)
    if not ready:
        return dg.SensorResult(
            skip_reason=dg.SkipReason(
                f"nothing changed in {landing_dir} ({len(now)} landing files)"
            ),
            cursor=next_cursor,
        )
    context.log.info(f"{len(ready)} new or changed landing files: {', '.join(ready[:10])}")
    cfg.warehouse_dir.mkdir(parents=True, exist_ok=True)  # dbt-duckdb creates the file, not the dir
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"landing-{change_digest(ready, now)}",
                tags={
                    TRIGGER_TAG: "landing_files",
                    CHANGED_FILES_TAG: str(len(ready)),
                    CHANGED_TABLES_TAG: _tables(ready),
                },
            )
        ],
        cursor=next_cursor,
    )


def record_built_landing(instance: dg.DagsterInstance, built: Snapshot) -> None:
    """Record landing files a build has read (`built`, a scan_landing taken before it started) in
    the sensor's cursor: in every state the instance holds for the sensor, or, when it holds none
    (the daemon never ran), in a new one for the code location `make dev` loads. Files the cursor
    knows and the build did not read keep their entry. Dagster has no public call to set a cursor
    outside a workspace (`dagster sensor cursor --set` loads the code location first), hence its
    storage classes here."""
    from dagster._core.definitions.repository_definition import SINGLETON_REPOSITORY_NAME
    from dagster._core.definitions.sensor_definition import SensorType
    from dagster._core.remote_origin import RemoteInstigatorOrigin, RemoteRepositoryOrigin
    from dagster._core.scheduler.instigation import (
        InstigatorState,
        InstigatorStatus,
        InstigatorType,
        SensorInstigatorData,
    )
    from dagster._core.workspace.load import location_origin_from_module_name

    states = [
        state
        for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
        if state.name == SENSOR_NAME
    ]
    if not states:
        location = location_origin_from_module_name(DEFINITIONS_MODULE, None, None)
        # as the daemon creates the state of a sensor that is on by default
        state = InstigatorState(
            RemoteInstigatorOrigin(
                RemoteRepositoryOrigin(location, SINGLETON_REPOSITORY_NAME), SENSOR_NAME
            ),
            InstigatorType.SENSOR,
            InstigatorStatus.DECLARED_IN_CODE,
            SensorInstigatorData(
                min_interval=settings.current().sensor_interval_seconds,
                last_sensor_start_timestamp=time.time(),
                sensor_type=SensorType.STANDARD,
            ),
        )
        states = [instance.add_instigator_state(state)]
    for state in states:
        data = state.instigator_data or SensorInstigatorData()
        files = {**load_cursor(data.cursor), **built}
        instance.update_instigator_state(
            state.with_data(data._replace(cursor=encode_cursor(files)))
        )
