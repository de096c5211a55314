"""Python asset checks: the time-to-action guarantees (docs/orchestration.md, docs/time-to-action.md).

On `owner_queue`:

| check                     | severity        | passes when                                           |
|---------------------------|-----------------|-------------------------------------------------------|
| `owner_resolved`          | ERROR, blocking | every fct_decisions row has a real owner (not the     |
|                           |                 | fallback)                                             |
| `overdue_escalated`       | ERROR, blocking | no open overdue decision lacks an escalation          |
| `queue_reconciles`        | ERROR, blocking | open decisions of the mart and open queue rows match, |
|                           |                 | and so do their states (the queue's events the mart   |
|                           |                 | has seen)                                             |
| `signal_to_queue_latency` | WARN            | median hours from signal to queue <= the configured   |
|                           |                 | bound                                                 |

Blocking, as dagster-dbt makes every ERROR dbt test: an asset downstream of `owner_queue` in the
same run does not materialise after one of them failed (none is today; the failure also fails
`stockops run`).

On `marts/fct_time_to_action_targets`, one per metric of the `time_to_action_targets` seed
(`share_resolved_within_sla`, `median_hours_to_ack`, `p90_hours_signal_to_resolution`,
`p90_hours_signal_to_action`): passes when no owner × decision type breaches its target; a breach
of an `error` target is an ERROR, of a `warn` target a WARN (stockops.time_to_action). They never
block: they measure how fast people act, not whether the data is right, and the assets downstream of
the mart (`owner_queue`, `published_marts`) are how the owners and readers learn of it.

Each check is a pure function over plain lists of dicts that returns the offending rows (tested
without Dagster); the Dagster check reads the mart (the DuckDB file, read-only: the checks run in
the same single-process run after dbt has finished) and the queue, and reports counts and up to
20 offending rows in its metadata so that a failure explains itself in the UI.

Each group is evaluated by one `multi_asset_check`, so the marts and the queue are read once; it
can be subset, so each check can also be run on its own. Every check puts its first offenders, as
short lines, under the metadata key `first_offenders` (the `stockops run` summary prints them).
"""

import json
import math
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import yaml

from stockops import settings, time_to_action
from stockops.warehouse import read_decisions

OWNER_QUEUE = dg.AssetKey("owner_queue")
TARGETS_MART = dg.AssetKey(["marts", time_to_action.TARGETS_MART])
MAX_LISTED = 20
FIRST_OFFENDERS_KEY = "first_offenders"  # metadata: up to 3 short lines naming the offenders
DEFAULT_FALLBACK_OWNER = "unassigned.fallback"

Row = Mapping[str, Any]


# ------------------------------------------------------------------------------ plain helpers
def fallback_owner_id(project_dir: str | os.PathLike[str] | None = None) -> str:
    """The dbt var `fallback_owner_id` from dbt_project.yml (default 'unassigned.fallback')."""
    path = Path(project_dir or settings.load().project_dir) / "dbt_project.yml"
    try:
        config = yaml.safe_load(path.read_text()) or {}
    except OSError:
        return DEFAULT_FALLBACK_OWNER
    value = (config.get("vars") or {}).get("fallback_owner_id")
    return str(value) if value else DEFAULT_FALLBACK_OWNER


def _key(row: Row) -> tuple[str, int]:
    return str(row["decision_id"]), int(row["decision_version"])


def _is_open(decision: Row) -> bool:
    return bool(decision.get("is_open")) and decision.get("status") != "withdrawn"


