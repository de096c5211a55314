"""Landing files for a batch of worlds, and the per-world policy seeds.

Many worlds share one warehouse run (docs/backtest.md, "One SQL run for many worlds"): every id a
world lands is prefixed with its world id (`W007~SKU-012`, `W007~S1`, `W007~SUP-2`, ...), so no two
worlds share a SKU, location, supplier, purchase order, transaction, constraint, category or owner,
and the decision SQL never lets them meet. The files follow the landing contract
(`<landing>/<table>/*.parquet`, immutable, one new file per day and table).

Each world is also its own company in the policy seeds: its categories have their own rows in
category_owners and category_strategies (the target service level is where the service-level sweep
turns), and its people their own rows in actor_roles.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb

from stockops.backtest.world import Catalog

SEP = "~"

COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "inventory_transactions": (
        ("txn_id", "varchar"),
        ("occurred_at", "timestamp"),
        ("sku_id", "varchar"),
        ("location_id", "varchar"),
        ("txn_type", "varchar"),
        ("quantity", "double"),
        ("unit_cost", "double"),
        ("reference_id", "varchar"),
        ("reason_code", "varchar"),
    ),
    "purchase_order_lines": (
        ("po_line_id", "varchar"),
        ("po_id", "varchar"),
        ("supplier_id", "varchar"),
        ("sku_id", "varchar"),
        ("location_id", "varchar"),
        ("ordered_qty", "double"),
        ("unit_cost", "double"),
        ("ordered_at", "timestamp"),
        ("promised_date", "date"),
        ("status", "varchar"),
    ),
    "products": (
        ("sku_id", "varchar"),
        ("sku_name", "varchar"),
        ("category_id", "varchar"),
        ("unit_cost", "double"),
        ("unit_price", "double"),
        ("lifecycle_status", "varchar"),
    ),
    "locations": (
        ("location_id", "varchar"),
        ("location_name", "varchar"),
        ("location_type", "varchar"),
    ),
    "suppliers": (("supplier_id", "varchar"), ("supplier_name", "varchar")),
    "supplier_products": (
        ("supplier_id", "varchar"),
        ("sku_id", "varchar"),
        ("priority", "integer"),
        ("quoted_lead_time_days", "integer"),
        ("moq", "double"),
        ("order_multiple", "double"),
        ("unit_cost", "double"),
    ),
    "constraint_resources": (
        ("constraint_id", "varchar"),
        ("constraint_name", "varchar"),
        ("location_id", "varchar"),
        ("capacity_hours_per_day", "double"),
        ("owner_id", "varchar"),
    ),
    "constraint_inputs": (
        ("constraint_id", "varchar"),
        ("sku_id", "varchar"),
        ("qty_per_run_hour", "double"),
    ),
    "constraint_runs": (
        ("constraint_id", "varchar"),
        ("started_at", "timestamp"),
        ("ended_at", "timestamp"),
        ("state", "varchar"),
        ("starved_by_sku_id", "varchar"),
    ),
    "cash_positions": (("as_of_date", "date"), ("available_cash", "double")),
    "decision_events": (
        ("event_id", "varchar"),
        ("decision_id", "varchar"),
        ("decision_version", "integer"),
        ("event_type", "varchar"),
        ("actor_id", "varchar"),
        ("occurred_at", "timestamp"),
        ("reason", "varchar"),
        ("snoozed_until", "timestamp"),
    ),
    # not a landing table: each world's own cash (see sql.WORLD_SCOPE)
    "world_cash": (("world_id", "varchar"), ("as_of_date", "date"), ("available_cash", "double")),
}
# the positions of the id columns each table namespaces
NAMESPACED = {
    "inventory_transactions": (0, 2, 3, 7),
    "purchase_order_lines": (0, 1, 2, 3, 4),
    "products": (0, 2),
    "locations": (0,),
    "suppliers": (0,),
    "supplier_products": (0, 1),
    "constraint_resources": (0, 2, 4),
    "constraint_inputs": (0, 1),
    "constraint_runs": (0, 4),
}


def ns(world_id: str, value: object) -> object:
    return None if value is None else f"{world_id}{SEP}{value}"


def world_of(value: str) -> str:
    return value.split(SEP, 1)[0]


def local(value: str) -> str:
    return value.split(SEP, 1)[1] if SEP in value else value


def namespaced(world_id: str, table: str, rows: Iterable[Sequence]) -> list[tuple]:
    keys = NAMESPACED[table]
    return [tuple(ns(world_id, v) if i in keys else v for i, v in enumerate(row)) for row in rows]


# landed once, before the history (the others get a new file every day)
REFERENCE_TABLES = (
    "products",
    "locations",
    "suppliers",
    "supplier_products",
    "constraint_resources",
    "constraint_inputs",
)


def reference_rows(catalog: Catalog) -> dict[str, list[tuple]]:
    """The world's reference tables (landed once, before the history)."""
    skus = {}
    for it in catalog.items:
        skus.setdefault(it.sku_id, it)
    supplier_products = []
    for it in skus.values():
        for rank, supplier_id in enumerate(it.suppliers, start=1):
            supplier_products.append(
                (
                    supplier_id,
                    it.sku_id,
                    rank,
                    catalog.quoted_days(it, supplier_id),
                    it.moq,
                    it.order_multiple,
                    catalog.supplier_cost(it, supplier_id),
                )
            )
    return {
        "products": [
            (
                it.sku_id,
                f"{it.category_id} item {it.sku_id}",
                it.category_id,
                it.unit_cost,
                it.unit_price,
                "active",
            )
            for it in skus.values()
        ],
        "locations": [(loc, f"{kind} {loc}", kind) for loc, kind in catalog.locations.items()],
        "suppliers": [(s, f"supplier {s}") for s in catalog.suppliers],
        "supplier_products": supplier_products,
        "constraint_resources": [
            (
                catalog.constraint_id,
                "plant bottleneck",
                catalog.constraint_location,
                catalog.capacity_hours,
                catalog.constraint_owner,
            )
        ],
        "constraint_inputs": [
            (catalog.constraint_id, it.sku_id, it.qty_per_run_hour)
            for it in skus.values()
            if it.is_input
        ],
    }


