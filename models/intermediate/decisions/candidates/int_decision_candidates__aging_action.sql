{#-
    markdown / bundle / liquidate: stock sitting in an aging band whose action (aging_bands seed, per the
    category's aging policy) is not 'none' (int_inventory_aging). One decision per sku × location × band:
    act on the band's quantity; value_at_stake is the band's value at risk (value × markdown_pct).
    signal_at: when the oldest stock in the band crossed into it — its original receipt date + the band's
    minimum age (receipt date + band threshold).
    priority_score: what one more day costs — the value at risk grows along the band's ramp to the next
    band's markdown_pct (the last band: the rest of the value over a year), plus the holding cost:
      value × (next markdown_pct − markdown_pct) / (next band's min age − min age) + value × holding rate / 365.
    Sell-through (for int_decision_signals, which settles a replenish open at the same SKU-location): the
    band's and older bands' units sell first (FIFO) at d̄ per day, in days_to_sell; the band's window is the
    days until its oldest units reach the next band (the last band: var aged_sell_window_days).
-#}
with

all_bands as (

    select
        *,
        -- FIFO: this band's and every older band's units go before it is cleared
        sum(qty) over (
            partition by sku_id, location_id
            order by band_min_age_days desc
            rows between unbounded preceding and current row
        ) as aged_qty_to_sell
    from {{ ref('int_inventory_aging') }}

),

aging as (

    select * from all_bands
    where action != 'none' and qty > 0

),

bands as (

    select * from {{ ref('aging_bands') }}

),

next_band as (

    select
        aging.sku_id,
        aging.location_id,
        aging.aging_band,
        arg_min(bands.markdown_pct, bands.min_age_days) as next_markdown_pct,
        min(bands.min_age_days) as next_min_age_days
    from aging
    inner join bands
        on aging.aging_policy = bands.aging_policy and aging.band_min_age_days < bands.min_age_days
    group by aging.sku_id, aging.location_id, aging.aging_band

),

position as (

    select * from {{ ref('int_stock_position') }}

),

products as (

    select * from {{ ref('int_product_policy') }}

),

assessed as (

    select
        aging.*,
        products.escalation_owner_id,
        products.holding_cost_rate,
        coalesce(next_band.next_markdown_pct, 1) as next_markdown_pct,
        coalesce(next_band.next_min_age_days - aging.band_min_age_days, 365) as ramp_days,
        position.avg_daily_demand,
        case
            when position.avg_daily_demand > 0 then aging.aged_qty_to_sell / position.avg_daily_demand
        end as days_to_sell,
        coalesce(
            aging.band_max_age_days + 1 - date_diff('day', aging.oldest_receipt_date, aging.as_of_date),
            {{ var('aged_sell_window_days') }}
        ) as sell_window_days
    from aging
    inner join products on aging.sku_id = products.sku_id
    left join next_band
        on
            aging.sku_id = next_band.sku_id
            and aging.location_id = next_band.location_id
            and aging.aging_band = next_band.aging_band
    left join position on aging.sku_id = position.sku_id and aging.location_id = position.location_id

),

candidates as (

    select
        action as decision_type,
        concat_ws('|', sku_id, location_id, aging_band) as subject_key,
        sku_id,
        location_id,
        cast(null as varchar) as supplier_id,
        cast(null as varchar) as constraint_id,
        qty as recommended_qty,
        cast(as_of_date + to_days(case action when 'liquidate' then 7 else 14 end) as date) as due_by,
        owner_id,
        escalation_owner_id,
        round(
            value * (next_markdown_pct - markdown_pct) / ramp_days + value * coalesce(holding_cost_rate, 0) / 365, 2
        ) as priority_score,
        value_at_risk as value_at_stake,
        printf(
            '%s %g units of %s at %s: aged %s (oldest received %s, average age %.0f days); value %.2f, '
            || '%.0f%% at risk = %.2f.',
            upper(action[1]) || action[2:], qty, sku_id, location_id, aging_band,
            strftime(oldest_receipt_date, '%Y-%m-%d'), avg_age_days, value,
            100 * markdown_pct, value_at_risk
        ) as reason,
        json_object(
            'aging_policy', aging_policy,
            'aging_band', aging_band,
            'band_min_age_days', band_min_age_days,
            'band_max_age_days', band_max_age_days,
            'markdown_pct', markdown_pct,
            'next_markdown_pct', next_markdown_pct,
            'ramp_days', ramp_days,
            'holding_cost_rate', holding_cost_rate,
            'qty', qty,
            'value', value,
            'layer_count', layer_count,
            'oldest_receipt_date', oldest_receipt_date,
            'avg_age_days', avg_age_days,
            'value_at_risk', value_at_risk,
            'avg_daily_demand', avg_daily_demand,
            'aged_qty_to_sell', aged_qty_to_sell,
            'days_to_sell', days_to_sell,
            'sell_window_days', sell_window_days
        ) as inputs,
        cast(oldest_receipt_date + to_days(band_min_age_days) as timestamp) as signal_at,
        as_of_date,
        aged_qty_to_sell,
        days_to_sell,
        sell_window_days
    from assessed

)

select * from candidates