def parse_utc(value: Any) -> datetime | None:
    """A timestamp from the mart or the queue (datetime or ISO text, 'Z' or naive = UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        ts = value
    else:
        ts = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def unresolved_owners(decisions: Iterable[Row], fallback_owner: str) -> list[dict[str, Any]]:
    """Decisions without an owner, or owned by the fallback owner."""
    return [
        {
            "decision_id": d["decision_id"],
            "decision_version": d.get("decision_version"),
            "decision_type": d.get("decision_type"),
            "subject_key": d.get("subject_key"),
            "owner_id": d.get("owner_id"),
        }
        for d in decisions
        if not str(d.get("owner_id") or "").strip() or d.get("owner_id") == fallback_owner
    ]


def unescalated_overdue(decisions: Iterable[Row], events: Iterable[Row]) -> list[dict[str, Any]]:
    """Open overdue decisions (escalate_to set) with neither fct_decisions.escalated_at nor an
    `escalated` queue event for their decision_id and decision_version."""
    escalated = {_key(e) for e in events if e.get("event_type") == "escalated"}
    return [
        {
            "decision_id": d["decision_id"],
            "decision_version": d["decision_version"],
            "owner_id": d.get("owner_id"),
            "escalate_to": d.get("escalate_to"),
            "ack_due_at": d.get("ack_due_at"),
            "resolve_due_at": d.get("resolve_due_at"),
        }
        for d in decisions
        if _is_open(d)
        and d.get("is_overdue")
        and d.get("escalate_to")
        and not d.get("escalated_at")
        and _key(d) not in escalated
    ]


def queue_mismatches(decisions: Iterable[Row], items: Iterable[Row]) -> list[dict[str, Any]]:
    """Where the mart and the queue disagree: an open decision whose version is not queued; an
    open queue row whose decision the mart lacks, whose version is not the mart's latest, or
    whose decision the mart no longer has open."""
    mart = {str(d["decision_id"]): d for d in decisions}
    items = list(items)
    queued = {_key(i) for i in items}
    problems: list[dict[str, Any]] = []

    def problem(text: str, decision_id: str, version: Any, **extra: Any) -> None:
        d = mart.get(decision_id, {})
        problems.append(
            {
                "problem": text,
                "decision_id": decision_id,
                "decision_version": version,
                "mart_version": d.get("decision_version"),
                "mart_status": d.get("status"),
                "owner_id": extra.get("owner_id", d.get("owner_id")),
                "queue_status": extra.get("queue_status"),
            }
        )

    for decision_id, d in sorted(mart.items()):
        if _is_open(d) and _key(d) not in queued:
            problem("open in the mart, not in the queue", decision_id, d["decision_version"])
    for item in sorted(items, key=_key):
        if item.get("queue_status") != "open":
            continue
        decision_id, version = _key(item)
        extra = {"owner_id": item.get("owner_id"), "queue_status": item.get("queue_status")}
        d = mart.get(decision_id)
        if d is None:
            problem("open in the queue, not in the mart", decision_id, version, **extra)
        elif int(d["decision_version"]) != version:
            problem(
                "open in the queue at another version than the mart's latest",
                decision_id,
                version,
                **extra,
            )
        elif not _is_open(d):
            problem("open in the queue, not open in the mart", decision_id, version, **extra)
    return problems


def state_mismatches(
    decisions: Iterable[Row],
    items: Iterable[Row],
    events: Iterable[Row],
    seen: Iterable[str],
    transitions: Mapping[tuple[str, str], str],
    at: datetime,
) -> list[dict[str, Any]]:
    """Open queue rows at the mart's version whose state, replayed from the queue's events that the
    mart has seen (`seen`: the event ids of int_decision_event_checks) as of `at` (the build's
    evaluation time), is not the mart's status. Queue events land for the next build, so later ones
    do not count; a landed event the mart quarantined does, since the queue wrote it."""
    from stockops.queue import actions

    mart = {str(d["decision_id"]): d for d in decisions}
    seen = set(seen)
    by_version: dict[tuple[str, int], list[Row]] = {}
    for e in events:
        if e.get("event_id") in seen:
            by_version.setdefault(_key(e), []).append(e)
    problems = []
    for item in sorted(items, key=_key):
        d = mart.get(str(item["decision_id"]))
        if item.get("queue_status") != "open" or d is None or not _is_open(d):
            continue
        if int(d["decision_version"]) != int(item["decision_version"]):
            continue
        state = actions.current_state(by_version.get(_key(item), []), transitions, at)
        if state != d.get("status"):
            problems.append(
                {
                    "problem": f"queue state {state}, mart status {d.get('status')}",
                    "decision_id": d["decision_id"],
                    "decision_version": d["decision_version"],
                    "mart_version": d["decision_version"],
                    "mart_status": d.get("status"),
                    "owner_id": item.get("owner_id"),
                    "queue_status": item.get("queue_status"),
                }
            )
    return problems


def _signal_at(item: Row) -> Any:
    if item.get("signal_at"):
        return item["signal_at"]
    payload = item.get("payload")
    if isinstance(payload, str) and payload:
        return json.loads(payload).get("signal_at")
    if isinstance(payload, Mapping):
        return payload.get("signal_at")
    return None


def signal_to_queue_latencies(
    items: Iterable[Row], since: datetime | None = None
) -> list[dict[str, Any]]:
    """Hours from a decision's signal to its queueing, for the queue rows enqueued at or after
    `since` (the last export run), or for every open queue row when `since` is not known. Rows
    without a signal time are left out. Slowest first."""
    rows = []
    for item in items:
        enqueued = parse_utc(item.get("enqueued_at"))
        if enqueued is None:
            continue
        if since is not None:
            if enqueued < since:
                continue
        elif item.get("queue_status") != "open":
            continue
        signal = parse_utc(_signal_at(item))
        if signal is None:
            continue
        rows.append(
            {
                "decision_id": item["decision_id"],
                "decision_version": item["decision_version"],
                "owner_id": item.get("owner_id"),
                "signal_at": signal.isoformat(),
                "enqueued_at": enqueued.isoformat(),
                "hours": round((enqueued - signal).total_seconds() / 3600, 3),
            }
        )
    return sorted(rows, key=lambda r: (-r["hours"], r["decision_id"]))


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (DuckDB's quantile_cont)."""
    position = q * (len(sorted_values) - 1)
    low, high = math.floor(position), math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def latency_summary(latencies: Iterable[Row]) -> dict[str, float | int | None]:
    hours = sorted(float(r["hours"]) for r in latencies)
    if not hours:
        return {"count": 0, "median_hours": None, "p90_hours": None}
    return {
        "count": len(hours),
        "median_hours": round(_quantile(hours, 0.5), 3),
        "p90_hours": round(_quantile(hours, 0.9), 3),
    }


