"""The generator's injected scenarios show in fct_stock_position (tiny data, built once via Dagster)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def position(tiny_build, sku_id: str, location_id: str) -> dict:
    rows = tiny_build.query(
        "select * from marts.fct_stock_position where sku_id = ? and location_id = ?",
        [sku_id, location_id],
    )
    assert len(rows) == 1, f"no single position row for {sku_id} at {location_id}"
    columns = [r[0] for r in tiny_build.query("describe marts.fct_stock_position")]
    return dict(zip(columns, rows[0], strict=True))


def test_build_succeeded(tiny_build) -> None:
    assert tiny_build.outcome.success, tiny_build.outcome.failures


def test_stockout_prone_sku_is_out_of_stock(tiny_build) -> None:
    s = tiny_build.scenario("stockout_prone")
    row = position(tiny_build, s["sku_id"], s["location_id"])
    assert row["on_hand_qty"] == pytest.approx(s["on_hand_qty"])
    assert row["on_hand_qty"] == 0
    assert row["stock_status"] == "stockout"


def test_excess_at_one_store_shortage_at_another(tiny_build) -> None:
    s = tiny_build.scenario("excess_transfer")
    excess = position(tiny_build, s["sku_id"], s["excess_location_id"])
    short = position(tiny_build, s["sku_id"], s["short_location_id"])
    assert excess["on_hand_qty"] == pytest.approx(s["excess_on_hand_qty"])
    assert excess["stock_status"] == "excess"
    assert short["stock_status"] in ("stockout", "below_reorder_point")


def test_shrinkage_adjustments_are_visible(tiny_build) -> None:
    s = tiny_build.scenario("shrinkage")
    row = position(tiny_build, s["sku_id"], s["location_id"])
    assert row["shrinkage_events_window"] >= s["adjustment_count"]
    assert row["shrinkage_qty_window"] >= -s["total_qty"] > 0


def test_negative_ledger_is_visible(tiny_build) -> None:
    s = tiny_build.scenario("negative_on_hand")
    row = position(tiny_build, s["sku_id"], s["location_id"])
    assert row["on_hand_qty"] == pytest.approx(s["on_hand_qty"])
    assert row["on_hand_qty"] < 0


def test_inventory_position_subtracts_nothing_twice(tiny_build) -> None:
    bad = tiny_build.query(
        """
        select count(*) from marts.fct_stock_position
        where abs(inventory_position_qty - (on_hand_qty + on_order_qty)) > 1e-9
           or reorder_point_qty < safety_stock_qty - 1e-4
           or order_up_to_qty < reorder_point_qty - 1e-4
        """
    )[0][0]
    assert bad == 0


def test_dcs_carry_demand_from_their_transfers(tiny_build) -> None:
    dcs_with_demand = tiny_build.query(
        """
        select count(*) from marts.fct_stock_position as p
        join staging.stg_landing__locations as l using (location_id)
        where l.location_type = 'dc' and p.avg_daily_demand > 0
        """
    )[0][0]
    assert dcs_with_demand > 0
