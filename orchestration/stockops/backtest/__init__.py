"""`stockops backtest`: a seeded day-by-day simulation comparing stockops' decisions with a static
min/max policy (docs/backtest.md)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

QUICK = {"scenarios": ("stationary",), "days": 60, "seeds": 2, "sweep": ()}


def run_backtest(
    out_dir: Path,
    *,
    scenarios: Sequence[str],
    policies: Sequence[str],
    days: int,
    seeds: int,
    ks: Sequence[int],
    sweep: Sequence[float],
    project_dir: Path,
    dbt: Path,
    workers: int,
    progress: Callable[[dict[str, Any]], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the worlds, write backtest.json, BACKTEST.md and the PNG plots into out_dir."""
    from stockops.backtest import runner
    from stockops.backtest.scenarios import WARMUP_DAYS

    started = time.monotonic()
    config = runner.Config(
        scenarios=list(scenarios),
        policies=list(policies),
        seeds=seeds,
        days=days,
        ks=list(ks),
        sweep=list(sweep),
        workers=workers,
    )
    specs = config.worlds()
    result = runner.run(config, out_dir / ".work", project_dir, dbt, progress=progress, log=log)
    timing = {**result["timing"], "seconds": round(time.monotonic() - started, 1)}
    described = {
        "scenarios": list(scenarios),
        "policies": list(policies),
        "ks": list(ks),
        "seeds": seeds,
        "days": days,
        "sweep": list(sweep),
        "warmup_days": WARMUP_DAYS,
        "sku_locations": _sku_locations(),
        "worlds": len(specs),
        "sql_worlds": sum(1 for s in specs if s.uses_sql),
    }
    timing["seconds"] = round(time.monotonic() - started, 1)
    # the raw results first: a failure while rendering leaves them for --report-only
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = {"config": described, "timing": timing, "worlds": result["worlds"]}
    (out_dir / "backtest.json").write_text(json.dumps(raw, default=str) + "\n")
    built = render(out_dir, result["worlds"], described, timing)
    import shutil

    shutil.rmtree(out_dir / ".work", ignore_errors=True)
    return built


def render(
    out_dir: Path,
    worlds: list[dict[str, Any]] | None = None,
    config: dict[str, Any] | None = None,
    timing: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the report from per-world results; without them, again from out_dir/backtest.json
    (after a change to the report's text or plots, no simulation needed)."""
    from stockops.backtest import plots, report

    if worlds is None:
        saved = json.loads((out_dir / "backtest.json").read_text())
        worlds, config, timing = saved["worlds"], saved["config"], saved["timing"]
    built = report.build(worlds, config, timing)
    built["findings"] = report.findings(built)
    built["worlds"] = worlds
    report.write(built, out_dir, plots.write_plots(built, out_dir))
    return built


def _sku_locations() -> int:
    from stockops.backtest.scenarios import INPUT_RATES, SKUS_PER_CATEGORY, STORE_CATEGORIES, STORES

    return len(STORE_CATEGORIES) * SKUS_PER_CATEGORY * len(STORES) + len(INPUT_RATES)
