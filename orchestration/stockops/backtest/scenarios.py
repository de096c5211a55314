"""The worlds the backtest runs: one catalog (SKUs, stores, a plant, suppliers), shared random
streams and a short warm-up history per (scenario, seed), and the scenario's events.

The base world: 64 store SKUs in four categories, each stocked at three stores of different size
(192 SKU-locations), and five inputs of one constraint resource at a plant (16 hours a day): 197
SKU-locations. Store demand is Poisson with a gamma-distributed daily factor (over-dispersion) and a
weekly shape, around a Pareto-like popularity (from ~9 units a day down to ~0.1); unit costs are
log-normal, prices 35-100 % above cost, order multiples by cost. Four suppliers quote 4-10 days and
deliver 1-3 days late now and then; every SKU has a primary and a dearer, slower backup supplier.

Scenarios (day 0 is the first simulated day; the warm-up history before it is the same for all):

- `stationary`: the base world.
- `demand_step`: demand of category CAT-01 rises by 50 % from day 30.
- `supplier_late`: supplier SUP-2 (primary of CAT-02) delivers late 90 % of the time, 6-14 days
  late, from day 20.
- `slow_movers`: category CAT-04 goes out of fashion at day 0 (demand falls to a fifth) while its
  stores hold two and a half months of old stock, received 45 days before the warm-up began.
- `cash_squeeze`: the business starts with 12 days of purchases in cash instead of 45 and pays a
  one-off bill of 25 days of purchases on day 15.
- `constraint_shortage`: the plant's supplier SUP-4 delivers 8-16 days late 90 % of the time from
  day 20 to day 100, starving the constraint unless its inputs are reordered from the backup.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stockops.backtest.names import SCENARIOS
from stockops.backtest.world import Catalog, Item, Streams, Supplier, World

STORES = {"S1": 1.0, "S2": 0.75, "S3": 0.5}
STORE_CATEGORIES = ("CAT-01", "CAT-02", "CAT-03", "CAT-04")
SKUS_PER_CATEGORY = 16
INPUT_CATEGORY = "CAT-05"
INPUT_RATES = (1.0, 2.0, 3.0, 1.5, 2.5)  # units per run hour of the constraint
CAPACITY_HOURS = 16.0
WARMUP_DAYS = 56
WEEKLY_SHAPE = (0.85, 0.85, 0.9, 1.0, 1.15, 1.4, 0.85)  # Monday .. Sunday
SUPPLIERS = (
    Supplier("SUP-1", 5, 0.05, (1, 3)),
    Supplier("SUP-2", 7, 0.08, (1, 3)),
    Supplier("SUP-3", 10, 0.10, (1, 3)),
    Supplier("SUP-4", 4, 0.05, (1, 2)),
)
PRIMARY = {"CAT-01": "SUP-1", "CAT-02": "SUP-2", "CAT-03": "SUP-3", "CAT-04": "SUP-1"}
PRIMARY[INPUT_CATEGORY] = "SUP-4"
BACKUP_PREMIUM = 1.06  # a backup supplier's price over the primary's
BACKUP_EXTRA_DAYS = 2


@dataclass
class Group:
    """Everything the policies of one (scenario, seed) share."""

    scenario: str
    seed: int
    days: int
    world: World  # at day 0, after the warm-up; every policy forks it


def build_group(
    scenario: str, seed: int, days: int, *, seeds_dir: Path, warmup_days: int = WARMUP_DAYS
) -> Group:
    """The scenario's world after its warm-up history (days -warmup_days .. -1)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose from {', '.join(SCENARIOS)}")
    rng = np.random.default_rng([seed, SCENARIOS.index(scenario), 13])
    catalog = build_catalog(rng, seeds_dir)
    first = -warmup_days
    streams = build_streams(rng, catalog, first, days)
    purchases = sum(it.mean_demand * it.unit_cost for it in catalog.items)
    margin = sum(it.mean_demand * (it.unit_price - it.unit_cost) for it in catalog.items)
    opening = purchases * (12 if scenario == "cash_squeeze" else 45)
    world = World(
        catalog,
        streams,
        opening_cash=opening,
        opex_per_day=0.9 * margin,
        events=scenario_events(scenario, catalog, purchases),
    )
    if scenario == "slow_movers":
        for it in catalog.items:
            if it.category_id == "CAT-04":
                opening_stock(world, it.index, round(it.mean_demand * 75), first - 45)
    for it in catalog.items:
        if not (scenario == "slow_movers" and it.category_id == "CAT-04"):
            received = first - int(rng.integers(0, 14))
            opening_stock(world, it.index, warmup_target(catalog, it), received)
    for day in range(first, 0):
        world.open_day(day)
        warmup_orders(world, day)
        world.close_day()
    if scenario == "slow_movers":  # the fad ends as the simulation starts
        for it in catalog.items:
            if it.category_id == "CAT-04":
                world.events.setdefault(0, []).append(("demand_factor", ([it.index], 0.2)))
    return Group(scenario, seed, days, world)


