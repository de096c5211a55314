"""The simulated world: SKU-locations, suppliers, FIFO lots, purchase orders, transfers, cash and
one constraint resource, advanced one day at a time in a fixed order (docs/backtest.md):

1. receipts: purchase-order lines and transfers due today arrive (as new FIFO lots; a transfer keeps
   its lots' original receipt dates); with backorders on, the backlog is served first;
2. demand: store demand is served FIFO from on hand (lost sales by default, backorders as an
   option); the constraint runs as many hours as its scarcest input allows and consumes its inputs;
3. aging: lots grow a day older (their age is today minus their receipt date); markdowns expire;
4. the day's landing rows are handed out (`drain`) — the caller writes them as landing files;
5. the policy decides (outside this module);
6. its actions take effect: `order`, `expedite`, `transfer`, `markdown`, `liquidate`; their ledger
   rows carry tomorrow's landing (they happen after today's run); then `close_day` books the
   day's end-of-day figures.

Random draws come from `Streams`, shared by every policy of a (scenario, seed): demand per
SKU-location and day, and lead-time noise per supplier, SKU-location and ordering day, so two
policies differ only in their decisions. The world itself knows no policy and no namespacing.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

START_DATE = date(2027, 1, 4)  # day 0 of every simulation (a Monday)
HOURS = {"receipt": 7, "transfer_in": 7, "sale": 12, "consumption": 12, "action": 19}
RUN_HOUR = 18  # the daily stockops run (dbt's run_started_at), after the day's movements
ORDER_COST = 25.0  # per purchase-order line
TRANSFER_COST = 10.0  # per transfer, plus TRANSFER_COST_RATE of the value moved
TRANSFER_COST_RATE = 0.02
EXPEDITE_COST = 25.0  # per expedite, plus EXPEDITE_COST_RATE of the line's value
EXPEDITE_COST_RATE = 0.10
MARKDOWN_ELASTICITY = 2.5  # demand x (1 + elasticity x discount) while a markdown runs
MARKDOWN_DAYS = 45
LIQUIDATION_RECOVERY = 0.30  # share of cost a liquidation recovers


def day_date(day: int) -> date:
    return START_DATE + timedelta(days=day)


def stamp(day: int, hour: int, second: int = 0) -> str:
    moment = datetime.combine(day_date(day), datetime.min.time()) + timedelta(
        hours=hour, seconds=second
    )
    return moment.strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class Supplier:
    supplier_id: str
    lead_days: int  # quoted; the promised date is the order day plus this
    late_prob: float
    late_days: tuple[int, int]  # a late delivery comes this many days (inclusive range) late


@dataclass(frozen=True)
class Item:
    """One SKU at one location."""

    index: int
    sku_id: str
    location_id: str
    category_id: str
    unit_cost: float
    unit_price: float
    mean_demand: float  # units a day at day 0 (constraint inputs: at full capacity)
    suppliers: tuple[str, ...]  # priority order: primary first
    order_multiple: float
    moq: float
    qty_per_run_hour: float = 0.0  # > 0: an input of the constraint

    @property
    def is_input(self) -> bool:
        return self.qty_per_run_hour > 0


@dataclass
class Catalog:
    """What a world is made of; built by `scenarios.build_catalog`."""

    items: list[Item]
    suppliers: dict[str, Supplier]
    locations: dict[str, str]  # location_id -> location_type
    capacity_hours: float
    constraint_id: str = "CON-01"
    constraint_location: str = "P1"
    constraint_owner: str = "plant.manager"
    supplier_cost_premium: dict[tuple[str, str], float] = field(default_factory=dict)
    supplier_extra_days: dict[tuple[str, str], int] = field(default_factory=dict)
    holding_rate: dict[str, float] = field(default_factory=dict)  # per category, a year
    categories: tuple[str, ...] = ()

    def supplier_cost(self, item: Item, supplier_id: str) -> float:
        return round(
            item.unit_cost * self.supplier_cost_premium.get((item.sku_id, supplier_id), 1.0), 2
        )

    def quoted_days(self, item: Item, supplier_id: str) -> int:
        return self.suppliers[supplier_id].lead_days + self.supplier_extra_days.get(
            (item.sku_id, supplier_id), 0
        )


@dataclass
class Streams:
    """Random draws shared by every policy of one (scenario, seed)."""

    first_day: int  # the first (warm-up) day the arrays cover
    demand: np.ndarray  # [day - first_day, item] units demanded (before markdown uplift)
    uplift: np.ndarray  # [day - first_day, item] uniforms for a markdown's extra demand
    late: np.ndarray  # [day - first_day, item, supplier rank] uniforms: late or not
    delay: np.ndarray  # [day - first_day, item, supplier rank] uniforms: how late

    def demand_on(self, day: int, item: int) -> float:
        return float(self.demand[day - self.first_day, item])


@dataclass
class Lot:
    qty: float
    received: int  # original receipt day (survives transfers)


@dataclass
class PurchaseLine:
    po_line_id: str
    item: int
    supplier_id: str
    qty: float
    unit_cost: float
    ordered_day: int
    promised_day: int
    arrival_day: int
    source: str


@dataclass
class Transfer:
    transfer_id: str
    source: int
    target: int
    lots: list[Lot]
    arrival_day: int


@dataclass
class Markdown:
    pct: float
    qty_left: float
    until_day: int


@dataclass
class Totals:
    """Running sums over the measured days (day >= 0)."""

    demand_units: float = 0.0
    served_units: float = 0.0
    lost_units: float = 0.0
    lost_sales_value: float = 0.0
    lost_margin: float = 0.0
    stockout_item_days: int = 0
    inventory_value_days: float = 0.0
    aged_90_value_days: float = 0.0
    holding_cost: float = 0.0
    ordering_cost: float = 0.0
    markdown_loss: float = 0.0
    orders_placed: int = 0
    expedites: int = 0
    transfers: int = 0
    liquidations: int = 0
    markdowns: int = 0
    negative_cash_days: int = 0
    min_cash: float = math.inf
    days: int = 0
    constraint_starved_hours: float = 0.0
    backlog_cost: float = 0.0  # backorder mode: stockout cost per unit backordered per day
    category_value_days: dict[str, float] = field(default_factory=dict)  # where the stock sits


class World:
    def __init__(
        self,
        catalog: Catalog,
        streams: Streams,
        *,
        opening_cash: float,
        opex_per_day: float,
        backorders: bool = False,
        audit: bool = False,
        stockout_cost_per_unit_day: float = 0.0,
        holding_cost_per_unit_day: float | None = None,
        events: dict[int, list[tuple[str, Any]]] | None = None,
    ) -> None:
        self.catalog = catalog
        self.items = catalog.items
        self.streams = streams
        self.backorders = backorders
        self.audit = audit
        self.stockout_cost_per_unit_day = stockout_cost_per_unit_day
        self.holding_cost_per_unit_day = holding_cost_per_unit_day
        self.events = events or {}  # day -> scenario events (see apply_events)
        self.lots: list[deque[Lot]] = [deque() for _ in self.items]
        self.backlog = [0.0] * len(self.items)
        self.open_lines: list[PurchaseLine] = []
        self.in_transit: list[Transfer] = []
        self.markdowns: dict[int, Markdown] = {}
        self.cash = float(opening_cash)
        self.opex_per_day = opex_per_day
        self.demand_factor = [1.0] * len(self.items)  # scenario multipliers (demand steps)
        self.supplier_override: dict[str, Supplier] = {}  # scenario: a supplier turns late
        self.cash_out: dict[int, float] = {}  # scenario: one-off payments per day
        self.by_key = {(it.sku_id, it.location_id): it.index for it in self.items}
        self.totals = Totals()
        self.day = -1
        self._seq = 0
        self._ledger: list[tuple] = []
        self._po_rows: list[tuple] = []
        self._runs: list[tuple] = []
        self._cash_rows: list[tuple] = []
        self.flows: list[dict[str, float]] = []  # audit: per item, today's movements
        self.inventory_series: list[float] = []  # end-of-day inventory value per measured day

    def fork(self) -> World:
        """An independent copy (same catalog and random streams) for another policy."""
        import copy

        return copy.deepcopy(self, {id(self.catalog): self.catalog, id(self.streams): self.streams})

    # ------------------------------------------------------------------------------- state
    def on_hand(self, index: int) -> float:
        return sum(lot.qty for lot in self.lots[index])

    def on_order(self, index: int) -> float:
        return sum(line.qty for line in self.open_lines if line.item == index)

    def inventory_position(self, index: int) -> float:
        return self.on_hand(index) + self.on_order(index) - self.backlog[index]

    def supplier(self, supplier_id: str) -> Supplier:
        return self.supplier_override.get(supplier_id) or self.catalog.suppliers[supplier_id]

    def _next_id(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}{self._seq:07d}"

    def _book(self, day: int, hour: int, item: Item, txn_type: str, qty: float, **kw: Any) -> None:
        if qty == 0:
            return
        self._ledger.append(
            (
                self._next_id("T"),
                stamp(day, hour, self._seq % 3600),
                item.sku_id,
                item.location_id,
                txn_type,
                qty,
                kw.get("unit_cost", item.unit_cost),
                kw.get("reference_id"),
                kw.get("reason_code"),
            )
        )
        if self.audit:
            flows = self.flows[item.index]
            flows[txn_type] = flows.get(txn_type, 0.0) + qty

    def _take_fifo(self, index: int, qty: float) -> list[Lot]:
        taken, lots = [], self.lots[index]
        while qty > 1e-9 and lots:
            lot = lots[0]
            part = min(lot.qty, qty)
            taken.append(Lot(part, lot.received))
            lot.qty -= part
            qty -= part
            if lot.qty <= 1e-9:
                lots.popleft()
        return taken

    # ------------------------------------------------------------------------------- the day
    def open_day(self, day: int) -> None:
        """Steps 1-3: receipts, demand, aging."""
        self.day = day
        if self.audit:
            self.flows = [{"start": self.on_hand(i)} for i in range(len(self.items))]
        for kind, arg in self.events.get(day, []):
            self._apply_event(kind, arg)
        self._receive(day)
        self._serve(day)
        self._constraint(day)
        self.markdowns = {i: m for i, m in self.markdowns.items() if m.until_day > day}
        self._cash_rows.append((day_date(day).isoformat(), round(self.cash, 2)))

    def _apply_event(self, kind: str, arg: Any) -> None:
        if kind == "demand_factor":  # (item indexes, factor)
            for index in arg[0]:
                self.demand_factor[index] = arg[1]
        elif kind == "supplier":  # a Supplier replacing the catalog's from today
            self.supplier_override[arg.supplier_id] = arg
        elif kind == "supplier_restore":
            self.supplier_override.pop(arg, None)
        elif kind == "cash_out":
            self.cash -= arg
        else:
            raise ValueError(f"unknown scenario event {kind!r}")

    def _receive(self, day: int) -> None:
        arriving = [line for line in self.open_lines if line.arrival_day <= day]
        self.open_lines = [line for line in self.open_lines if line.arrival_day > day]
        for line in sorted(arriving, key=lambda x: x.po_line_id):
            item = self.items[line.item]
            self.lots[line.item].append(Lot(line.qty, day))
            self._book(
                day,
                HOURS["receipt"],
                item,
                "receipt",
                line.qty,
                unit_cost=line.unit_cost,
                reference_id=line.po_line_id,
            )
            self._po_rows.append(self._po_row(line, "closed"))
        for transfer in [t for t in self.in_transit if t.arrival_day <= day]:
            item = self.items[transfer.target]
            qty = sum(lot.qty for lot in transfer.lots)
            self.lots[transfer.target].extend(transfer.lots)
            # FIFO by original receipt date: transferred stock keeps its age
            self.lots[transfer.target] = deque(
                sorted(self.lots[transfer.target], key=lambda lot: lot.received)
            )
            self._book(
                day,
                HOURS["transfer_in"],
                item,
                "transfer_in",
                qty,
                reference_id=transfer.transfer_id,
            )
        self.in_transit = [t for t in self.in_transit if t.arrival_day > day]
        if self.backorders:
            for index, owed in enumerate(self.backlog):
                if owed > 0:
                    served = sum(lot.qty for lot in self._take_fifo(index, owed))
                    self.backlog[index] -= served
                    if served:
                        self._book(day, HOURS["receipt"], self.items[index], "sale", -served)

    def _serve(self, day: int) -> None:
        measured = day >= 0
        for item in self.items:
            if item.is_input:
                continue
            i = item.index
            wanted = self._demand(day, item)
            markdown = self.markdowns.get(i)
            if wanted <= 0:
                continue
            served = sum(lot.qty for lot in self._take_fifo(i, wanted))
            short = wanted - served
            if self.backorders and short > 0:
                self.backlog[i] += short
            discounted = min(served, markdown.qty_left) if markdown else 0.0
            revenue = served * item.unit_price - discounted * item.unit_price * (
                markdown.pct if markdown else 0.0
            )
            if markdown:
                markdown.qty_left -= discounted
            self.cash += revenue
            self._book(day, HOURS["sale"], item, "sale", -served, unit_cost=item.unit_cost)
            if measured:
                t = self.totals
                t.demand_units += wanted
                t.served_units += served
                if not self.backorders:
                    t.lost_units += short
                    t.lost_sales_value += short * item.unit_price
                    t.lost_margin += short * (item.unit_price - item.unit_cost)
                if markdown:
                    t.markdown_loss += discounted * item.unit_price * markdown.pct

    def _demand(self, day: int, item: Item) -> float:
        factor = self.demand_factor[item.index]
        base = self.streams.demand_on(day, item.index)
        if factor != 1.0:  # a demand step: whole units
            base = float(round(base * factor))
        markdown = self.markdowns.get(item.index)
        if markdown is None or markdown.qty_left <= 0:
            return base
        extra_mean = item.mean_demand * self.demand_factor[item.index]
        extra_mean *= MARKDOWN_ELASTICITY * markdown.pct
        u = float(self.streams.uplift[day - self.streams.first_day, item.index])
        return base + poisson_quantile(u, extra_mean)

    def _constraint(self, day: int) -> None:
        inputs = [it for it in self.items if it.is_input]
        if not inputs:
            return
        capacity = self.catalog.capacity_hours
        ratios = []
        for item in inputs:
            need = item.qty_per_run_hour * capacity * self.demand_factor[item.index]
            ratios.append((min(1.0, self.on_hand(item.index) / need) if need > 0 else 1.0, item))
        ratio, scarcest = min(ratios, key=lambda r: (r[0], r[1].sku_id))
        run_hours = math.floor(capacity * ratio * 4) / 4  # the constraint runs in quarter hours
        measured = day >= 0
        for item in inputs:
            need = item.qty_per_run_hour * capacity * self.demand_factor[item.index]
            used = min(self.on_hand(item.index), item.qty_per_run_hour * run_hours)
            used = sum(lot.qty for lot in self._take_fifo(item.index, used))
            self.cash += used * item.unit_price  # the throughput the constraint's output earns
            self._book(day, HOURS["consumption"], item, "consumption", -used)
            if measured:
                t = self.totals
                t.demand_units += need
                t.served_units += used
                t.lost_units += need - used
                t.lost_sales_value += (need - used) * item.unit_price
                t.lost_margin += (need - used) * (item.unit_price - item.unit_cost)
        start = datetime.combine(day_date(day), datetime.min.time()) + timedelta(hours=6)
        fmt = "%Y-%m-%d %H:%M:%S"
        if run_hours > 0:
            end = start + timedelta(hours=run_hours)
            self._runs.append(
                (
                    self.catalog.constraint_id,
                    start.strftime(fmt),
                    end.strftime(fmt),
                    "running",
                    None,
                )
            )
            start = end
        if run_hours < capacity:
            end = start + timedelta(hours=capacity - run_hours)
            self._runs.append(
                (
                    self.catalog.constraint_id,
                    start.strftime(fmt),
                    end.strftime(fmt),
                    "starved",
                    scarcest.sku_id,
                )
            )
            if measured:
                self.totals.constraint_starved_hours += capacity - run_hours

    def close_day(self) -> None:
        """Step 6's end: opex, then the day's end-of-day figures (measured days only)."""
        day = self.day
        self.cash -= self.opex_per_day
        if day < 0:
            return
        t = self.totals
        t.days += 1
        value = aged = 0.0
        for item in self.items:
            on_hand = 0.0
            for lot in self.lots[item.index]:
                on_hand += lot.qty
                if day - lot.received > 90:
                    aged += lot.qty * item.unit_cost
            value += on_hand * item.unit_cost
            t.category_value_days[item.category_id] = (
                t.category_value_days.get(item.category_id, 0.0) + on_hand * item.unit_cost
            )
            if on_hand <= 0 and item.mean_demand > 0:
                t.stockout_item_days += 1
            rate = self.catalog.holding_rate.get(item.category_id, 0.25) / 365
            if self.holding_cost_per_unit_day is not None:
                t.holding_cost += on_hand * self.holding_cost_per_unit_day
            else:
                t.holding_cost += on_hand * item.unit_cost * rate
            t.backlog_cost += self.backlog[item.index] * self.stockout_cost_per_unit_day
            if self.audit:
                self.flows[item.index]["end"] = on_hand
        t.inventory_value_days += value
        t.aged_90_value_days += aged
        self.inventory_series.append(round(value, 2))
        t.negative_cash_days += int(self.cash < 0)
        t.min_cash = min(t.min_cash, float(self.cash))

    # ------------------------------------------------------------------------------- actions
    def order(
        self, item_index: int, qty: float, supplier_id: str | None = None, source: str = "policy"
    ) -> PurchaseLine | None:
        """Place a purchase-order line today; its lead time is drawn from the supplier's
        distribution with the shared lead-time stream of (day, item, supplier rank)."""
        if qty <= 0:
            return None
        item = self.items[item_index]
        supplier_id = supplier_id or item.suppliers[0]
        rank = item.suppliers.index(supplier_id) if supplier_id in item.suppliers else 0
        supplier = self.supplier(supplier_id)
        quoted = self.catalog.quoted_days(item, supplier_id)
        k = self.day - self.streams.first_day
        late = 0
        if self.streams.late[k, item_index, rank] < supplier.late_prob:
            lo, hi = supplier.late_days
            late = lo + int(self.streams.delay[k, item_index, rank] * (hi - lo + 1))
        unit_cost = self.catalog.supplier_cost(item, supplier_id)
        line = PurchaseLine(
            po_line_id=self._next_id("POL"),
            item=item_index,
            supplier_id=supplier_id,
            qty=qty,
            unit_cost=unit_cost,
            ordered_day=self.day,
            promised_day=self.day + quoted,
            arrival_day=self.day + max(1, quoted + late),
            source=source,
        )
        self.open_lines.append(line)
        self._po_rows.append(self._po_row(line, "open"))
        self.cash -= qty * unit_cost + ORDER_COST
        if self.day >= 0:
            self.totals.orders_placed += 1
            self.totals.ordering_cost += ORDER_COST
        return line

    def _po_row(self, line: PurchaseLine, status: str) -> tuple:
        item = self.items[line.item]
        return (
            line.po_line_id,
            "PO" + line.po_line_id[3:],
            line.supplier_id,
            item.sku_id,
            item.location_id,
            line.qty,
            line.unit_cost,
            stamp(line.ordered_day, HOURS["action"], self._seq % 3600),
            day_date(line.promised_day).isoformat(),
            status,
        )

    def expedite(self, po_line_id: str | None, item_index: int) -> bool:
        """Halve the remaining transit time of an open line (at least one day left), at a cost.
        Without a line id: the earliest open line of the item."""
        lines = [
            line
            for line in self.open_lines
            if (line.po_line_id == po_line_id if po_line_id else line.item == item_index)
        ]
        if not lines:
            return False
        line = min(lines, key=lambda x: (x.arrival_day, x.po_line_id))
        remaining = line.arrival_day - self.day
        line.arrival_day = self.day + max(1, math.ceil(remaining / 2))
        fee = EXPEDITE_COST + EXPEDITE_COST_RATE * line.qty * line.unit_cost
        self.cash -= fee
        if self.day >= 0:
            self.totals.expedites += 1
            self.totals.ordering_cost += fee
        return True

    def transfer(self, source: int, target: int, qty: float) -> float:
        """Ship stock (oldest first) to another location of the same SKU; it arrives tomorrow."""
        lots = self._take_fifo(source, min(qty, self.on_hand(source)))
        moved = sum(lot.qty for lot in lots)
        if moved <= 0:
            return 0.0
        transfer_id = self._next_id("TR")
        self.in_transit.append(Transfer(transfer_id, source, target, lots, self.day + 1))
        item = self.items[source]
        self._book(
            self.day, HOURS["action"], item, "transfer_out", -moved, reference_id=transfer_id
        )
        cost = TRANSFER_COST + TRANSFER_COST_RATE * moved * item.unit_cost
        self.cash -= cost
        if self.day >= 0:
            self.totals.transfers += 1
            self.totals.ordering_cost += cost
        return moved

    def markdown(self, item_index: int, pct: float, qty: float) -> None:
        """Discount `qty` units by `pct` for up to MARKDOWN_DAYS: demand rises with the discount."""
        if pct <= 0 or qty <= 0:
            return
        self.markdowns[item_index] = Markdown(pct, qty, self.day + MARKDOWN_DAYS)
        if self.day >= 0:
            self.totals.markdowns += 1

    def liquidate(self, item_index: int, qty: float) -> float:
        """Sell the oldest `qty` units off (scrap in the ledger), recovering a share of cost."""
        lots = self._take_fifo(item_index, min(qty, self.on_hand(item_index)))
        gone = sum(lot.qty for lot in lots)
        if gone <= 0:
            return 0.0
        item = self.items[item_index]
        self._book(self.day, HOURS["action"], item, "scrap", -gone, reason_code="liquidation")
        self.cash += gone * item.unit_cost * LIQUIDATION_RECOVERY
        if self.day >= 0:
            self.totals.liquidations += 1
            self.totals.markdown_loss += gone * item.unit_cost * (1 - LIQUIDATION_RECOVERY)
        return gone

    # ------------------------------------------------------------------------------- landing
    def drain(self) -> dict[str, list[tuple]]:
        """The landing rows since the last drain (step 4), by landing table."""
        out = {
            "inventory_transactions": self._ledger,
            "purchase_order_lines": self._po_rows,
            "constraint_runs": self._runs,
            "cash_positions": self._cash_rows,
        }
        self._ledger, self._po_rows, self._runs, self._cash_rows = [], [], [], []
        return out


def poisson_quantile(u: float, mean: float) -> float:
    """The smallest k with P(X <= k) >= u for X ~ Poisson(mean) (small means; inverse CDF)."""
    if mean <= 0:
        return 0.0
    if mean > 50:  # normal approximation for large means
        return max(0.0, round(mean + math.sqrt(mean) * _norm_ppf(u)))
    k, p = 0, math.exp(-mean)
    cumulative = p
    while cumulative < u and k < 1000:
        k += 1
        p *= mean / k
        cumulative += p
    return float(k)


def _norm_ppf(u: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(min(max(u, 1e-9), 1 - 1e-9))