def markdown_table(rows: Sequence[Row], limit: int = MAX_LISTED) -> str:
    """Up to `limit` rows as a markdown table (for check metadata)."""
    if not rows:
        return "_none_"
    columns = list(rows[0].keys())

    def cell(value: Any) -> str:
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r.get(c)) for c in columns) + " |" for r in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"\n… and {len(rows) - limit} more")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- reading
# the columns of fct_decisions the checks read (not `inputs`, the bulk of a row)
MART_COLUMNS = (
    "decision_id",
    "decision_version",
    "decision_type",
    "subject_key",
    "owner_id",
    "status",
    "is_open",
    "is_overdue",
    "escalate_to",
    "escalated_at",
    "ack_due_at",
    "resolve_due_at",
)


def read_mart(duckdb_path: Path) -> list[dict[str, Any]]:
    """fct_decisions from the DuckDB file, read-only (no run writes it while checks run)."""
    return read_decisions(duckdb_path, MART_COLUMNS)


def read_queue(queue_path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The queue as plain rows: every item (closed ones too, without their payloads) and the
    `escalated` events. The only code here that touches the queue store, so the backend can be
    swapped in one place."""
    from stockops.queue.backends import open_store

    store = open_store(queue_path)
    return store.items(include_closed=True, payload=False), store.events_after(0, "escalated")


def read_seen_events(duckdb_path: Path) -> tuple[list[str], datetime | None]:
    """The decision event ids the last build judged (int_decision_event_checks, accepted or
    quarantined) and its evaluation time (int_decision_lifecycle.evaluated_at)."""
    import duckdb

    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        seen = [
            r[0]
            for r in con.execute(
                "select event_id from intermediate.int_decision_event_checks"
            ).fetchall()
        ]
        row = con.execute(
            "select max(evaluated_at) from intermediate.int_decision_lifecycle"
        ).fetchone()
    finally:
        con.close()
    return seen, parse_utc(row[0]) if row else None


def last_export_started_at(instance: dg.DagsterInstance) -> datetime | None:
    """Start of the run that last materialised owner_queue (None when not known)."""
    event = instance.get_latest_materialization_event(OWNER_QUEUE)
    if event is None:
        return None
    record = instance.get_run_record_by_id(event.run_id)
    if record is None or record.start_time is None:
        return None
    return datetime.fromtimestamp(record.start_time, UTC)


# -------------------------------------------------------------------------------- the checks
CHECK_SPECS = [
    dg.AssetCheckSpec(
        "owner_resolved",
        asset=OWNER_QUEUE,
        blocking=True,
        description="Every fct_decisions row has an owner that is not the fallback owner (ERROR).",
    ),
    dg.AssetCheckSpec(
        "overdue_escalated",
        asset=OWNER_QUEUE,
        blocking=True,
        description=(
            "No open decision past its SLA (escalate_to set) without an escalation: "
            "fct_decisions.escalated_at or an 'escalated' queue event (ERROR)."
        ),
    ),
    dg.AssetCheckSpec(
        "queue_reconciles",
        asset=OWNER_QUEUE,
        blocking=True,
        description=(
            "Every open decision version of fct_decisions is queued; every open queue row is "
            "the mart's latest version of an open decision (ERROR)."
        ),
    ),
    dg.AssetCheckSpec(
        "signal_to_queue_latency",
        asset=OWNER_QUEUE,
        description=(
            "Median hours from signal to queue, over the decisions queued by the last export, "
            "at most STOCKOPS_MAX_MEDIAN_LATENCY_HOURS (default 24) (WARN)."
        ),
    ),
]


def first_offenders(rows: Sequence[Row], fields: Sequence[str]) -> list[str]:
    """The first few offending rows as short `field=value` lines."""
    return [
        " ".join(f"{f}={row[f]}" for f in fields if row.get(f) is not None)
        for row in rows[: time_to_action.OFFENDERS_SHOWN]
    ]


def _offending(
    name: str,
    rows: list[dict[str, Any]],
    checked: int,
    description: str,
    fields: Sequence[str],
) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=name,
        asset_key=OWNER_QUEUE,
        passed=not rows,
        severity=dg.AssetCheckSeverity.ERROR,
        description=description if rows else None,
        metadata={
            "rows_checked": checked,
            "offending_rows": len(rows),
            "offending": dg.MetadataValue.md(markdown_table(rows)),
            FIRST_OFFENDERS_KEY: dg.MetadataValue.json(first_offenders(rows, fields)),
        },
    )


def evaluate(
    decisions: list[dict[str, Any]],
    items: list[dict[str, Any]],
    events: list[dict[str, Any]],
    *,
    fallback_owner: str,
    max_median_hours: float,
    since: datetime | None,
    selected: set[str] | None = None,
    states: Mapping[str, Any] | None = None,
) -> Iterator[dg.AssetCheckResult]:
    """The results of the selected checks (all when `selected` is None)."""

    def wanted(name: str) -> bool:
        return selected is None or name in selected

    if wanted("owner_resolved"):
        rows = unresolved_owners(decisions, fallback_owner)
        yield _offending(
            "owner_resolved",
            rows,
            len(decisions),
            f"{len(rows)} decisions without a resolved owner (fallback '{fallback_owner}')",
            ("decision_id", "decision_type", "owner_id"),
        )
    if wanted("overdue_escalated"):
        rows = unescalated_overdue(decisions, events)
        yield _offending(
            "overdue_escalated",
            rows,
            len(decisions),
            f"{len(rows)} overdue decisions not escalated",
            ("decision_id", "owner_id", "escalate_to"),
        )
    if wanted("queue_reconciles"):
        # states: {events: every queue event, seen: event ids, transitions, at} (see state_mismatches)
        rows = queue_mismatches(decisions, items) + (
            state_mismatches(decisions, items, **states) if states else []
        )
        yield _offending(
            "queue_reconciles",
            rows,
            len(decisions) + len(items),
            f"{len(rows)} differences between fct_decisions and the queue",
            ("problem", "decision_id", "decision_version"),
        )
    if wanted("signal_to_queue_latency"):
        latencies = signal_to_queue_latencies(items, since)
        summary = latency_summary(latencies)
        median = summary["median_hours"]
        passed = median is None or median <= max_median_hours
        offenders = (
            []
            if passed
            else [
                f"median {median} h > {max_median_hours} h over {summary['count']} decisions",
                *first_offenders(latencies, ("decision_id", "owner_id", "hours"))[:2],
            ]
        )
        yield dg.AssetCheckResult(
            check_name="signal_to_queue_latency",
            asset_key=OWNER_QUEUE,
            passed=passed,
            severity=dg.AssetCheckSeverity.WARN,
            description=None
            if passed
            else f"median signal-to-queue latency {median} h exceeds {max_median_hours} h",
            metadata={
                "count": summary["count"],
                **{
                    key: float(value)
                    for key in ("median_hours", "p90_hours")
                    if (value := summary[key]) is not None
                },
                "bound_median_hours": float(max_median_hours),
                "sample": "decisions queued by the last export run"
                if since is not None
                else "all open queue rows",
                "slowest": dg.MetadataValue.md(markdown_table(latencies)),
                FIRST_OFFENDERS_KEY: dg.MetadataValue.json(offenders),
            },
        )


@dg.multi_asset_check(
    specs=CHECK_SPECS,
    can_subset=True,
    name="owner_queue_checks",
    description="Time-to-action checks on the owners' queues (docs/orchestration.md).",
)
def owner_queue_checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
    cfg = settings.load()
    decisions = read_mart(cfg.duckdb_path)
    items, events = read_queue(cfg.queue_path)
    states = None
    if dg.AssetCheckKey(OWNER_QUEUE, "queue_reconciles") in context.selected_asset_check_keys:
        from stockops.queue import actions
        from stockops.queue.backends import open_store

        seen, at = read_seen_events(cfg.duckdb_path)
        states = {
            "events": open_store(cfg.queue_path).events_after(0),
            "seen": seen,
            "transitions": actions.load_policy(cfg.project_dir / "seeds").transitions,
            "at": at or datetime.now(UTC),
        }
    yield from evaluate(
        decisions,
        items,
        events,
        fallback_owner=fallback_owner_id(cfg.project_dir),
        max_median_hours=settings.current().max_median_latency_hours,
        since=last_export_started_at(context.instance),
        selected={key.name for key in context.selected_asset_check_keys},
        states=states,
    )


# ------------------------------------------------------------------ time-to-action targets
TARGET_CHECK_SPECS = [
    dg.AssetCheckSpec(
        name,
        asset=TARGETS_MART,
        # not blocking (module docstring): a missed target must not stop the export to the owners
        description=(
            f"Every owner × decision type meets its target for the {metric.label} over the "
            "look-back window (time_to_action_targets; ERROR for an error target, WARN for a warn "
            "target; no verdict below min_decisions)."
        ),
    )
    for name, metric in time_to_action.METRICS.items()
]


def target_check_result(check: time_to_action.TargetCheck) -> dg.AssetCheckResult:
    """A time-to-action target verdict as a Dagster check result, breaches in a Markdown table."""
    return dg.AssetCheckResult(
        check_name=check.name,
        asset_key=TARGETS_MART,
        passed=check.passed,
        severity=(
            dg.AssetCheckSeverity.ERROR if check.severity == "error" else dg.AssetCheckSeverity.WARN
        ),
        description=check.description,
        metadata={
            "evaluated": check.evaluated,
            "no_verdict": check.no_verdict,
            "breaches": len(check.breaching),
            "breaching": dg.MetadataValue.md(markdown_table(check.breaching)),
            FIRST_OFFENDERS_KEY: dg.MetadataValue.json(check.first_offenders),
        },
    )


@dg.multi_asset_check(
    specs=TARGET_CHECK_SPECS,
    can_subset=True,
    name="time_to_action_target_checks",
    description="Owners' time to action against the time_to_action_targets seed.",
)
def time_to_action_target_checks(
    context: dg.AssetCheckExecutionContext,
) -> Iterator[dg.AssetCheckResult]:
    rows = time_to_action.read_rows(settings.load().duckdb_path)
    selected = {key.name for key in context.selected_asset_check_keys}
    for name in time_to_action.METRICS:
        if name in selected:
            yield target_check_result(time_to_action.evaluate(rows, name))


# every Python check of the code location (the rest are dbt tests)
PYTHON_CHECK_KEYS = frozenset(
    key
    for checks in (owner_queue_checks, time_to_action_target_checks)
    for key in checks.check_keys
)