def build_catalog(rng: np.random.Generator, seeds_dir: Path) -> Catalog:
    suppliers = {s.supplier_id: s for s in SUPPLIERS}
    order = [s.supplier_id for s in SUPPLIERS]
    items: list[Item] = []
    premium: dict[tuple[str, str], float] = {}
    extra: dict[tuple[str, str], int] = {}
    n_store = len(STORE_CATEGORIES) * SKUS_PER_CATEGORY
    ranks = rng.permutation(n_store) + 1
    for k in range(n_store):
        category = STORE_CATEGORIES[k // SKUS_PER_CATEGORY]
        sku = f"SKU-{k + 1:03d}"
        cost = float(np.clip(round(float(rng.lognormal(np.log(12), 0.8)), 2), 1.0, 300.0))
        price = round(cost * float(rng.uniform(1.35, 2.0)), 2)
        mean = 0.1 + 9.0 * float(ranks[k]) ** -1.1
        multiple = 12 if cost < 5 else 6 if cost < 20 else 2 if cost < 60 else 1
        primary = PRIMARY[category]
        backup = order[(order.index(primary) + 1) % len(order)]
        premium[(sku, backup)] = BACKUP_PREMIUM
        extra[(sku, backup)] = BACKUP_EXTRA_DAYS
        for location, size in STORES.items():
            items.append(
                Item(
                    index=len(items),
                    sku_id=sku,
                    location_id=location,
                    category_id=category,
                    unit_cost=cost,
                    unit_price=price,
                    mean_demand=mean * size,
                    suppliers=(primary, backup),
                    order_multiple=float(multiple),
                    moq=float(multiple),
                )
            )
    for j, rate in enumerate(INPUT_RATES):
        sku = f"SKU-{101 + j}"
        cost = round(float(rng.uniform(4, 20)), 2)
        primary = PRIMARY[INPUT_CATEGORY]
        backup = "SUP-1"
        premium[(sku, backup)] = BACKUP_PREMIUM
        extra[(sku, backup)] = BACKUP_EXTRA_DAYS
        items.append(
            Item(
                index=len(items),
                sku_id=sku,
                location_id="P1",
                category_id=INPUT_CATEGORY,
                unit_cost=cost,
                # what a unit the constraint could not consume loses: the throughput it carried
                unit_price=round(cost * 3, 2),
                mean_demand=rate * CAPACITY_HOURS,
                suppliers=(primary, backup),
                order_multiple=10.0,
                moq=10.0,
                qty_per_run_hour=rate,
            )
        )
    return Catalog(
        items=items,
        suppliers=suppliers,
        locations={**{s: "store" for s in STORES}, "P1": "plant"},
        capacity_hours=CAPACITY_HOURS,
        supplier_cost_premium=premium,
        supplier_extra_days=extra,
        holding_rate=holding_rates(seeds_dir),
        categories=(*STORE_CATEGORIES, INPUT_CATEGORY),
    )


def holding_rates(seeds_dir: Path) -> dict[str, float]:
    """Holding cost rate per category (a year), from the category_strategies seed."""
    with (seeds_dir / "category_strategies.csv").open(newline="") as handle:
        return {r["category_id"]: float(r["holding_cost_rate"]) for r in csv.DictReader(handle)}


def build_streams(rng: np.random.Generator, catalog: Catalog, first: int, days: int) -> Streams:
    n_days, n_items = days - first, len(catalog.items)
    weekday = np.array([WEEKLY_SHAPE[(d % 7)] for d in range(first, days)])  # day 0 is a Monday
    means = np.array([it.mean_demand if not it.is_input else 0.0 for it in catalog.items])
    factor = rng.gamma(4.0, 0.25, size=(n_days, n_items))  # mean 1, cv 0.5
    demand = rng.poisson(weekday[:, None] * means[None, :] * factor).astype(float)
    return Streams(
        first_day=first,
        demand=demand,
        uplift=rng.random((n_days, n_items)),
        late=rng.random((n_days, n_items, 2)),
        delay=rng.random((n_days, n_items, 2)),
    )


def scenario_events(scenario: str, catalog: Catalog, purchases: float) -> dict[int, list]:
    events: dict[int, list] = {}
    if scenario == "demand_step":
        step = [it.index for it in catalog.items if it.category_id == "CAT-01"]
        events[30] = [("demand_factor", (step, 1.5))]
    elif scenario == "supplier_late":
        events[20] = [("supplier", Supplier("SUP-2", 7, 0.9, (6, 14)))]
    elif scenario == "cash_squeeze":
        events[15] = [("cash_out", 25 * purchases)]
    elif scenario == "constraint_shortage":
        events[20] = [("supplier", Supplier("SUP-4", 4, 0.9, (8, 16)))]
        events[100] = [("supplier_restore", "SUP-4")]
    return events


def opening_stock(world: World, index: int, qty: float, received_day: int) -> None:
    """Stock on hand before the history starts: one lot, booked as a receipt on its date."""
    if qty <= 0:
        return
    from stockops.backtest.world import Lot

    item = world.items[index]
    world.lots[index].append(Lot(qty, received_day))
    world._book(received_day, 7, item, "receipt", qty)


def warmup_target(catalog: Catalog, item: Item) -> float:
    """The order-up-to level the business ran before the simulation: a week of review plus the
    primary's lead time, with about 95 % cover (known demand rate; round up to the multiple)."""
    days = catalog.quoted_days(item, item.suppliers[0]) + 7 + 1
    mean = item.mean_demand * days
    target = mean + 1.65 * (mean + (0.5 * mean) ** 2 / days) ** 0.5
    return float(item.order_multiple * np.ceil(target / item.order_multiple))


def warmup_orders(world: World, day: int) -> None:
    """The history's ordering: weekly review per item (staggered), order up to warmup_target."""
    for item in world.items:
        if (day + item.index) % 7:
            continue
        gap = warmup_target(world.catalog, item) - world.inventory_position(item.index)
        if gap > 0:
            qty = item.order_multiple * np.ceil(gap / item.order_multiple)
            world.order(item.index, float(max(qty, item.moq)), source="history")
