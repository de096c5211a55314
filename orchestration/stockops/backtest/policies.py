"""The policies, and the one translation from a stockops decision to what happens in the world.

- `minmax`: Odoo's orderpoint rule, every day for every SKU-location: when the forecast (on hand
  plus open orders) is below min, order max(min, max) - forecast, rounded up to the order
  multiple (at least the MOQ), from the primary supplier. min and max are set once, on day 0,
  from stockops' own fct_stock_position on the same history (reorder point and order-up-to level:
  the same safety-stock formula and service levels), and never change.
- `stockops_all`: the owners act on every open decision in their queue, the day it arrives.
- `stockops_top_k`: each owner acts on the first K open decisions of their queue per day, in the
  queue's own order (`QueueStore.items`, what `stockops queue list` shows); the rest wait.
- `stockops_ignored`: nobody acts; no replenishment at all (the floor).

Owners act through the queue like a real owner: `actions.decide` checks each action against the
lifecycle and the approval authority and `QueueStore.apply_action` appends the event (approve by an
actor holding an authorised role, then execute by the owner); only then does the decision take
effect in the world (`world_actions`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stockops import jsonio
from stockops.backtest.landing import local
from stockops.backtest.world import World
from stockops.queue import actions
from stockops.queue.store import QueueStore


@dataclass(frozen=True)
class WorldAction:
    """One change a decision makes in the world (ids without the world prefix)."""

    kind: str  # order | expedite | transfer | markdown | liquidate
    sku_id: str
    location_id: str
    qty: float = 0.0
    supplier_id: str | None = None
    po_line_id: str | None = None
    from_location_id: str | None = None
    pct: float = 0.0


def world_actions(decision: Mapping[str, Any]) -> list[WorldAction]:
    """What carrying out a decision does in the world. Decisions that change no stock —
    switch_supplier (replenishment already buys from the reliable supplier the decision row
    names), adjust_reorder_point and review_demand_shift (stockops recomputes its levels from the
    data every run), cycle_count (the world's books are exact), cash_cut (the replenishment it
    cuts already orders the cut quantity) — have no effect but their owner's time. A purchase
    proposal or a batch is carried out line by line."""
    kind = decision["decision_type"]
    if decision.get("decision_kind") not in (None, "single") and decision.get("lines"):
        # a purchase proposal or a batch: carrying it out carries out each of its lines
        return [
            action
            for line in decision["lines"]
            for action in world_actions(
                {
                    "decision_type": line["signal_type"],
                    "sku_id": line.get("sku_id"),
                    "location_id": line.get("location_id"),
                    "supplier_id": line.get("supplier_id"),
                    "recommended_qty": line.get("qty"),
                    "subject_key": line.get("subject_key"),
                    "inputs": line.get("inputs") or {},
                }
            )
        ]
    inputs = decision.get("inputs") or {}
    sku, loc = (
        local(str(decision.get("sku_id") or "")),
        local(str(decision.get("location_id") or "")),
    )
    qty = float(decision.get("recommended_qty") or 0)
    if kind in ("replenish", "protect_constraint"):
        supplier = decision.get("supplier_id")
        return [
            WorldAction("order", sku, loc, qty, supplier_id=local(supplier) if supplier else None)
        ]
    if kind == "expedite":
        line = inputs.get("po_line_id")
        return [WorldAction("expedite", sku, loc, qty, po_line_id=local(line) if line else None)]
    if kind == "transfer":
        # the source is in the signal's inputs, and in its subject (sku | from | to)
        parts = str(decision.get("subject_key") or "").split("|")
        source = inputs.get("from_location_id") or (parts[1] if len(parts) == 3 else None)
        if not source:
            return []
        return [WorldAction("transfer", sku, loc, qty, from_location_id=local(str(source)))]
    if kind in ("markdown", "bundle"):
        return [WorldAction("markdown", sku, loc, qty, pct=float(inputs.get("markdown_pct") or 0))]
    if kind == "liquidate":
        return [WorldAction("liquidate", sku, loc, qty)]
    return []


def apply(world: World, action: WorldAction) -> bool:
    """Carry out one action; False when the world has nothing to act on (e.g. no stock)."""
    index = world.by_key.get((action.sku_id, action.location_id))
    if index is None:
        return False
    if action.kind == "order":
        return world.order(index, action.qty, action.supplier_id, source="stockops") is not None
    if action.kind == "expedite":
        return world.expedite(action.po_line_id, index)
    if action.kind == "transfer":
        source = world.by_key.get((action.sku_id, action.from_location_id))
        return source is not None and world.transfer(source, index, action.qty) > 0
    if action.kind == "markdown":
        world.markdown(index, action.pct, action.qty)
        return True
    if action.kind == "liquidate":
        return world.liquidate(index, action.qty) > 0
    raise ValueError(f"unknown world action {action.kind!r}")


# ------------------------------------------------------------------------------------ minmax
class MinMax:
    def __init__(self, levels: Mapping[tuple[str, str], tuple[float, float]]) -> None:
        self.levels = dict(levels)  # (sku, location) -> (min, max)

    def act(self, world: World) -> None:
        for item in world.items:
            level = self.levels.get((item.sku_id, item.location_id))
            if level is None:
                continue
            low, high = level
            forecast = world.on_hand(item.index) + world.on_order(item.index)
            if forecast < low:
                need = max(low, high) - forecast
                qty = item.order_multiple * math.ceil(round(need / item.order_multiple, 9))
                world.order(item.index, max(qty, item.moq), item.suppliers[0], source="minmax")


# ------------------------------------------------------------------------------------ stockops
@dataclass
class OwnerStats:
    acted: int = 0
    refused: int = 0
    no_effect: int = 0
    auto_executed: int = 0  # carried out by stockops.auto (auto_execution_policy), not an owner
    acted_by_type: dict[str, int] = field(default_factory=dict)


class QueueOwners:
    """The owners of one world working their queue."""

    def __init__(
        self,
        world_id: str,
        owners: Sequence[str],
        policy: actions.Policy,
        k: int | None,
    ) -> None:
        self.world_id = world_id
        self.owners = list(owners)
        self.policy = policy
        self.k = k
        prefix = world_id + "~"
        self.actors = sorted(a for a in policy.actor_roles if a.startswith(prefix))
        self.stats = OwnerStats()

    def work(
        self,
        store: QueueStore,
        open_items: Sequence[Mapping[str, Any]],
        world: World,
        now: datetime,
        stamp: Callable[[int], str],
    ) -> None:
        """Each owner takes their queue in its order (all of it, or the first K)."""
        done: set[str] = set()
        for owner in self.owners:
            mine = [
                item
                for item in open_items
                if owner in (item["owner_id"], item.get("escalated_to"))
                and item["decision_id"] not in done
            ]
            for item in mine[: self.k] if self.k is not None else mine:
                done.add(item["decision_id"])
                self._act(store, item, owner, world, now, stamp)

    def _approver(self, fields: Mapping[str, Any], owner: str) -> str | None:
        roles = self.policy.approver_roles(
            str(fields["decision_type"]), fields.get("value_at_stake")
        )
        if self.policy.roles_of(owner) & roles:
            return owner
        return next((a for a in self.actors if self.policy.roles_of(a) & roles), None)

    def _act(
        self,
        store: QueueStore,
        item: Mapping[str, Any],
        owner: str,
        world: World,
        now: datetime,
        stamp: Callable[[int], str],
    ) -> None:
        fields = actions.decision_fields({**item, "decision": jsonio.loads(item["payload"])})
        approver = self._approver(fields, owner)
        if approver is None:
            self.stats.refused += 1
            return
        decision_id = str(item["decision_id"])
        try:
            for step, (action, actor) in enumerate((("approve", approver), ("execute", owner))):
                store.apply_action(
                    decision_id,
                    lambda it, ev, a=action, who=actor, s=step: {
                        **actions.decide(
                            a, it, ev, who, None, None, self.policy, now, decision_id=decision_id
                        ),
                        "occurred_at": stamp(s),
                    },
                )
        except actions.ActionRefused:
            self.stats.refused += 1
            return
        self.stats.acted += 1
        self.carry_out(fields, world)

    def carry_out(self, decision: Mapping[str, Any], world: World) -> None:
        """An executed decision's effect on the world (by its owner or by stockops.auto)."""
        kind = str(decision["decision_type"])
        self.stats.acted_by_type[kind] = self.stats.acted_by_type.get(kind, 0) + 1
        effects = [apply(world, a) for a in world_actions(decision)]
        if not all(effects):
            self.stats.no_effect += 1
