"""Time-to-action targets: the rows of marts.fct_time_to_action_targets as check verdicts and as one
owner's figures against target.

dbt computes every figure and verdict (docs/time-to-action.md): per owner × decision type (× category
for the aging metric) and metric, the figure over the look-back window, the previous window's, the
target and severity resolved from the `time_to_action_targets` seed, and `verdict` (breach, met,
no_verdict). The functions here are pure, over plain dict rows of that mart, and tested without
Dagster:

- `evaluate(rows, metric)` -> `TargetCheck`: what one asset check reports — passed, severity
  ('error' when any breaching row's target is an error target, else 'warn'), a description, the
  breaching rows as a table (figure, target, trend against the previous window) and the first
  offenders as short lines for the `stockops run` summary.
- `owner_figures(rows, owner_id)`: one owner's figures against target, for the owner digest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Row = Mapping[str, Any]

TARGETS_MART = "fct_time_to_action_targets"
OFFENDERS_SHOWN = 3  # first offenders per check, as short lines for the run summary


@dataclass(frozen=True)
class Metric:
    label: str
    hours: bool  # hours (at most) or a share (at least)


# check name = metric name, in the order the checks are listed
METRICS: dict[str, Metric] = {
    "share_resolved_within_sla": Metric("share of decisions resolved within SLA", hours=False),
    "median_hours_to_ack": Metric("median hours from queued to first response", hours=True),
    "p90_hours_signal_to_resolution": Metric("p90 hours from signal to resolution", hours=True),
    "p90_hours_signal_to_action": Metric(
        "p90 hours from aging signal to corrective action executed, per category", hours=True
    ),
}


@dataclass(frozen=True)
class TargetCheck:
    name: str
    passed: bool
    severity: str  # 'error' or 'warn'
    description: str | None
    evaluated: int  # rows with a verdict (met or breach)
    no_verdict: int
    breaching: list[dict[str, Any]] = field(default_factory=list)  # rows for the metadata table
    first_offenders: list[str] = field(default_factory=list)


def format_figure(metric: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if METRICS[metric].hours:
        return f"{float(value):,.2f} h"
    return f"{float(value) * 100:.1f} %"


def _subject(row: Row) -> str:
    category = row.get("category_id")
    suffix = f" {category}" if category and category != "all" else ""
    return f"{row['owner_id']} × {row['decision_type']}{suffix}"


def trend(row: Row) -> str:
    """The figure against the previous window's: worse / better by how much, or why not known."""
    metric, now, before = row["metric"], row.get("figure"), row.get("previous_figure")
    if now is None or before is None:
        return "no previous figure"
    change = float(now) - float(before)
    if change == 0:
        return f"unchanged ({format_figure(metric, before)})"
    worse = change > 0 if METRICS[metric].hours else change < 0
    size = f"{abs(change):,.2f} h" if METRICS[metric].hours else f"{abs(change) * 100:.1f} pts"
    return f"{'worse' if worse else 'better'} by {size} (was {format_figure(metric, before)})"


def _breach_order(row: Row) -> tuple:
    """Error targets first, then the largest miss relative to the target."""
    target = float(row["target"]) or 1e-9
    miss = (float(row["figure"]) - target) / target
    if not METRICS[row["metric"]].hours:
        miss = -miss
    return (row.get("severity") != "error", -miss, _subject(row))


def offender_line(row: Row) -> str:
    """One breach in a line: 'buyer.ben × replenish: 31.50 h > 8.00 h (error; worse by …)'."""
    metric = row["metric"]
    sign = ">" if METRICS[metric].hours else "<"
    return (
        f"{_subject(row)}: {format_figure(metric, row['figure'])} {sign} "
        f"{format_figure(metric, row['target'])} ({row.get('severity')}; {trend(row)})"
    )


