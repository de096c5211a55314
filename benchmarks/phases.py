"""Split one `stockops run` into phases, from the Dagster event log and dbt's run_results.json.

Sources, all written by the run itself:

* the harness: process start and exit (epoch seconds);
* the Dagster instance in the run's DAGSTER_HOME: RUN_START / RUN_SUCCESS, STEP_START and
  STEP_SUCCESS/STEP_FAILURE of the two steps (``stockops_dbt_models``: the `dbt build`;
  ``owner_queue``: the export), the owner_queue materialisation metadata and the number of asset
  check evaluations (every dbt test is an asset check);
* dbt's ``run_results.json`` in the unique target path dagster-dbt gives the invocation
  (``<project>/target/stockops_dbt_models-<run_id[:7]>-<random>/``): the invocation start and,
  per node, the compile/execute timings and resource type.

Phases (wall clock, consecutive, they add up to the total):

  startup         process start -> dbt step start: Python and Dagster imports, settings, the landing
                  pre-flight check, loading the definitions from the manifest, run creation
  dbt_start_parse dbt step start -> first dbt node starts: dbt process start-up, project parse,
                  connection, schema creation, relation cache
  models / seeds / tests
                  first node start -> last node end, each instant attributed to the highest-priority
                  kind of node running at that instant (model > seed > test/unit test); dbt runs two
                  threads, so a test running beside a model counts as model time
  dbt_between     instants inside that window when no node runs (scheduling gaps)
  dbt_finish      last node end -> dbt step end: artifacts, dbt exit, Dagster handling the stream
  export          the owner_queue step (read fct_decisions, write the queue, land events)
  publish         the published_marts step (marts as Parquet), when the job has it
  checks          the owner_queue_checks step (Python asset checks on the queue), when present
  step:<key>      any other step
  dagster_between time between consecutive steps
  finish          last step end -> process exit (run bookkeeping, the owner summary)
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DBT_STEP = "stockops_dbt_models"
EXPORT_STEP = "owner_queue"
PRIORITY = ("model", "seed", "test")  # highest first; unit tests count as tests


def _ts(text: str) -> float:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def node_kind(unique_id: str) -> str:
    prefix = unique_id.split(".", 1)[0]
    return {"unit_test": "test"}.get(prefix, prefix)


# ------------------------------------------------------------------------------- Dagster events
def dagster_events(dagster_home: Path, run_id: str | None = None) -> dict[str, Any]:
    """Step times and export metadata of one run (the latest when run_id is None)."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        if run_id is None:
            runs = instance.get_runs(limit=1)
            if not runs:
                return {}
            run_id = runs[0].run_id
        entries = instance.all_logs(run_id)
    out: dict[str, Any] = {
        "run_id": run_id,
        "steps": {},
        "asset_check_evaluations": 0,
        "event_count": len(entries),
    }
    for entry in entries:
        event = entry.dagster_event
        if event is None:
            continue
        kind = event.event_type_value
        if kind == "PIPELINE_START":
            out["run_start"] = entry.timestamp
        elif kind in ("PIPELINE_SUCCESS", "PIPELINE_FAILURE"):
            out["run_end"] = entry.timestamp
            out["run_status"] = kind
        elif kind == "STEP_START":
            out["steps"].setdefault(event.step_key, {})["start"] = entry.timestamp
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            step = out["steps"].setdefault(event.step_key, {})
            step["end"] = entry.timestamp
            step["status"] = kind
        elif kind == "ASSET_CHECK_EVALUATION":
            out["asset_check_evaluations"] += 1
        elif kind == "ASSET_MATERIALIZATION" and event.step_key == EXPORT_STEP:
            metadata = event.event_specific_data.materialization.metadata
            out["export_metadata"] = {k: getattr(v, "value", v) for k, v in metadata.items()}
            out["export_materialized_at"] = entry.timestamp
    return out


# ------------------------------------------------------------------------------- dbt artifacts
def find_run_results(project_dir: Path, run_id: str) -> Path | None:
    """run_results.json of this run's dbt invocation (dagster-dbt's unique target path)."""
    candidates = sorted(
        (project_dir / "target").glob(f"{DBT_STEP}-{run_id[:7]}-*/run_results.json"),
        key=lambda p: p.stat().st_mtime,
    )
    return candidates[-1] if candidates else None