class LandingWriter:
    """Writes Parquet landing files through DuckDB (rows go through a CSV file: DuckDB reads it in
    bulk, where inserting row by row from Python is slow)."""

    def __init__(self, landing_dir: Path) -> None:
        self.landing_dir = landing_dir
        self.con = duckdb.connect()

    def close(self) -> None:
        self.con.close()

    def write(self, table: str, rows: Sequence[Sequence], name: str) -> Path:
        columns = COLUMNS[table]
        target = self.landing_dir / table / f"{name}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = target.with_name(f".{target.name}.csv")
        with scratch.open("w", newline="") as handle:
            out = csv.writer(handle)
            out.writerow([c for c, _ in columns])
            out.writerows(rows)
        types = ", ".join(f"'{c}': '{t}'" for c, t in columns)
        partial = target.with_name(f".{target.name}.partial")
        try:
            self.con.execute(
                f"copy (select * from read_csv(?, header = true, columns = {{{types}}})) "  # noqa: S608
                "to ? (format parquet)",
                [str(scratch), str(partial)],
            )
        finally:
            scratch.unlink(missing_ok=True)
        partial.replace(target)
        return target


def write_seeds(project_seeds: Path, out_dir: Path, worlds: dict[str, dict]) -> Path:
    """The policy seeds of a batch: the project's, plus one company per world. `worlds` maps a
    world id to {"categories": [...], "service_level": float | None}."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in project_seeds.glob("*.csv"):
        shutil.copyfile(path, out_dir / path.name)
    owners = _read(project_seeds / "category_owners.csv")
    strategies = _read(project_seeds / "category_strategies.csv")
    roles = _read(project_seeds / "actor_roles.csv")
    by_category = {r["category_id"]: r for r in owners}
    strategy_of = {r["category_id"]: r for r in strategies}
    for world_id, spec in worlds.items():
        for category in spec["categories"]:
            owner = dict(by_category.get(category) or by_category["default"])
            owner["category_id"] = category
            for column in ("owner_id", "escalation_owner_id"):
                owner[column] = ns(world_id, owner[column])
            owners.append({**owner, "category_id": ns(world_id, category)})
            strategy = dict(strategy_of.get(category) or strategy_of["default"])
            if spec.get("service_level") is not None:
                strategy["service_level"] = f"{spec['service_level']:.4f}"
            strategies.append({**strategy, "category_id": ns(world_id, category)})
        roles += [
            {
                **r,
                "actor_id": ns(world_id, r["actor_id"]),
                # a role scoped to a category covers the world's copy of it
                **({"category_id": ns(world_id, r["category_id"])} if r.get("category_id") else {}),
            }
            for r in _read(project_seeds / "actor_roles.csv")
        ]
    _write(out_dir / "category_owners.csv", owners)
    _write(out_dir / "category_strategies.csv", strategies)
    _write(out_dir / "actor_roles.csv", roles)
    return out_dir


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as handle:
        out = csv.DictWriter(handle, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)
