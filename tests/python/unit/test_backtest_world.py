"""The backtest's simulator checked on its own (no SQL): stock conservation, the run-out rate a
never-ordering policy must show, and stockpyl's published single-stage base-stock results."""

from __future__ import annotations

import io
import statistics
from pathlib import Path

import numpy as np
import pytest

from stockops.backtest.policies import WorldAction, apply, world_actions
from stockops.backtest.runner import progress_bar
from stockops.backtest.scenarios import build_group
from stockops.backtest.world import Catalog, Item, Lot, Streams, Supplier, World

SEEDS = Path(__file__).resolve().parents[3] / "seeds"
FLOW_TYPES = ("receipt", "transfer_in", "sale", "consumption", "transfer_out", "scrap")


def one_location_world(
    means: list[float],
    days: int,
    demand: np.ndarray,
    *,
    lead_days: int = 1,
    backorders: bool = False,
    **kw: object,
) -> World:
    supplier = Supplier("SUP-1", lead_days, 0.0, (1, 1))
    items = [
        Item(i, f"SKU-{i}", "S1", "CAT-01", 10.0, 15.0, m, ("SUP-1",), 1.0, 1.0)
        for i, m in enumerate(means)
    ]
    catalog = Catalog(items, {"SUP-1": supplier}, {"S1": "store"}, capacity_hours=0.0)
    zeros = np.zeros((days, len(items)))
    streams = Streams(
        0, demand, zeros, zeros[..., None].repeat(2, -1), zeros[..., None].repeat(2, -1)
    )
    return World(catalog, streams, opening_cash=0.0, opex_per_day=0.0, backorders=backorders, **kw)


def test_stock_is_conserved_per_sku_location_every_day():
    """start + receipts + transfers in - sales - consumption - transfers out - write-offs = end,
    for every SKU-location and day, while a random policy orders, expedites, transfers, marks
    down and liquidates; and the landed ledger sums to what is physically on hand."""
    group = build_group("constraint_shortage", 3, 40, seeds_dir=SEEDS, warmup_days=14)
    world = group.world.fork()
    world.audit = True
    rng = np.random.default_rng(7)
    ledger: dict[tuple[str, str], float] = {}
    rows = world.drain()["inventory_transactions"]
    checked = 0
    for day in range(40):
        world.open_day(day)
        for _ in range(8):
            item = world.items[int(rng.integers(len(world.items)))]
            kind = ["order", "expedite", "transfer", "markdown", "liquidate"][int(rng.integers(5))]
            other = next(
                (
                    o
                    for o in world.items
                    if o.sku_id == item.sku_id and o.location_id != item.location_id
                ),
                item,
            )
            apply(
                world,
                WorldAction(
                    kind,
                    item.sku_id,
                    item.location_id,
                    qty=float(rng.integers(1, 20)),
                    supplier_id=item.suppliers[-1],
                    from_location_id=other.location_id,
                    pct=0.2,
                ),
            )
        world.close_day()
        for flows in world.flows:
            moved = sum(flows.get(t, 0.0) for t in FLOW_TYPES)
            assert flows["start"] + moved == pytest.approx(flows["end"], abs=1e-6), flows
            checked += 1
        rows += world.drain()["inventory_transactions"]
    for row in rows:
        key = (row[2], row[3])
        ledger[key] = ledger.get(key, 0.0) + row[5]
    for item in world.items:
        assert ledger.get((item.sku_id, item.location_id), 0.0) == pytest.approx(
            world.on_hand(item.index)
        )
    assert checked == 40 * len(world.items)
    assert world.totals.transfers and world.totals.liquidations and world.totals.expedites


def test_a_policy_that_never_orders_runs_out_at_the_demand_rate():
    """400 SKU-locations with Poisson(4) demand and 100 units each, no orders: sales run at the
    model's rate until the stock is gone, so each runs out on the day cumulative demand first
    reaches 100 (about day 25), and lost sales are exactly the demand beyond the stock."""
    rate, stock, days, n = 4.0, 100.0, 60, 400
    demand = np.random.default_rng(11).poisson(rate, size=(days, n)).astype(float)
    world = one_location_world([rate] * n, days, demand)
    for i in range(n):
        world.lots[i].append(Lot(stock, -1))
    run_out = [None] * n
    for day in range(days):
        world.open_day(day)
        world.close_day()
        for i in range(n):
            if run_out[i] is None and world.on_hand(i) == 0:
                run_out[i] = day
    cumulative = demand.cumsum(axis=0)
    expected = [int(np.argmax(cumulative[:, i] >= stock)) for i in range(n)]
    assert run_out == expected
    assert statistics.fmean(run_out) == pytest.approx(stock / rate, rel=0.06)
    sold_per_day = [stock / (d + 1) for d in run_out]  # everything sold by the run-out day
    assert statistics.fmean(sold_per_day) == pytest.approx(rate, rel=0.06)
    assert world.totals.served_units == pytest.approx(n * stock)
    assert world.totals.lost_units == pytest.approx(demand.sum() - n * stock)