def dbt_nodes(run_results: Path) -> dict[str, Any]:
    data = json.loads(run_results.read_text())
    nodes = []
    for result in data["results"]:
        timing = [t for t in result.get("timing", []) if t.get("started_at")]
        if not timing:
            continue
        start = min(_ts(t["started_at"]) for t in timing)
        end = max(_ts(t["completed_at"]) for t in timing)
        nodes.append(
            {
                "unique_id": result["unique_id"],
                "kind": node_kind(result["unique_id"]),
                "status": result["status"],
                "start": start,
                "end": end,
                "seconds": round(float(result.get("execution_time") or end - start), 3),
            }
        )
    meta = data.get("metadata", {})
    return {
        "path": str(run_results),
        "invocation_started_at": _ts(meta["invocation_started_at"])
        if meta.get("invocation_started_at")
        else None,
        "generated_at": _ts(meta["generated_at"]) if meta.get("generated_at") else None,
        "elapsed_time": data.get("elapsed_time"),
        "nodes": nodes,
    }


def _attribute(nodes: list[dict[str, Any]]) -> dict[str, float]:
    """Wall seconds of [first start, last end] per highest-priority kind running (or 'between')."""
    bounds = sorted({n["start"] for n in nodes} | {n["end"] for n in nodes})
    totals = {kind: 0.0 for kind in PRIORITY} | {"between": 0.0}
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        mid = (lo + hi) / 2
        running = {n["kind"] for n in nodes if n["start"] <= mid < n["end"]}
        kind = next((k for k in PRIORITY if k in running), "between")
        totals[kind] += hi - lo
    return totals


STEP_PHASE = {EXPORT_STEP: "export", "owner_queue_checks": "checks", "published_marts": "publish"}


def phases(
    *, proc_start: float, proc_end: float, events: dict[str, Any], dbt: dict[str, Any] | None
) -> dict[str, Any]:
    steps = events.get("steps", {})
    ordered = sorted(
        ((k, v) for k, v in steps.items() if "start" in v and "end" in v),
        key=lambda kv: kv[1]["start"],
    )
    out: dict[str, Any] = {"total": proc_end - proc_start}
    p: dict[str, float] = {}
    if ordered:
        p["startup"] = ordered[0][1]["start"] - proc_start
    nodes = (dbt or {}).get("nodes") or []
    between = 0.0
    previous_end = None
    for key, step in ordered:
        if previous_end is not None:
            between += max(0.0, step["start"] - previous_end)
        previous_end = max(previous_end or 0.0, step["end"])
        if key == DBT_STEP and nodes:
            first = min(n["start"] for n in nodes)
            last = max(n["end"] for n in nodes)
            p["dbt_start_parse"] = first - step["start"]
            spans = _attribute(nodes)
            p["seeds"] = spans["seed"]
            p["models"] = spans["model"]
            p["tests"] = spans["test"]
            p["dbt_between"] = spans["between"]
            p["dbt_finish"] = step["end"] - last
            if dbt and dbt.get("invocation_started_at"):
                out["dbt_process_start_after_step_start"] = round(
                    dbt["invocation_started_at"] - step["start"], 3
                )
        else:
            name = "dbt" if key == DBT_STEP else STEP_PHASE.get(key, f"step:{key}")
            p[name] = p.get(name, 0.0) + step["end"] - step["start"]
    if ordered:
        p["dagster_between"] = between
        p["finish"] = proc_end - previous_end
    out["phases"] = {k: round(v, 3) for k, v in p.items()}
    out["phases_sum"] = round(sum(p.values()), 3)
    out["steps"] = {
        k: {
            "start": v["start"],
            "seconds": round(v["end"] - v["start"], 3),
            "status": v.get("status"),
        }
        for k, v in ordered
    }
    if nodes:
        thread: dict[str, float] = {}
        for n in nodes:
            thread[n["kind"]] = thread.get(n["kind"], 0.0) + n["end"] - n["start"]
        out["dbt_thread_seconds"] = {k: round(v, 3) for k, v in sorted(thread.items())}
        unit = [n for n in nodes if n["unique_id"].startswith("unit_test.")]
        out["dbt_unit_tests"] = {
            "count": len(unit),
            "thread_seconds": round(sum(n["end"] - n["start"] for n in unit), 3),
        }
        out["dbt_node_counts"] = {
            k: sum(1 for n in nodes if n["kind"] == k) for k in sorted({n["kind"] for n in nodes})
        }
        out["dbt_node_status"] = {
            s: sum(1 for n in nodes if n["status"] == s)
            for s in sorted({n["status"] for n in nodes})
        }
    out["asset_check_evaluations"] = events.get("asset_check_evaluations", 0)
    out["dagster_events"] = events.get("event_count")
    return out


def slowest(dbt: dict[str, Any] | None, n: int = 10) -> list[dict[str, Any]]:
    nodes = sorted((dbt or {}).get("nodes") or [], key=lambda x: x["seconds"], reverse=True)
    return [
        {"unique_id": x["unique_id"], "kind": x["kind"], "seconds": x["seconds"]} for x in nodes[:n]
    ]
