"""The sample-data generator: contract, determinism, scenarios and ledger invariants (tiny scale)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from stockops import generate
from stockops.settings import LANDING_TABLES

CONTRACT = {
    "inventory_transactions": {
        "txn_id": "VARCHAR",
        "occurred_at": "TIMESTAMP",
        "sku_id": "VARCHAR",
        "location_id": "VARCHAR",
        "txn_type": "VARCHAR",
        "quantity": "DOUBLE",
        "unit_cost": "DOUBLE",
        "reference_id": "VARCHAR",
        "reason_code": "VARCHAR",
    },
    "purchase_order_lines": {
        "po_line_id": "VARCHAR",
        "po_id": "VARCHAR",
        "supplier_id": "VARCHAR",
        "sku_id": "VARCHAR",
        "location_id": "VARCHAR",
        "ordered_qty": "DOUBLE",
        "unit_cost": "DOUBLE",
        "ordered_at": "TIMESTAMP",
        "promised_date": "DATE",
        "status": "VARCHAR",
    },
    "products": {
        "sku_id": "VARCHAR",
        "sku_name": "VARCHAR",
        "category_id": "VARCHAR",
        "unit_cost": "DOUBLE",
        "unit_price": "DOUBLE",
        "lifecycle_status": "VARCHAR",
    },
    "locations": {"location_id": "VARCHAR", "location_name": "VARCHAR", "location_type": "VARCHAR"},
    "suppliers": {"supplier_id": "VARCHAR", "supplier_name": "VARCHAR"},
    "supplier_products": {
        "supplier_id": "VARCHAR",
        "sku_id": "VARCHAR",
        "priority": "INTEGER",
        "quoted_lead_time_days": "INTEGER",
        "moq": "DOUBLE",
        "order_multiple": "DOUBLE",
        "unit_cost": "DOUBLE",
    },
    "constraint_resources": {
        "constraint_id": "VARCHAR",
        "constraint_name": "VARCHAR",
        "location_id": "VARCHAR",
        "capacity_hours_per_day": "DOUBLE",
        "owner_id": "VARCHAR",
    },
    "constraint_inputs": {
        "constraint_id": "VARCHAR",
        "sku_id": "VARCHAR",
        "qty_per_run_hour": "DOUBLE",
    },
    "constraint_runs": {
        "constraint_id": "VARCHAR",
        "started_at": "TIMESTAMP",
        "ended_at": "TIMESTAMP",
        "state": "VARCHAR",
        "starved_by_sku_id": "VARCHAR",
    },
    "cash_positions": {"as_of_date": "DATE", "available_cash": "DOUBLE"},
}
SCENARIO_KINDS = {
    "unreliable_supplier",
    "aged_stock",
    "constraint_red_zone",
    "shrinkage",
    "stockout_prone",
    "excess_transfer",
    "negative_on_hand",
    "demand_shift",
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    dirs = {}
    for name, seed in (("a", 42), ("b", 42), ("c", 7)):
        dirs[name] = tmp_path_factory.mktemp(f"landing_{name}")
        generate.generate(dirs[name], seed=seed, **generate.SCALES["tiny"])
    return dirs


@pytest.fixture(scope="module")
def landing(runs) -> Path:
    return runs["a"]


@pytest.fixture(scope="module")
def con(landing):
    """A connection with one view per landing table."""
    c = duckdb.connect()
    for table in LANDING_TABLES:
        c.execute(
            f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{landing / table}/*.parquet')"
        )
    c.execute(f"SET VARIABLE end_date = DATE '{_scenario_file(landing)['end_date']}'")
    yield c
    c.close()


@pytest.fixture(scope="module")
def scenarios(landing) -> dict[str, dict]:
    return {s["kind"]: s for s in _scenario_file(landing)["scenarios"]}


def _scenario_file(landing: Path) -> dict:
    return json.loads((landing / "scenarios.json").read_text())


def _one(con, sql: str, params=None):
    return con.execute(sql, params or []).fetchone()


def _checksum(directory: Path, table: str) -> tuple:
    """Order-independent content checksum of one landing table."""
    return _one(
        duckdb.connect(),
        f"SELECT count(*), sum(hash(t)::HUGEINT) FROM read_parquet('{directory / table}/*.parquet') t",
    )


# ------------------------------------------------------------------------------------- contract
def test_every_table_has_exactly_the_contract_columns(landing):
    assert sorted(p.name for p in landing.iterdir() if p.is_dir()) == sorted(LANDING_TABLES)
    c = duckdb.connect()
    for table, columns in CONTRACT.items():
        files = list((landing / table).glob("*.parquet"))
        assert [f.name for f in files] == ["part-00000.parquet"]
        described = c.execute(f"DESCRIBE SELECT * FROM read_parquet('{files[0]}')").fetchall()
        assert {name: kind for name, kind, *_ in described} == columns, table
        assert [name for name, *_ in described] == list(columns), f"{table} column order"
        assert _one(c, f"SELECT count(*) FROM read_parquet('{files[0]}')")[0] > 0, table


def test_same_seed_same_data_other_seed_other_data(runs):
    for table in LANDING_TABLES:
        assert _checksum(runs["a"], table) == _checksum(runs["b"], table), table
    assert (runs["a"] / "scenarios.json").read_text() == (runs["b"] / "scenarios.json").read_text()
    for table in ("inventory_transactions", "purchase_order_lines", "products", "cash_positions"):
        assert _checksum(runs["a"], table) != _checksum(runs["c"], table), table


def test_tiny_is_a_few_thousand_transactions(con):
    assert 1_000 <= _one(con, "SELECT count(*) FROM inventory_transactions")[0] <= 20_000


# --------------------------------------------------------------------------------------- ledger
def test_ids_signs_and_reason_codes(con):
    assert _one(con, "SELECT count(*) = count(DISTINCT txn_id) FROM inventory_transactions")[0]
    assert _one(
        con,
        """SELECT count(*) FROM inventory_transactions WHERE NOT (
            (txn_type IN ('receipt', 'return', 'transfer_in') AND quantity > 0)
            OR (txn_type IN ('sale', 'consumption', 'transfer_out', 'scrap') AND quantity < 0)
            OR (txn_type = 'adjustment' AND quantity <> 0))""",
    ) == (0,)
    assert _one(
        con,
        """SELECT count(*) FROM inventory_transactions
           WHERE (txn_type = 'adjustment') <> (reason_code IS NOT NULL)
              OR reason_code NOT IN ('cycle_count', 'damage', 'shrinkage')""",
    ) == (0,)
    signs = _one(
        con,
        """SELECT count(*) FILTER (WHERE quantity > 0), count(*) FILTER (WHERE quantity < 0)
           FROM inventory_transactions WHERE reason_code = 'cycle_count'""",
    )
    assert min(signs) > 0, "cycle counts of both signs"
    # txn_id follows time order
    assert _one(
        con,
        """SELECT count(*) FROM (SELECT occurred_at, lag(occurred_at) OVER (ORDER BY txn_id) AS prev
           FROM inventory_transactions) WHERE occurred_at < prev""",
    ) == (0,)


def test_on_hand_never_negative_outside_scenarios(con, scenarios):
    named = {
        (s.get("sku_id"), loc)
        for s in scenarios.values()
        for key, loc in s.items()
        if key.endswith("location_id")
    }
    negative = con.execute(
        """SELECT DISTINCT sku_id, location_id FROM (
               SELECT sku_id, location_id, sum(quantity) OVER (
                   PARTITION BY sku_id, location_id ORDER BY occurred_at, txn_id) AS on_hand
               FROM inventory_transactions)
           WHERE on_hand < 0"""
    ).fetchall()
    assert negative, "the negative_on_hand scenario must show up"
    assert set(negative) <= named


def test_transfers_pair_and_carry_stock_from_dc_to_store(con):
    assert _one(
        con,
        """WITH o AS (SELECT * FROM inventory_transactions WHERE txn_type = 'transfer_out'),
                i AS (SELECT * FROM inventory_transactions WHERE txn_type = 'transfer_in')
           SELECT count(*) FROM o FULL JOIN i USING (reference_id)
           WHERE o.quantity IS NULL OR i.quantity IS NULL OR o.quantity <> -i.quantity
              OR o.sku_id <> i.sku_id OR o.occurred_at >= i.occurred_at
              OR NOT starts_with(reference_id, 'TRF-')""",
    ) == (0,)
    kinds = con.execute(
        """SELECT DISTINCT t.txn_type, l.location_type FROM inventory_transactions t
           JOIN locations l USING (location_id) WHERE t.txn_type LIKE 'transfer%'"""
    ).fetchall()
    assert sorted(kinds) == [("transfer_in", "store"), ("transfer_out", "dc")]


def test_receipts_link_to_po_lines(con):
    assert _one(
        con,
        """SELECT count(*) FROM inventory_transactions t
           LEFT JOIN purchase_order_lines l ON l.po_line_id = t.reference_id
           WHERE t.txn_type = 'receipt'
             AND (l.status IS DISTINCT FROM 'closed' OR l.sku_id <> t.sku_id
                  OR l.location_id <> t.location_id OR t.occurred_at <= l.ordered_at)""",
    ) == (0,)
    lines = con.execute(
        """SELECT l.status, count(*), count(*) FILTER (WHERE r.n = 2),
                  count(*) FILTER (WHERE r.qty > l.ordered_qty OR r.qty < 0.9 * l.ordered_qty)
           FROM purchase_order_lines l
           LEFT JOIN (SELECT reference_id, count(*) AS n, sum(quantity) AS qty
                      FROM inventory_transactions GROUP BY 1) r ON r.reference_id = l.po_line_id
           GROUP BY 1"""
    ).fetchall()
    by_status = {status: rest for status, *rest in lines}
    assert set(by_status) == {"open", "closed", "cancelled"}
    assert _one(
        con,
        """SELECT count(*) FROM purchase_order_lines l SEMI JOIN inventory_transactions t
           ON t.reference_id = l.po_line_id WHERE l.status <> 'closed'""",
    ) == (0,)
    n_closed, n_two_receipts, n_not_nearly_full = by_status["closed"]
    assert n_two_receipts > 0, "some lines are received in two receipts"
    assert n_not_nearly_full == 0, "closed lines are (nearly) fully received"


def test_returns_reference_an_earlier_sale(con):
    assert _one(con, "SELECT count(*) FROM inventory_transactions WHERE txn_type = 'return'")[0]
    assert _one(
        con,
        """SELECT count(*) FROM inventory_transactions r
           LEFT JOIN inventory_transactions s ON s.reference_id = r.reference_id
                AND s.txn_type = 'sale' AND s.sku_id = r.sku_id
                AND s.location_id = r.location_id AND s.occurred_at < r.occurred_at
                AND r.quantity <= -s.quantity
           WHERE r.txn_type = 'return' AND s.txn_id IS NULL""",
    ) == (0,)


def test_network_and_master_data(con):
    types = con.execute(
        "SELECT location_id, location_type FROM locations ORDER BY location_id"
    ).fetchall()
    assert types[0][1] == "dc" and types[-1][1] == "plant"
    assert {t for _, t in types[1:-1]} == {"store"}
    assert _one(
        con,
        """SELECT count(*) FILTER (WHERE n = 2) > 0.6 * count(*), max(n) <= 2,
                  count(*) FILTER (WHERE p1 <> 1) = 0
           FROM (SELECT sku_id, count(*) AS n, count(*) FILTER (WHERE priority = 1) AS p1
                 FROM supplier_products GROUP BY 1)""",
    ) == (True, True, True)
    assert _one(
        con,
        """SELECT count(DISTINCT as_of_date) = count(*), min(available_cash) > 0,
                  max(as_of_date) = getvariable('end_date')
           FROM cash_positions""",
    ) == (True, True, True)
    # not every store carries every SKU
    stores_per_sku = con.execute(
        """SELECT count(DISTINCT location_id) FROM inventory_transactions
           JOIN locations USING (location_id) WHERE txn_type = 'sale' GROUP BY sku_id"""
    ).fetchall()
    assert min(n for (n,) in stores_per_sku) == 1


def test_constraint_runs_tile_each_day(con):
    assert _one(
        con,
        """WITH d AS (
               SELECT started_at::DATE AS day, sum(epoch(ended_at - started_at)) / 3600 AS hours,
                      min(started_at) AS first, max(ended_at) AS last
               FROM constraint_runs GROUP BY 1)
           SELECT count(*) FILTER (WHERE hours <> 16 OR epoch(last - first) <> 16 * 3600)
           FROM d""",
    ) == (0,)
    assert _one(
        con,
        """SELECT count(*) FROM (SELECT started_at, lag(ended_at) OVER (ORDER BY started_at) AS p
           FROM constraint_runs) WHERE p > started_at""",
    ) == (0,)
    assert _one(
        con,
        """SELECT count(*) FROM constraint_runs
           WHERE (state = 'starved') <> (starved_by_sku_id IS NOT NULL)""",
    ) == (0,)


def test_demand_is_skewed(con):
    top_share = _one(
        con,
        """WITH v AS (SELECT sku_id, -sum(quantity * unit_cost) AS v FROM inventory_transactions
                      WHERE txn_type = 'sale' GROUP BY 1),
                r AS (SELECT v, row_number() OVER (ORDER BY v DESC) AS rn, count(*) OVER () AS n
                      FROM v)
           SELECT sum(v) FILTER (WHERE rn <= 0.2 * n) / sum(v) FROM r""",
    )[0]
    assert top_share > 0.4  # uniform demand would give 0.2; ~0.8 at the larger scales


# ------------------------------------------------------------------------------------ scenarios
def test_scenarios_file(landing, scenarios):
    data = _scenario_file(landing)
    assert data["seed"] == 42 and data["end_date"] == "2026-10-31"
    assert set(scenarios) == SCENARIO_KINDS


def test_unreliable_supplier(con, scenarios):
    s = scenarios["unreliable_supplier"]
    late_recent, late_before = _one(
        con,
        """SELECT count(*) FILTER (WHERE t.occurred_at >= getvariable('end_date') - INTERVAL 90 DAY),
                  count(*) FILTER (WHERE t.occurred_at < getvariable('end_date') - INTERVAL 90 DAY)
           FROM inventory_transactions t JOIN purchase_order_lines l ON l.po_line_id = t.reference_id
           WHERE t.txn_type = 'receipt' AND l.supplier_id = ?
             AND t.occurred_at::DATE > l.promised_date + 1""",
        [s["supplier_id"]],
    )
    assert late_recent == s["late_deliveries"] >= 3 and late_before == 0
    assert _one(
        con,
        "SELECT count(*) FROM purchase_order_lines WHERE supplier_id = ? AND status = 'closed' "
        "AND ordered_at < getvariable('end_date') - INTERVAL 90 DAY",
        [s["supplier_id"]],
    )[0], "the supplier has an on-time history"
    backups = con.execute(
        "SELECT sku_id, supplier_id FROM supplier_products WHERE priority = 2 AND sku_id IN "
        "(SELECT sku_id FROM supplier_products WHERE supplier_id = ? AND priority = 1)",
        [s["supplier_id"]],
    ).fetchall()
    assert sorted(backups) == sorted((sku, s["backup_supplier_id"]) for sku in s["sku_ids"])
    assert _one(
        con,
        """SELECT count(*) FROM inventory_transactions t
           JOIN purchase_order_lines l ON l.po_line_id = t.reference_id
           WHERE l.supplier_id = ? AND t.occurred_at::DATE > l.promised_date + 1""",
        [s["backup_supplier_id"]],
    ) == (0,)


def test_aged_stock(con, scenarios):
    s = scenarios["aged_stock"]
    oldest, on_hand, moves = _one(
        con,
        """SELECT min(occurred_at)::DATE, sum(quantity), count(*) FILTER (WHERE txn_type <> 'receipt')
           FROM inventory_transactions WHERE sku_id = ? AND location_id = ?""",
        [s["sku_id"], s["location_id"]],
    )
    assert str(oldest) == s["oldest_receipt_date"]
    assert _one(con, "SELECT getvariable('end_date') - ?::DATE", [oldest])[0] > 365
    assert on_hand == s["on_hand_qty"] > 0 and moves == 0


def _on_hand(con, sku_id, location_id) -> float:
    return _one(
        con,
        "SELECT sum(quantity) FROM inventory_transactions WHERE sku_id = ? AND location_id = ?",
        [sku_id, location_id],
    )[0]


def test_constraint_red_zone(con, scenarios):
    s = scenarios["constraint_red_zone"]
    assert _one(
        con,
        "SELECT location_id FROM constraint_resources WHERE constraint_id = ?",
        [s["constraint_id"]],
    ) == (s["location_id"],)
    daily = _one(
        con,
        """SELECT -sum(quantity) / 28 FROM inventory_transactions
           WHERE sku_id = ? AND location_id = ? AND txn_type = 'consumption'
             AND occurred_at::DATE BETWEEN getvariable('end_date') - 30
                                       AND getvariable('end_date') - 3""",
        [s["sku_id"], s["location_id"]],
    )[0]
    assert _on_hand(con, s["sku_id"], s["location_id"]) == s["on_hand_qty"] < daily
    starved = con.execute(
        """SELECT DISTINCT starved_by_sku_id FROM constraint_runs
           WHERE state = 'starved' AND started_at >= getvariable('end_date') - INTERVAL 7 DAY"""
    ).fetchall()
    assert starved == [(s["sku_id"],)]
    assert _one(con, "SELECT count(*) FROM constraint_inputs WHERE sku_id = ?", [s["sku_id"]]) == (
        1,
    )


def test_shrinkage(con, scenarios):
    s = scenarios["shrinkage"]
    n, total = _one(
        con,
        """SELECT count(*), sum(quantity) FROM inventory_transactions
           WHERE sku_id = ? AND location_id = ? AND reason_code = 'shrinkage' AND quantity < 0
             AND occurred_at >= getvariable('end_date') - INTERVAL 60 DAY""",
        [s["sku_id"], s["location_id"]],
    )
    assert n == s["adjustment_count"] >= 3 and total == s["total_qty"]


def test_stockout_prone(con, scenarios):
    s = scenarios["stockout_prone"]
    days_at_zero, sales = _one(
        con,
        """WITH t AS (SELECT occurred_at::DATE AS day, quantity, txn_type
                      FROM inventory_transactions WHERE sku_id = ? AND location_id = ?),
                d AS (SELECT day, sum(sum(quantity)) OVER (ORDER BY day) AS on_hand FROM t
                      GROUP BY day)
           SELECT (SELECT count(*) FROM d WHERE on_hand = 0),
                  (SELECT count(*) FROM t WHERE txn_type = 'sale')""",
        [s["sku_id"], s["location_id"]],
    )
    assert days_at_zero >= 2 and sales > 20
    assert _on_hand(con, s["sku_id"], s["location_id"]) == 0 == s["on_hand_qty"]


def test_excess_transfer(con, scenarios):
    s = scenarios["excess_transfer"]
    excess = _on_hand(con, s["sku_id"], s["excess_location_id"])
    short = _on_hand(con, s["sku_id"], s["short_location_id"])
    daily = _one(
        con,
        """SELECT -sum(quantity) / 90 FROM inventory_transactions
           WHERE sku_id = ? AND location_id = ? AND txn_type = 'sale'
             AND occurred_at >= getvariable('end_date') - INTERVAL 90 DAY""",
        [s["sku_id"], s["excess_location_id"]],
    )[0]
    assert excess > 30 * daily and short <= daily
    kinds = {
        loc: kind
        for loc, kind in con.execute("SELECT location_id, location_type FROM locations").fetchall()
    }
    assert kinds[s["excess_location_id"]] == kinds[s["short_location_id"]] == "store"


def test_negative_on_hand_and_demand_shift(con, scenarios):
    s = scenarios["negative_on_hand"]
    assert _on_hand(con, s["sku_id"], s["location_id"]) == s["on_hand_qty"] < 0
    s = scenarios["demand_shift"]
    before, after = _one(
        con,
        """SELECT -sum(quantity) FILTER (WHERE occurred_at < getvariable('end_date') - 13) / 60,
                  -sum(quantity) FILTER (WHERE occurred_at >= getvariable('end_date') - 13) / 14
           FROM inventory_transactions
           WHERE sku_id = ? AND location_id = ? AND txn_type = 'sale'
             AND occurred_at >= getvariable('end_date') - 73""",
        [s["sku_id"], s["location_id"]],
    )
    assert after > 2 * before


# ------------------------------------------------------------------------------------ arguments
def test_refuses_to_overwrite_landing_files(landing, tmp_path):
    with pytest.raises(ValueError, match="already contains landing files"):
        generate.generate(landing, **generate.SCALES["tiny"])
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "inventory_transactions").mkdir()  # an empty table folder is fine
    assert generate.generate(empty, **generate.SCALES["tiny"])["row_counts"]["products"] == 40


@pytest.mark.parametrize(
    "override",
    [{"skus": 0}, {"skus": 10}, {"locations": 3}, {"days": 30}, {"days": 1.5}, {"skus": True}],
)
def test_rejects_invalid_arguments(tmp_path, override):
    args = {**generate.SCALES["tiny"], **override}
    with pytest.raises(ValueError):
        generate.generate(tmp_path / "x", **args)
    assert not (tmp_path / "x").exists()


def test_large_scales_work_in_a_scratch_file_with_the_same_data(runs, tmp_path, monkeypatch):
    """Above IN_MEMORY_PAIR_DAYS the generator works in a scratch DuckDB file (100M transactions do
    not fit in memory); the data are the same and the scratch file is removed."""
    monkeypatch.setattr(generate, "IN_MEMORY_PAIR_DAYS", 0)
    messages: list[str] = []
    out = tmp_path / "landing"
    generate.generate(out, seed=42, progress=messages.append, **generate.SCALES["tiny"])
    assert any("scratch database" in m for m in messages)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["landing"]  # scratch removed
    for table in LANDING_TABLES:
        assert _checksum(out, table) == _checksum(runs["a"], table), table
