{#-
    transfer: the same SKU is short at one location (stockout, or below its reorder point with on hand
    covering less than the lead time — a supplier order would arrive too late) while another
    location is in excess (stock_status 'excess': position above var('excess_cover_multiple') × its
    order-up-to level, or stock without demand — merely being above order-up-to is not enough, so single
    units are not shuttled between healthy locations). Stores and DCs only (a plant's stock feeds its
    constraint). Each short location takes from the excess location with the largest surplus
    (on hand − order-up-to, at least var transfer_min_surplus_qty (default 1) unit; ties: lowest location id);
    quantity = floor(min(surplus, order-up-to − inventory position at the destination)); a source picked
    by several destinations shares its surplus out (stockouts first, then the largest need).
    due_by: tomorrow, or today when the destination is already out of stock (its projected stockout date
    when that is earlier than tomorrow).
    signal_at: the movement after which the destination's position (on hand + on order) stayed at or
    below its reorder point — the replenish episode start — so the decision is stable across runs.
    priority_score: the destination's expected lost margin of moving the stock one day later, macro
    stockout_delay_cost with the destination's on hand and one day in transit as the horizon.
-#}
with

position as (

    select * from {{ ref('int_stock_position') }}

),

locations as (

    select * from {{ ref('stg_landing__locations') }}

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

eligible as (

    select position.*
    from position
    inner join locations on position.location_id = locations.location_id
    where locations.location_type in ('store', 'dc')

),

sources as (

    select
        sku_id,
        location_id as from_location_id,
        on_hand_qty as from_on_hand_qty,
        order_up_to_qty as from_order_up_to_qty,
        stock_status as from_stock_status,
        on_hand_qty - order_up_to_qty as surplus_qty
    from eligible
    where
        stock_status = 'excess'
        and on_hand_qty - order_up_to_qty >= {{ var('transfer_min_surplus_qty') }}

),

destinations as (

    select
        eligible.*,
        products.escalation_owner_id,
        products.unit_price,
        eligible.order_up_to_qty - eligible.inventory_position_qty as need_qty
    from eligible
    inner join products on eligible.sku_id = products.sku_id
    where
        eligible.stock_status in ('stockout', 'below_reorder_point')
        and eligible.order_up_to_qty > eligible.inventory_position_qty
        -- worth moving stock only when a supplier order would arrive too late: out of stock, or the
        -- stock on hand covers less than the lead time
        and (
            eligible.on_hand_qty <= 0
            or eligible.on_hand_qty < eligible.avg_daily_demand * eligible.lead_time_days
        )

),

paired as (

    select
        destinations.*,
        sources.from_location_id,
        sources.from_on_hand_qty,
        sources.from_order_up_to_qty,
        sources.from_stock_status,
        sources.surplus_qty
    from destinations
    inner join sources
        on
            destinations.sku_id = sources.sku_id
            and destinations.location_id != sources.from_location_id
    qualify row_number() over (
        partition by destinations.sku_id, destinations.location_id
        order by sources.surplus_qty desc, sources.from_location_id asc
    ) = 1

),

allocated as (

    -- a source that is the best for several destinations shares its surplus out, stockouts first
    select
        *,
        coalesce(
            sum(need_qty) over (
                partition by sku_id, from_location_id
                order by on_hand_qty <= 0 desc, need_qty desc, location_id asc
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as allocated_before_qty
    from paired

),

thresholds as (

    select
        sku_id,
        location_id,
        on_order_qty as position_offset_qty,
        reorder_point_qty as threshold_qty
    from allocated

),

episode_start as (

    -- the first movement after the destination's position was last above its reorder point
    {{ episode_start_below('thresholds', 'transactions', 'context') }}

),

sized as (

    select
        allocated.*,
        floor(round(least(allocated.need_qty, allocated.surplus_qty - allocated.allocated_before_qty), 6))
            as transfer_qty,
        coalesce(episode_start.episode_start_at, cast(allocated.as_of_date as timestamp)) as signal_at,
        -- projected stockout at the destination: today when out of stock, else after its cover
        case
            when allocated.on_hand_qty <= 0 then allocated.as_of_date
            when allocated.avg_daily_demand > 0
                then cast(
                    allocated.as_of_date
                    + to_days(cast(floor(allocated.on_hand_qty / allocated.avg_daily_demand) as integer))
                    as date
                )
        end as stockout_date
    from allocated
    left join episode_start
        on allocated.sku_id = episode_start.sku_id and allocated.location_id = episode_start.location_id

),

candidates as (

    select
        'transfer' as decision_type,
        concat_ws('|', sku_id, from_location_id, location_id) as subject_key,
        sku_id,
        location_id,
        cast(null as varchar) as supplier_id,
        cast(null as varchar) as constraint_id,
        transfer_qty as recommended_qty,
        least(cast(as_of_date + interval 1 day as date), coalesce(stockout_date, cast('9999-12-31' as date)))
            as due_by,
        owner_id,
        escalation_owner_id,
        round(
            {{ stockout_delay_cost(
                'on_hand_qty', '1', 'avg_daily_demand', 'demand_std_daily', '0', unit_margin('unit_price', 'unit_cost')
            ) }},
            2
        ) as priority_score,
        round(transfer_qty * unit_cost, 2) as value_at_stake,
        printf(
            'Transfer %g units of %s from %s to %s: %s has %.1f on hand above its order-up-to level %.1f; '
            || '%s is %s (inventory position %.1f, reorder point %.1f, order-up-to %.1f).',
            transfer_qty, sku_id, from_location_id, location_id, from_location_id, surplus_qty,
            from_order_up_to_qty, location_id, replace(stock_status, '_', ' '), inventory_position_qty,
            reorder_point_qty, order_up_to_qty
        ) as reason,
        json_object(
            'from_location_id', from_location_id,
            'from_on_hand_qty', from_on_hand_qty,
            'from_order_up_to_qty', from_order_up_to_qty,
            'from_stock_status', from_stock_status,
            'surplus_qty', surplus_qty,
            'surplus_allocated_before_qty', allocated_before_qty,
            'on_hand_qty', on_hand_qty,
            'on_order_qty', on_order_qty,
            'inventory_position_qty', inventory_position_qty,
            'avg_daily_demand', avg_daily_demand,
            'reorder_point_qty', reorder_point_qty,
            'order_up_to_qty', order_up_to_qty,
            'lead_time_days', lead_time_days,
            'need_qty', need_qty,
            'stock_status', stock_status,
            'unit_cost', unit_cost
        ) as inputs,
        signal_at,
        as_of_date
    from sized
    where transfer_qty > 0

)

select * from candidates
