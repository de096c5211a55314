"""The backtest report: metrics per world, means over seeds with 95 % confidence intervals, the
difference from `minmax` (paired by seed), the service-level sweep, BACKTEST.md, backtest.json."""

from __future__ import annotations

import json
import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# name, what it is, higher is better
METRICS: tuple[tuple[str, str, bool], ...] = (
    ("fill_rate", "units served / units demanded (stores and the constraint)", True),
    ("stockout_sku_days", "SKU-location-days ending with nothing on hand", False),
    ("lost_sales_value", "unserved demand at selling price (constraint: throughput value)", False),
    ("avg_inventory_value", "on-hand value at cost, mean over days", False),
    ("aged_90_value", "value of stock older than 90 days, mean over days", False),
    ("markdown_loss", "discounts given on marked-down sales + liquidation write-offs", False),
    ("orders_placed", "purchase-order lines placed", False),
    ("expedites", "purchase-order lines expedited", False),
    ("decisions_per_owner_day_mean", "new decision versions per owner per day", False),
    ("decisions_per_owner_day_p95", "95th percentile of the same", False),
    ("acted_within_sla_share", "decisions due by the end resolved within their SLA", True),
    (
        "total_cost",
        "holding + ordering (incl. expedite, transfer) + lost margin + markdown loss",
        False,
    ),
)
EXTRA = ("transfers", "markdowns", "liquidations", "negative_cash_days", "constraint_starved_hours")
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def world_metrics(result: dict[str, Any]) -> dict[str, float | None]:
    t = result["totals"]
    days = max(t["days"], 1)
    spec = result["spec"]
    sql = spec["policy"] != "minmax"
    counts = sorted(result.get("owner_day_counts") or [])
    sla = result.get("sla") or {}
    out: dict[str, float | None] = {
        "fill_rate": t["served_units"] / t["demand_units"] if t["demand_units"] else None,
        "stockout_sku_days": t["stockout_item_days"],
        "lost_sales_value": t["lost_sales_value"],
        "avg_inventory_value": t["inventory_value_days"] / days,
        "aged_90_value": t["aged_90_value_days"] / days,
        "markdown_loss": t["markdown_loss"],
        "orders_placed": t["orders_placed"],
        "expedites": t["expedites"],
        "decisions_per_owner_day_mean": statistics.fmean(counts) if sql and counts else None,
        "decisions_per_owner_day_p95": _quantile(counts, 0.95) if sql and counts else None,
        "acted_within_sla_share": (sla["within"] / sla["due"]) if sql and sla.get("due") else None,
        "total_cost": t["holding_cost"]
        + t["ordering_cost"]
        + t["lost_margin"]
        + t["markdown_loss"],
    }
    for name in EXTRA:
        out[name] = t[name]
    return {k: None if v is None else float(v) for k, v in out.items()}