def test_backorder_base_stock_agrees_with_stockpyl():
    """Backorder mode, base-stock level 57, demand N(50, 8), holding 0.18, stockout 0.70, lead
    time one period: about 2.00 per period over 1,000 periods (stockpyl's single-stage simulation
    and the newsvendor cost 1.9976 of Snyder & Shen, Example 4.3)."""
    from stockpyl.sim import simulation
    from stockpyl.supply_chain_network import single_stage_system

    periods, level = 1000, 57.0
    costs = []
    for seed in (1, 2, 3):
        demand = np.random.default_rng(seed).normal(50, 8, size=(periods, 1))
        world = one_location_world(
            [50.0],
            periods,
            demand,
            backorders=True,
            holding_cost_per_unit_day=0.18,
            stockout_cost_per_unit_day=0.70,
        )
        world.lots[0].append(Lot(level, -1))
        for day in range(periods):
            world.open_day(day)
            world.order(0, level - world.inventory_position(0))
            world.close_day()
        costs.append((world.totals.holding_cost + world.totals.backlog_cost) / periods)
    ours = statistics.fmean(costs)
    network = single_stage_system(
        holding_cost=0.18,
        stockout_cost=0.70,
        demand_type="N",
        mean=50,
        standard_deviation=8,
        policy_type="BS",
        base_stock_level=level,
        shipment_lead_time=1,
    )
    theirs = (
        simulation(network=network, num_periods=periods, rand_seed=762, progress_bar=False)
        / periods
    )
    assert theirs == pytest.approx(2.00, abs=0.08)
    assert ours == pytest.approx(2.00, abs=0.08)
    assert ours == pytest.approx(theirs, abs=0.08)


def test_world_actions_translate_each_decision_type():
    base = {"sku_id": "W001~SKU-001", "location_id": "W001~S2", "recommended_qty": 12}
    assert world_actions({**base, "decision_type": "replenish", "supplier_id": "W001~SUP-3"}) == [
        WorldAction("order", "SKU-001", "S2", 12.0, supplier_id="SUP-3")
    ]
    assert world_actions(
        {**base, "decision_type": "transfer", "inputs": {"from_location_id": "W001~S1"}}
    ) == [WorldAction("transfer", "SKU-001", "S2", 12.0, from_location_id="S1")]
    assert world_actions(
        {**base, "decision_type": "markdown", "inputs": {"markdown_pct": 0.2}}
    ) == [WorldAction("markdown", "SKU-001", "S2", 12.0, pct=0.2)]
    assert world_actions(
        {**base, "decision_type": "expedite", "inputs": {"po_line_id": "W001~POL1"}}
    ) == [WorldAction("expedite", "SKU-001", "S2", 12.0, po_line_id="POL1")]
    for kind in ("switch_supplier", "adjust_reorder_point", "review_demand_shift", "cycle_count"):
        assert world_actions({**base, "decision_type": kind}) == []


def test_a_proposal_or_a_batch_is_carried_out_line_by_line():
    """Each line acts as the decision of its signal type, with its signal's own inputs; the
    decision's own (summary) inputs are not read."""
    proposal = {
        "decision_type": "purchase_proposal",
        "decision_kind": "proposal",
        "inputs": {"line_count": 2},
        "lines": [
            {"signal_type": "replenish", "sku_id": "W001~SKU-001", "location_id": "W001~S1",
             "supplier_id": "W001~SUP-2", "qty": 4},
            {"signal_type": "replenish", "sku_id": "W001~SKU-009", "location_id": "W001~S1",
             "supplier_id": "W001~SUP-2", "qty": 6},
        ],
    }  # fmt: skip
    assert world_actions(proposal) == [
        WorldAction("order", "SKU-001", "S1", 4.0, supplier_id="SUP-2"),
        WorldAction("order", "SKU-009", "S1", 6.0, supplier_id="SUP-2"),
    ]
    batch = {
        "decision_type": "transfer",
        "decision_kind": "batch",
        "lines": [
            {"signal_type": "transfer", "sku_id": "W001~SKU-003", "location_id": "W001~S2",
             "subject_key": "W001~SKU-003|W001~S4|W001~S2", "qty": 3, "inputs": None},
            {"signal_type": "markdown", "sku_id": "W001~SKU-005", "location_id": "W001~S3",
             "qty": 7, "inputs": {"markdown_pct": 0.3}},
        ],
    }  # fmt: skip
    assert world_actions(batch) == [
        WorldAction("transfer", "SKU-003", "S2", 3.0, from_location_id="S4"),
        WorldAction("markdown", "SKU-005", "S3", 7.0, pct=0.3),
    ]


def test_policies_share_random_streams():
    """Two forks of one history that act alike stay alike; a fork that orders differs only by it."""
    group = build_group("stationary", 5, 10, seeds_dir=SEEDS, warmup_days=7)
    a, b = group.world.fork(), group.world.fork()
    for day in range(10):
        for w in (a, b):
            w.open_day(day)
            w.close_day()
    assert a.totals == b.totals and a.inventory_series == b.inventory_series


class _Log(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def _feed(show, days: int) -> None:
    """Two workers reporting every day, each report polled three times (as the runner polls)."""
    for day in range(1, days + 1):
        for worker in (0, 1):
            for _ in range(3):
                show({"worker": worker, "day": day, "worlds": 6})


def test_progress_in_a_log_is_a_line_per_tenth_not_per_poll():
    log = _Log(tty=False)
    _feed(progress_bar(40, 2, out=log), 40)
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue()
    assert 10 <= len(lines) <= 11 and len(set(lines)) == len(lines)
    assert "w0:40/40d·6 worlds w1:40/40d·6 worlds" in lines[-1]
    assert lines[-1].startswith("backtest [" + "#" * 30 + "]")


def test_progress_on_a_terminal_redraws_one_line_and_ends_it_once():
    log = _Log(tty=True)
    _feed(progress_bar(5, 2, out=log), 5)
    text = log.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n") and text.count("\r") > 10
    assert "w0:5/5d·6 worlds w1:5/5d·6 worlds" in text.rsplit("\r", 1)[-1]
