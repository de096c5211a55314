"""PNG plots of a backtest report (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

COLORS = {
    "minmax": "#555555",
    "stockops_all": "#1f77b4",
    "stockops_top_k_5": "#ff7f0e",
    "stockops_top_k_10": "#2ca02c",
    "stockops_top_k_25": "#9467bd",
    "stockops_ignored": "#d62728",
}


def write_plots(report: dict[str, Any], out_dir: Path) -> dict[str, str]:
    """{file name: title} of the plots written into out_dir."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, str] = {}
    scenarios = list(dict.fromkeys(r["scenario"] for r in report["rows"]))

    # fill rate against inventory value, per scenario, with the sweep's curves
    cols = min(3, len(scenarios))
    rows_n = (len(scenarios) + cols - 1) // cols
    fig, axes = plt.subplots(rows_n, cols, figsize=(5.2 * cols, 4.2 * rows_n), squeeze=False)
    for ax, scenario in zip(axes.flat, scenarios, strict=False):
        for r in (x for x in report["rows"] if x["scenario"] == scenario):
            fill, value = r["fill_rate"]["mean"], r["avg_inventory_value"]["mean"]
            if fill is None:
                continue
            ax.scatter(
                100 * fill,
                value,
                color=COLORS.get(r["policy"], "black"),
                label=r["policy"],
                zorder=3,
            )
        for policy in ("minmax", "stockops_all"):
            curve = sorted(
                (p["fill_rate"]["mean"], p["avg_inventory_value"]["mean"])
                for p in report["sweep"]
                if p["scenario"] == scenario
                and p["policy"] == policy
                and p["service_level"] is not None
            )
            if curve:
                ax.plot(
                    [100 * f for f, _ in curve],
                    [v for _, v in curve],
                    color=COLORS[policy],
                    linestyle="--",
                    marker=".",
                    label=f"{policy} sweep",
                )
        ax.set_title(scenario)
        ax.set_xlabel("fill rate (%)")
        ax.set_ylabel("average inventory value")
        ax.grid(alpha=0.3)
    _blank_unused(axes, len(scenarios))
    handles, labels = [], []
    for ax in axes.flat:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(h)
                labels.append(label)
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(out_dir / "fill_rate_vs_inventory.png", dpi=90)
    plt.close(fig)
    written["fill_rate_vs_inventory.png"] = (
        "Fill rate against average inventory value per policy (dashed: the service-level sweep)"
    )

    # inventory value over time per scenario
    fig, axes = plt.subplots(rows_n, cols, figsize=(5.2 * cols, 3.6 * rows_n), squeeze=False)
    for ax, scenario in zip(axes.flat, scenarios, strict=False):
        for r in (x for x in report["rows"] if x["scenario"] == scenario):
            series = r["inventory_series_mean"]
            ax.plot(
                range(len(series)),
                series,
                color=COLORS.get(r["policy"], "black"),
                label=r["policy"],
                lw=1.2,
            )
        ax.set_title(scenario)
        ax.set_xlabel("day")
        ax.set_ylabel("inventory value (mean of seeds)")
        ax.grid(alpha=0.3)
    _blank_unused(axes, len(scenarios))
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=6, fontsize=8)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(out_dir / "inventory_over_time.png", dpi=90)
    plt.close(fig)
    written["inventory_over_time.png"] = "Inventory value over time per scenario and policy"
    return written


def _blank_unused(axes: Any, used: int) -> None:
    for ax in list(axes.flat)[used:]:
        ax.axis("off")
