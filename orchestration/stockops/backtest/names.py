"""The backtest's scenario and policy names (no heavy imports: the CLI's choices come from here)."""

SCENARIOS = (
    "stationary",
    "demand_step",
    "supplier_late",
    "slow_movers",
    "cash_squeeze",
    "constraint_shortage",
)
POLICIES = ("minmax", "stockops_all", "stockops_top_k", "stockops_ignored")
DEFAULT_KS = (5, 10, 25)
