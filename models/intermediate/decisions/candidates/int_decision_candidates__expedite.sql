{#-
    expedite: projected stockout before the next open receipt. With on hand ≥ 0 and demand d̄ > 0, the
    stock lasts on_hand / d̄ days; the earliest open PO line of the sku × location arrives in
    greatest(promised_date − as_of_date, 1) days (an overdue line is assumed to arrive tomorrow at the
    earliest). When the cover is shorter, expedite that line by the shortfall d̄ × gap days (capped at
    its open quantity, rounded up) before the projected stockout date.
    signal_at: the later of the line's ordered_at and the first movement after on hand last covered
    d̄ × days-to-receipt (days counted from that movement's date to the same receipt date), so the
    same open condition keeps the same signal_id across daily runs.
    priority_score: the lost margin of a day without stock that one more day of waiting lets happen,
    d̄ × unit margin × min(gap days, 1).
-#}
with

position as (

    select * from {{ ref('int_stock_position') }}

),

open_lines as (

    select * from {{ ref('int_purchase_order_lines_open') }}

),

transactions as (

    select * from {{ ref('stg_landing__inventory_transactions') }}

),

context as (

    select * from {{ ref('int_run_context') }}

),

products as (

    select * from {{ ref('int_product_policy') }}

),

next_receipt as (

    -- the earliest open line per sku × location (ties: the lowest line id)
    select
        sku_id,
        location_id,
        po_line_id,
        supplier_id,
        open_qty,
        ordered_at,
        promised_date
    from open_lines
    qualify row_number() over (
        partition by sku_id, location_id
        order by promised_date, po_line_id
    ) = 1

),

projected as (

    select
        position.*,
        products.escalation_owner_id,
        products.unit_price,
        next_receipt.po_line_id,
        next_receipt.supplier_id,
        next_receipt.open_qty,
        next_receipt.ordered_at,
        next_receipt.promised_date,
        greatest(date_diff('day', position.as_of_date, next_receipt.promised_date), 1) as days_to_receipt,
        position.on_hand_qty / position.avg_daily_demand as days_until_stockout
    from position
    inner join next_receipt
        on position.sku_id = next_receipt.sku_id and position.location_id = next_receipt.location_id
    inner join products on position.sku_id = products.sku_id
    where
        position.avg_daily_demand > 0
        and position.on_hand_qty >= 0

),

short as (

    select
        *,
        days_to_receipt - days_until_stockout as gap_days
    from projected
    where days_until_stockout < days_to_receipt

),

running as (

    select
        transactions.sku_id,
        transactions.location_id,
        transactions.occurred_at,
        sum(transactions.quantity) over (
            partition by transactions.sku_id, transactions.location_id
            order by transactions.occurred_at, transactions.txn_id
            rows between unbounded preceding and current row
        ) as on_hand_after_qty,
        short.avg_daily_demand
        * greatest(date_diff('day', cast(transactions.occurred_at as date), short.promised_date), 1)
            as needed_until_receipt_qty
    from transactions
    inner join short
        on transactions.sku_id = short.sku_id and transactions.location_id = short.location_id
    inner join context on transactions.occurred_at < context.as_of_end_at

),

last_covered as (

    select
        sku_id,
        location_id,
        max(case when on_hand_after_qty >= needed_until_receipt_qty then occurred_at end) as last_covered_at
    from running
    group by sku_id, location_id

),

episode_start as (

    -- the first movement after on hand last covered the demand until the receipt
    select
        running.sku_id,
        running.location_id,
        min(running.occurred_at) as uncovered_at
    from running
    inner join last_covered
        on running.sku_id = last_covered.sku_id and running.location_id = last_covered.location_id
    where running.occurred_at > coalesce(last_covered.last_covered_at, cast('1900-01-01' as timestamp))
    group by running.sku_id, running.location_id

),

sized as (

    select
        short.*,
        ceil(round(least(short.avg_daily_demand * short.gap_days, short.open_qty), 6)) as recommended_qty,
        greatest(short.ordered_at, coalesce(episode_start.uncovered_at, short.ordered_at)) as signal_at
    from short
    left join episode_start
        on short.sku_id = episode_start.sku_id and short.location_id = episode_start.location_id

),

candidates as (

    select
        'expedite' as decision_type,
        concat_ws('|', sku_id, location_id) as subject_key,
        sku_id,
        location_id,
        supplier_id,
        cast(null as varchar) as constraint_id,
        recommended_qty,
        -- the projected stockout date: the expedited units must arrive by then
        cast(as_of_date + to_days(cast(floor(days_until_stockout) as integer)) as date) as due_by,
        owner_id,
        escalation_owner_id,
        round(avg_daily_demand * {{ unit_margin('unit_price', 'unit_cost') }} * least(gap_days, 1), 2)
            as priority_score,
        -- lost sales over the gap, valued at unit cost
        round(avg_daily_demand * gap_days * unit_cost, 2) as value_at_stake,
        printf(
            'Expedite %g units of %s to %s on PO line %s from %s: %.1f on hand cover %.1f days at %.1f/day, '
            || 'the line is due in %d days (%.1f days without stock).',
            recommended_qty, sku_id, location_id, po_line_id, supplier_id, on_hand_qty,
            days_until_stockout, avg_daily_demand, days_to_receipt, gap_days
        ) as reason,
        json_object(
            'on_hand_qty', on_hand_qty,
            'avg_daily_demand', avg_daily_demand,
            'days_until_stockout', days_until_stockout,
            'po_line_id', po_line_id,
            'po_line_ordered_at', ordered_at,
            'promised_date', promised_date,
            'days_to_receipt', days_to_receipt,
            'gap_days', gap_days,
            'open_qty', open_qty,
            'unit_cost', unit_cost,
            'unit_price', unit_price
        ) as inputs,
        signal_at,
        as_of_date
    from sized
    where recommended_qty > 0

)

select * from candidates