def _quantile(values: Sequence[float], q: float) -> float:
    if len(values) == 1:
        return float(values[0])
    position = q * (len(values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def summary(values: Sequence[float | None]) -> dict[str, float | int | None]:
    """Mean and the half-width of its 95 % confidence interval (Student t over the seeds)."""
    xs = [v for v in values if v is not None]
    if not xs:
        return {"mean": None, "ci95": None, "n": 0}
    mean = statistics.fmean(xs)
    ci = (
        T975.get(len(xs) - 1, 1.96) * statistics.stdev(xs) / math.sqrt(len(xs))
        if len(xs) > 1
        else None
    )
    return {"mean": mean, "ci95": ci, "n": len(xs)}


def build(
    results: Sequence[dict[str, Any]], config: dict[str, Any], timing: dict[str, Any]
) -> dict[str, Any]:
    """backtest.json: rows per scenario x policy (base service levels), the sweep, per world."""
    per: dict[tuple[str, str, float | None], dict[int, dict[str, Any]]] = defaultdict(dict)
    for r in results:
        spec = r["spec"]
        label = (
            f"{spec['policy']}_{spec['k']}"
            if spec["policy"] == "stockops_top_k"
            else spec["policy"]
        )
        per[(spec["scenario"], label, spec["service_level"])][spec["seed"]] = {
            "metrics": world_metrics(r),
            "inventory_series": r["inventory_series"],
            "owners": r.get("owners") or {},
            "category_value": {
                c: v / max(r["totals"]["days"], 1)
                for c, v in (r["totals"].get("category_value_days") or {}).items()
            },
        }
    rows = []
    for (scenario, label, level), seeds in sorted(per.items(), key=lambda kv: _order(kv[0])):
        if level is not None:
            continue
        base = per.get((scenario, "minmax", None), {})
        row: dict[str, Any] = {"scenario": scenario, "policy": label, "seeds": sorted(seeds)}
        for name, _, _ in METRICS + tuple((e, "", False) for e in EXTRA):
            cell = summary([s["metrics"][name] for s in seeds.values()])
            if label != "minmax" and base:
                diffs = [
                    s["metrics"][name] - base[seed]["metrics"][name]
                    for seed, s in seeds.items()
                    if seed in base
                    and s["metrics"][name] is not None
                    and base[seed]["metrics"][name] is not None
                ]
                delta = summary(diffs)
                ref = summary([base[seed]["metrics"][name] for seed in seeds if seed in base])[
                    "mean"
                ]
                cell["delta"] = delta["mean"]
                cell["delta_ci95"] = delta["ci95"]
                cell["delta_pct"] = (
                    100 * delta["mean"] / ref if delta["mean"] is not None and ref else None
                )
            row[name] = cell
        row["avg_inventory_value_by_category"] = {
            c: statistics.fmean(s["category_value"].get(c, 0.0) for s in seeds.values())
            for c in sorted({c for s in seeds.values() for c in s["category_value"]})
        }
        acted: dict[str, float] = defaultdict(float)
        for s in seeds.values():
            for kind, n in (s["owners"].get("acted_by_type") or {}).items():
                acted[kind] += n / len(seeds)
        row["decisions_acted_by_type"] = dict(sorted(acted.items()))
        row["inventory_series_mean"] = [
            round(statistics.fmean(day), 2)
            for day in zip(*(s["inventory_series"] for s in seeds.values()), strict=True)
        ]
        rows.append(row)
    swept = {scenario for scenario, _, level in per if level is not None}
    sweep = []
    for (scenario, label, level), seeds in sorted(per.items(), key=lambda kv: _order(kv[0])):
        if scenario in swept and label in ("minmax", "stockops_all"):
            sweep.append(
                {
                    "scenario": scenario,
                    "policy": label,
                    "service_level": level,
                    "fill_rate": summary([s["metrics"]["fill_rate"] for s in seeds.values()]),
                    "avg_inventory_value": summary(
                        [s["metrics"]["avg_inventory_value"] for s in seeds.values()]
                    ),
                    "aged_90_value": summary(
                        [s["metrics"]["aged_90_value"] for s in seeds.values()]
                    ),
                }
            )
    return {
        "config": config,
        "timing": timing,
        "metrics": {
            name: {"meaning": text, "higher_is_better": better} for name, text, better in METRICS
        },
        "rows": rows,
        "sweep": sweep,
        "tradeoff": tradeoff(sweep),
    }


def _order(key: tuple[str, str, float | None]) -> tuple:
    from stockops.backtest.names import SCENARIOS

    scenario, label, level = key
    policies = [
        "minmax",
        "stockops_all",
        "stockops_top_k_5",
        "stockops_top_k_10",
        "stockops_top_k_25",
        "stockops_ignored",
    ]
    return (
        SCENARIOS.index(scenario) if scenario in SCENARIOS else 99,
        policies.index(label) if label in policies else 99,
        -1 if level is None else level,
    )


def tradeoff(sweep: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Inventory value at equal fill rate: each stockops_all sweep point against the minmax curve
    (linear interpolation between the minmax points around its fill rate)."""
    out = []
    for scenario in sorted({p["scenario"] for p in sweep}):
        curve = sorted(
            (p["fill_rate"]["mean"], p["avg_inventory_value"]["mean"])
            for p in sweep
            if p["scenario"] == scenario
            and p["policy"] == "minmax"
            and p["fill_rate"]["mean"] is not None
        )
        for p in sweep:
            if p["scenario"] != scenario or p["policy"] != "stockops_all":
                continue
            fill, value = p["fill_rate"]["mean"], p["avg_inventory_value"]["mean"]
            at = _interpolate(curve, fill)
            out.append(
                {
                    "scenario": scenario,
                    "service_level": p["service_level"],
                    "fill_rate": fill,
                    "stockops_inventory_value": value,
                    "minmax_inventory_value_at_equal_fill": at,
                    "difference_pct": 100 * (value - at) / at if at else None,
                }
            )
    return out


def _interpolate(curve: Sequence[tuple[float, float]], x: float) -> float | None:
    for (x0, y0), (x1, y1) in zip(curve, curve[1:], strict=False):
        if x0 <= x <= x1:
            return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return None  # outside the range minmax reached: no like-for-like comparison


def write(report: dict[str, Any], out_dir: Path, plots: dict[str, str]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "backtest.json").write_text(json.dumps(report, indent=1, default=_plain) + "\n")
    (out_dir / "BACKTEST.md").write_text(markdown(report, plots))


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return str(value)


def _fmt(value: float | None, name: str) -> str:
    if value is None:
        return "–"
    if name in ("fill_rate", "acted_within_sla_share"):
        return f"{100 * value:.1f} %"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def _cell(cell: dict[str, Any], name: str) -> str:
    text = _fmt(cell["mean"], name)
    if cell.get("ci95") is not None:
        text += f" ± {_fmt(cell['ci95'], name)}"
    return text


def _delta(cell: dict[str, Any], name: str) -> str:
    if cell.get("delta") is None:
        return ""
    if name in ("fill_rate", "acted_within_sla_share"):
        text = f"{100 * cell['delta']:+.1f} pp"
    elif cell.get("delta_pct") is not None:
        text = f"{cell['delta_pct']:+.0f} %"
    else:
        text = f"{cell['delta']:+.1f}"
    return text


def markdown(report: dict[str, Any], plots: dict[str, str]) -> str:
    config, timing = report["config"], report["timing"]
    lines = [
        "# stockops backtest",
        "",
        "Generated by `stockops backtest` (see docs/backtest.md for the world, the event order, the",
        "policies and what the figures mean); regenerate with `make backtest`. Do not edit by hand.",
        "",
        f"- scenarios: {', '.join(config['scenarios'])}; policies: {', '.join(config['policies'])} "
        f"(top-K with K = {', '.join(str(k) for k in config['ks'])})",
        f"- {config['seeds']} seeds, {config['days']} simulated days after a {config['warmup_days']}-day history, "
        f"{config['sku_locations']} SKU-locations per world, {config['worlds']} worlds "
        f"({config['sql_worlds']} running the decision SQL)",
        f"- wall time {timing['seconds']:.0f} s on {len(timing['workers'])} worker processes "
        f"(decision SQL compile {timing['plan_compile_seconds']:.0f} s, cached between runs)",
        "",
        *(
            [
                f"**A reduced run** ({config['seeds']} seeds, {config['days']} days instead of the default 5 and "
                "180): the default does not fit the run-time budget on the shared 2-core machine (decision SQL "
                'over the whole history every simulated day; see BENCHMARKS.md, "Outcome backtest").',
                "",
            ]
            if config["seeds"] < 5 or config["days"] < 180
            else []
        ),
        "Why stockops does better or worse where it does, decision type by decision type: "
        'docs/backtest.md, "What the committed run shows, and why".',
        "",
        "Each cell is the mean over the seeds ± the half-width of its 95 % confidence interval; the "
        "line below it is the mean difference from `minmax` on the same seeds (relative, or in "
        "percentage points for shares).",
        "",
    ]
    names = [m[0] for m in METRICS]
    for scenario in config["scenarios"]:
        rows = [r for r in report["rows"] if r["scenario"] == scenario]
        if not rows:
            continue
        lines += [
            f"## {scenario}",
            "",
            "| metric | " + " | ".join(r["policy"] for r in rows) + " |",
        ]
        lines.append("|---|" + "---|" * len(rows))
        for name in names:
            values = " | ".join(
                _cell(r[name], name)
                + (f"<br>{_delta(r[name], name)}" if _delta(r[name], name) else "")
                for r in rows
            )
            lines.append(f"| {name} | {values} |")
        lines.append("")
        by_cat = {r["policy"]: r["avg_inventory_value_by_category"] for r in rows}
        if "minmax" in by_cat and "stockops_all" in by_cat:
            pairs = ", ".join(
                f"{c} {by_cat['minmax'].get(c, 0):,.0f} → {v:,.0f}"
                for c, v in by_cat["stockops_all"].items()
            )
            lines += [f"Average inventory value by category, minmax → stockops_all: {pairs}.", ""]
        acted = next(
            (r["decisions_acted_by_type"] for r in rows if r["policy"] == "stockops_all"), None
        )
        if acted:
            listed = ", ".join(f"{k} {v:.0f}" for k, v in acted.items())
            lines += [f"Decisions stockops_all's owners acted on (mean per world): {listed}.", ""]
    if report["sweep"]:
        lines += [
            "## Service-level sweep (trade-off curves)",
            "",
            "The target service level of every category set to each value, for `minmax` (its min and "
            "max recomputed from the same history at that level) and `stockops_all`; the unswept "
            "point uses the category_strategies seed (0.90-0.99 by category).",
            "",
            "| scenario | policy | service level | fill rate | avg inventory value | aged 90+ value |",
            "|---|---|---|---|---|---|",
        ]
        for p in report["sweep"]:
            level = "seed" if p["service_level"] is None else f"{p['service_level']:.2f}"
            lines.append(
                f"| {p['scenario']} | {p['policy']} | {level} | {_cell(p['fill_rate'], 'fill_rate')} | "
                f"{_cell(p['avg_inventory_value'], 'x')} | {_cell(p['aged_90_value'], 'x')} |"
            )
        lines.append("")
        if report["tradeoff"]:
            lines += [
                "At equal fill rate (stockops_all against the minmax curve, interpolated):",
                "",
                "| scenario | service level | fill rate | stockops_all inventory "
                "| minmax inventory at that fill rate | difference |",
                "|---|---|---|---|---|---|",
            ]
            for t in report["tradeoff"]:
                level = "seed" if t["service_level"] is None else f"{t['service_level']:.2f}"
                at, pct = t["minmax_inventory_value_at_equal_fill"], t["difference_pct"]
                lines.append(
                    f"| {t['scenario']} | {level} | {100 * t['fill_rate']:.1f} % | "
                    f"{t['stockops_inventory_value']:,.0f} | "
                    f"{'outside the minmax curve' if at is None else f'{at:,.0f}'} | "
                    f"{'–' if pct is None else f'{pct:+.1f} %'} |"
                )
            lines.append("")
    if report.get("findings"):
        lines += ["## What the numbers say", "", *report["findings"], ""]
    if plots:
        lines += ["## Plots", ""]
        lines += [f"![{title}]({name})" for name, title in plots.items()]
        lines.append("")
    return "\n".join(lines)


def findings(report: dict[str, Any]) -> list[str]:
    """Plain sentences from the numbers: per scenario, where stockops_all and top-10 do better or
    worse than minmax, and the issue's targets for top-10, measured (not asserted)."""
    out = []
    key = ("fill_rate", "avg_inventory_value", "aged_90_value", "lost_sales_value", "total_cost")
    for scenario in report["config"]["scenarios"]:
        rows = {r["policy"]: r for r in report["rows"] if r["scenario"] == scenario}
        if "minmax" not in rows:
            continue
        for policy in ("stockops_all", "stockops_top_k_10"):
            r = rows.get(policy)
            if r is None:
                continue
            better, worse = [], []
            for name in key:
                cell = r[name]
                if cell.get("delta") is None:
                    continue
                higher = dict((m[0], m[2]) for m in METRICS)[name]
                significant = (
                    cell.get("delta_ci95") is not None and abs(cell["delta"]) > cell["delta_ci95"]
                )
                text = f"{name} {_delta(cell, name)}" + ("" if significant else " (within noise)")
                (better if (cell["delta"] > 0) == higher else worse).append(text)
            out.append(
                f"- **{scenario}, {policy} vs minmax**: better on {', '.join(better) or 'nothing'}; "
                f"worse on {', '.join(worse) or 'nothing'}."
            )
        top, every = rows.get("stockops_top_k_10"), rows.get("stockops_all")
        if top and every:
            inv, aged = (
                top["avg_inventory_value"].get("delta_pct"),
                top["aged_90_value"].get("delta_pct"),
            )
            share = None
            if every["total_cost"].get("delta") and every["total_cost"]["delta"] < 0:
                share = 100 * top["total_cost"]["delta"] / every["total_cost"]["delta"]
            out.append(
                f"  - targets for top-10 (not asserted): inventory value {_pct(inv)} (target ≤ −15 %), "
                f"aged 90+ value {_pct(aged)} (target ≤ −30 %), share of stockops_all's total-cost gain "
                f"kept: {'n/a (stockops_all gained nothing)' if share is None else f'{share:.0f} %'} "
                "(target ≥ 80 %); the fill rates differ, so see the sweep for equal-fill comparisons."
            )
    return out


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:+.0f} %"