def evaluate(rows: Iterable[Row], metric: str) -> TargetCheck:
    """The verdicts of one metric's rows as one check result."""
    if metric not in METRICS:
        raise ValueError(f"unknown time-to-action metric {metric!r}")
    rows = [r for r in rows if r["metric"] == metric]
    breaches = sorted((r for r in rows if r["verdict"] == "breach"), key=_breach_order)
    severity = "error" if any(r.get("severity") == "error" for r in breaches) else "warn"
    per_category = metric == "p90_hours_signal_to_action"
    table = [
        {
            "owner_id": r["owner_id"],
            "decision_type": r["decision_type"],
            **({"category_id": r.get("category_id")} if per_category else {}),
            "figure": format_figure(metric, r["figure"]),
            "target": format_figure(metric, r["target"]),
            "severity": r.get("severity"),
            "sample": r.get("sample"),
            "still_waiting": r.get("still_waiting"),
            "auto_executed": r.get("auto_executed"),
            "open_within_sla": r.get("open_within_sla"),
            "trend": trend(r),
            "target_set_by": r.get("target_set_by"),
        }
        for r in breaches
    ]
    description = None
    if breaches:
        errors = sum(r.get("severity") == "error" for r in breaches)
        description = (
            f"{len(breaches)} breach{'es' if len(breaches) != 1 else ''} of the "
            f"{METRICS[metric].label} target ({errors} error, {len(breaches) - errors} warn): "
            + "; ".join(offender_line(r) for r in breaches[:OFFENDERS_SHOWN])
        )
    return TargetCheck(
        name=metric,
        passed=not breaches,
        severity=severity,
        description=description,
        evaluated=sum(r["verdict"] in ("breach", "met") for r in rows),
        no_verdict=sum(r["verdict"] == "no_verdict" for r in rows),
        breaching=table,
        first_offenders=[offender_line(r) for r in breaches[:OFFENDERS_SHOWN]],
    )


def owner_figures(rows: Iterable[Row], owner_id: str) -> list[dict[str, Any]]:
    """One owner's figures against target (the owner digest's section), breaches first, then by
    decision type, category and metric. Each entry: decision_type, category_id, metric, label,
    figure, target, comparison, verdict, severity, sample, min_decisions, auto_executed,
    open_within_sla, previous_figure, trend, and `text` — the figure and target as shown."""
    order = {"breach": 0, "met": 1, "no_verdict": 2}
    metric_order = list(METRICS)
    mine = [r for r in rows if r["owner_id"] == owner_id]
    mine.sort(
        key=lambda r: (
            order.get(r["verdict"], 3),
            r["decision_type"],
            r.get("category_id") or "",
            metric_order.index(r["metric"]),
        )
    )
    return [
        {
            "decision_type": r["decision_type"],
            "category_id": r.get("category_id"),
            "metric": r["metric"],
            "label": METRICS[r["metric"]].label,
            "figure": r.get("figure"),
            "target": r.get("target"),
            "comparison": r.get("comparison"),
            "verdict": r["verdict"],
            "severity": r.get("severity"),
            "sample": r.get("sample"),
            "min_decisions": r.get("min_decisions"),
            "auto_executed": r.get("auto_executed"),
            "open_within_sla": r.get("open_within_sla"),
            "previous_figure": r.get("previous_figure"),
            "trend": trend(r),
            "text": (
                f"{format_figure(r['metric'], r.get('figure'))} "
                f"(target {'≥' if r.get('comparison') == 'at_least' else '≤'} "
                f"{format_figure(r['metric'], r.get('target'))})"
            ),
        }
        for r in mine
    ]


# the mart's columns the checks and the digest use
COLUMNS: Sequence[str] = (
    "owner_id",
    "decision_type",
    "category_id",
    "metric",
    "comparison",
    "target",
    "target_set_by",
    "severity",
    "min_decisions",
    "sample",
    "still_waiting",
    "auto_executed",
    "open_within_sla",
    "figure",
    "previous_figure",
    "verdict",
)


def read_published(published_dir: Path) -> list[dict[str, Any]] | None:
    """The rows of the published copy of marts.fct_time_to_action_targets (what a reader outside
    a run sees, e.g. `stockops queue digest`); None when no run has published it yet."""
    import duckdb

    path = Path(published_dir) / f"{TARGETS_MART}.parquet"
    if not path.is_file():
        return None
    con = duckdb.connect()
    try:
        listed = ", ".join(f'"{c}"' for c in COLUMNS)
        cur = con.execute(f"select {listed} from read_parquet(?)", [str(path)])  # noqa: S608
        names = [d[0] for d in cur.description]
        return [dict(zip(names, values, strict=True)) for values in cur.fetchall()]
    finally:
        con.close()


def read_rows(duckdb_path: Path) -> list[dict[str, Any]]:
    """marts.fct_time_to_action_targets from the DuckDB file, read-only (no run may be writing it;
    readers outside a run use warehouse/published/fct_time_to_action_targets.parquet)."""
    from stockops.warehouse import read_mart

    return read_mart(duckdb_path, TARGETS_MART, COLUMNS)
