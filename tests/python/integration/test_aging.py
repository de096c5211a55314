"""fct_inventory_aging on the tiny build: FIFO layers, bands, and receipt dates that survive transfers."""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.slow


def test_aged_stock_sits_in_the_last_band_and_is_liquidated(tiny_build) -> None:
    aged = tiny_build.scenario("aged_stock")
    rows = tiny_build.query(
        """
        select aging.aging_band, aging.action, aging.qty, aging.oldest_receipt_date,
            aging.band_min_age_days = (
                select max(bands.min_age_days) from policy.aging_bands as bands
                where bands.aging_policy = aging.aging_policy
            ) as is_last_band
        from marts.fct_inventory_aging as aging
        where aging.sku_id = ? and aging.location_id = ?
        """,
        [aged["sku_id"], aged["location_id"]],
    )
    assert len(rows) == 1, rows
    band, action, qty, oldest, is_last_band = rows[0]
    assert is_last_band, band
    assert action == "liquidate"
    assert qty == pytest.approx(aged["on_hand_qty"])
    assert oldest == dt.date.fromisoformat(aged["oldest_receipt_date"])


def test_quantity_across_bands_equals_on_hand(tiny_build) -> None:
    mismatches = tiny_build.query(
        """
        select position.sku_id, position.location_id, position.on_hand_qty,
            coalesce(sum(aging.qty), 0) as aged_qty
        from marts.fct_stock_position as position
        left join marts.fct_inventory_aging as aging
            on position.sku_id = aging.sku_id and position.location_id = aging.location_id
        where position.on_hand_qty >= 0
        group by all
        having abs(coalesce(sum(aging.qty), 0) - position.on_hand_qty) > 1e-6
        """
    )
    assert mismatches == []
    checked = tiny_build.query(
        "select count(*) from marts.fct_stock_position where on_hand_qty > 0"
    )[0][0]
    assert checked > 0
    orphans = tiny_build.query(
        """
        select aging.sku_id, aging.location_id from marts.fct_inventory_aging as aging
        anti join marts.fct_stock_position as position
            on aging.sku_id = position.sku_id and aging.location_id = position.location_id
            and position.on_hand_qty > 0
        """
    )
    assert orphans == []


def test_transferred_store_stock_keeps_the_dc_receipt_date(tiny_build) -> None:
    carried = tiny_build.query(
        """
        select layers.sku_id, layers.location_id, layers.original_receipt_date,
            layers.arrived_at, origin_location.location_type, aging.oldest_receipt_date
        from intermediate.int_inventory_layers as layers
        inner join staging.stg_landing__locations as store
            on layers.location_id = store.location_id and store.location_type = 'store'
        inner join staging.stg_landing__locations as origin_location
            on layers.origin_location_id = origin_location.location_id
        inner join marts.fct_inventory_aging as aging
            on layers.sku_id = aging.sku_id and layers.location_id = aging.location_id
            and layers.age_days between aging.band_min_age_days
                and coalesce(aging.band_max_age_days, layers.age_days)
        where layers.arrival_txn_type = 'transfer_in'
            and layers.original_receipt_date < cast(layers.arrived_at as date)
        """
    )
    assert carried, "some store stock must be aged from a receipt before its transfer_in"
    for _sku, _store, receipt_date, arrived_at, origin_type, band_oldest in carried:
        assert origin_type == "dc"
        assert receipt_date < arrived_at.date()
        assert band_oldest <= receipt_date
