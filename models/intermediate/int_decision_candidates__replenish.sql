{#-
    replenish: inventory position ≤ reorder point. Order up to the order-up-to level from the primary
    supplier, rounded to its MOQ and order multiple (on-order stock is already in the position).
    signal_at is the transaction after which on hand + on order first stayed at or below the reorder
    point (the start of the episode), so the same open condition keeps the same decision_id.
-#}
with

position as (

    select * from {{ ref('fct_stock_position') }}

),

sourcing as (

    select * from {{ ref('int_sku_sourcing') }}
    where supplier_rank = 1

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

below as (

    select
        position.*,
        sourcing.moq,
        sourcing.order_multiple,
        sourcing.unit_cost as supplier_unit_cost,
        sourcing.primary_supplier_id as priority_supplier_id,
        position.order_up_to_qty - position.inventory_position_qty as raw_need_qty,
        products.escalation_owner_id
    from position
    inner join sourcing on position.sku_id = sourcing.sku_id
    inner join products on position.sku_id = products.sku_id
    where
        position.inventory_position_qty <= position.reorder_point_qty
        and position.avg_daily_demand > 0

),

thresholds as (

    select
        sku_id,
        location_id,
        on_order_qty as position_offset_qty,
        reorder_point_qty as threshold_qty
    from below

),

episode_start as (

    {{ episode_start_below('thresholds', 'transactions', 'context') }}

),

sized as (

    select
        below.*,
        {{ round_up_to_order_multiple('below.raw_need_qty', 'below.moq', 'below.order_multiple') }} as recommended_qty,
        coalesce(episode_start.episode_start_at, cast(below.as_of_date as timestamp)) as signal_at
    from below
    left join episode_start
        on below.sku_id = episode_start.sku_id and below.location_id = episode_start.location_id

),

candidates as (

    select
        'replenish' as decision_type,
        concat_ws('|', sku_id, location_id) as subject_key,
        sku_id,
        location_id,
        primary_supplier_id as supplier_id,
        cast(null as varchar) as constraint_id,
        recommended_qty,
        -- order-by date: when the position is projected to reach safety stock, minus the lead time
        greatest(
            as_of_date,
            cast(
                as_of_date
                + to_days(
                    cast(
                        floor(
                            (inventory_position_qty - safety_stock_qty) / avg_daily_demand - lead_time_days
                        ) as integer
                    )
                )
                as date
            )
        ) as due_by,
        owner_id,
        escalation_owner_id,
        case
            when inventory_position_qty <= safety_stock_qty then 'high'
            when abc_class in ('A', 'B') then 'medium'
            else 'low'
        end as priority,
        round(recommended_qty * supplier_unit_cost, 2) as value_at_stake,
        printf(
            'Replenish %s at %s: order %g units from %s%s '
            || '(inventory position %.1f ≤ reorder point %.1f; order up to %.1f).',
            sku_id, location_id, recommended_qty, primary_supplier_id,
            case
                when primary_supplier_id != priority_supplier_id
                    then ', backup for unreliable primary ' || priority_supplier_id
                else ''
            end,
            inventory_position_qty, reorder_point_qty, order_up_to_qty
        ) as reason,
        json_object(
            'on_hand_qty', on_hand_qty,
            'on_order_qty', on_order_qty,
            'inventory_position_qty', inventory_position_qty,
            'avg_daily_demand', avg_daily_demand,
            'demand_std_daily', demand_std_daily,
            'lead_time_days', lead_time_days,
            'lead_time_std_days', lead_time_std_days,
            'lead_time_source', lead_time_source,
            'service_level', target_service_level,
            'z', service_level_z,
            'safety_stock_qty', safety_stock_qty,
            'reorder_point_qty', reorder_point_qty,
            'order_up_to_qty', order_up_to_qty,
            'raw_need_qty', raw_need_qty,
            'moq', moq,
            'order_multiple', order_multiple,
            'supplier_unit_cost', supplier_unit_cost,
            'priority_supplier_id', priority_supplier_id,
            'supplier_is_backup', primary_supplier_id != priority_supplier_id
        ) as inputs,
        signal_at,
        as_of_date
    from sized
    where recommended_qty > 0

)

select * from candidates
