{#-
    Stock position per sku × location as of the run's as_of_date (continuous review).
      inventory position  IP  = on hand + on order (on order is always counted, so nothing is ordered twice)
      safety stock        SS  = z · sqrt(L·σd² + d̄²·σL²)      (z = Φ⁻¹(service level); = z·σd·√L when σL = 0)
      reorder point       ROP = d̄·L + SS
      order-up-to level   OUT = d̄·(L + R) + SS                (R = review period of the category)
-#}
with

on_hand as (

    select * from {{ ref('int_stock_on_hand') }}

),

open_lines as (

    select * from {{ ref('int_purchase_order_lines_open') }}

),

demand as (

    select * from {{ ref('int_demand_stats') }}

),

products as (

    select * from {{ ref('int_product_policy') }}

),

sourcing as (

    select * from {{ ref('int_sku_sourcing') }}
    where supplier_rank = 1

),

context as (

    select * from {{ ref('int_run_context') }}

),

adjustments as (

    select * from {{ ref('int_stock_adjustments') }}

),

on_order as (

    select
        sku_id,
        location_id,
        sum(open_qty) as on_order_qty
    from open_lines
    group by sku_id, location_id

),

sku_locations as (

    select
        sku_id,
        location_id
    from on_hand
    union
    select
        sku_id,
        location_id
    from on_order

),

sku_consumption_value as (

    select
        demand.sku_id,
        sum(greatest(demand.annual_customer_demand_qty, 0)) * any_value(products.unit_cost) as annual_consumption_value
    from demand
    inner join products on demand.sku_id = products.sku_id
    group by demand.sku_id

),

ranked_consumption as (

    select
        sku_id,
        annual_consumption_value,
        coalesce(
            sum(annual_consumption_value) over (
                order by annual_consumption_value desc, sku_id asc
                rows between unbounded preceding and 1 preceding
            ) / nullif(sum(annual_consumption_value) over (), 0),
            0
        ) as cumulative_share_before
    from sku_consumption_value

),

abc as (

    select
        sku_id,
        case
            when annual_consumption_value <= 0 then 'C'
            when cumulative_share_before < 0.80 then 'A'
            when cumulative_share_before < 0.95 then 'B'
            else 'C'
        end as abc_class
    from ranked_consumption

),

position as (

    select
        sku_locations.sku_id,
        sku_locations.location_id,
        context.as_of_date,
        products.category_id,
        products.owner_id,
        coalesce(on_hand.on_hand_qty, 0) as on_hand_qty,
        coalesce(on_order.on_order_qty, 0) as on_order_qty,
        products.unit_cost,
        coalesce(demand.avg_daily_demand, 0) as avg_daily_demand,
        coalesce(demand.demand_std_daily, 0) as demand_std_daily,
        sourcing.supplier_id as primary_supplier_id,
        coalesce(sourcing.lead_time_days, 0) as lead_time_days,
        coalesce(sourcing.lead_time_std_days, 0) as lead_time_std_days,
        coalesce(sourcing.lead_time_source, 'none') as lead_time_source,
        products.service_level as target_service_level,
        {{ inverse_normal_cdf('products.service_level') }} as service_level_z,
        products.review_period_days,
        coalesce(abc.abc_class, 'C') as abc_class,
        coalesce(adjustments.adjustment_qty_window, 0) as adjustment_qty_window,
        coalesce(adjustments.shrinkage_qty_window, 0) as shrinkage_qty_window,
        coalesce(adjustments.shrinkage_events_window, 0) as shrinkage_events_window,
        adjustments.last_cycle_count_at
    from sku_locations
    cross join context
    inner join products on sku_locations.sku_id = products.sku_id
    left join on_hand
        on sku_locations.sku_id = on_hand.sku_id and sku_locations.location_id = on_hand.location_id
    left join on_order
        on sku_locations.sku_id = on_order.sku_id and sku_locations.location_id = on_order.location_id
    left join demand
        on sku_locations.sku_id = demand.sku_id and sku_locations.location_id = demand.location_id
    left join sourcing on sku_locations.sku_id = sourcing.sku_id
    left join abc on sku_locations.sku_id = abc.sku_id
    left join adjustments
        on sku_locations.sku_id = adjustments.sku_id and sku_locations.location_id = adjustments.location_id

),

levels as (

    select
        *,
        on_hand_qty + on_order_qty as inventory_position_qty,
        greatest(on_hand_qty, 0) * unit_cost as on_hand_value,
        service_level_z * sqrt(
            lead_time_days * power(demand_std_daily, 2)
            + power(avg_daily_demand, 2) * power(lead_time_std_days, 2)
        ) as safety_stock_qty
    from position

),

final as (

    select
        sku_id,
        location_id,
        as_of_date,
        category_id,
        owner_id,
        on_hand_qty,
        on_order_qty,
        inventory_position_qty,
        unit_cost,
        round(on_hand_value, 2) as on_hand_value,
        round(avg_daily_demand, 4) as avg_daily_demand,
        round(demand_std_daily, 4) as demand_std_daily,
        primary_supplier_id,
        round(lead_time_days, 4) as lead_time_days,
        round(lead_time_std_days, 4) as lead_time_std_days,
        lead_time_source,
        target_service_level,
        round(service_level_z, 6) as service_level_z,
        review_period_days,
        round(safety_stock_qty, 4) as safety_stock_qty,
        round(avg_daily_demand * lead_time_days + safety_stock_qty, 4) as reorder_point_qty,
        round(avg_daily_demand * (lead_time_days + review_period_days) + safety_stock_qty, 4) as order_up_to_qty,
        round(case when avg_daily_demand > 0 then greatest(on_hand_qty, 0) / avg_daily_demand end, 2)
            as days_of_cover,
        case
            when on_hand_qty <= 0 then 'stockout'
            when inventory_position_qty <= avg_daily_demand * lead_time_days + safety_stock_qty
                then 'below_reorder_point'
            when avg_daily_demand <= 0 and on_hand_qty > 0 then 'excess'
            when
                inventory_position_qty > {{ var('excess_cover_multiple') }}
                * (avg_daily_demand * (lead_time_days + review_period_days) + safety_stock_qty)
                then 'excess'
            else 'healthy'
        end as stock_status,
        abc_class,
        case
            when avg_daily_demand <= 0 then 'Z'
            when demand_std_daily / avg_daily_demand <= 0.5 then 'X'
            when demand_std_daily / avg_daily_demand <= 1.0 then 'Y'
            else 'Z'
        end as xyz_class,
        adjustment_qty_window,
        shrinkage_qty_window,
        shrinkage_events_window,
        last_cycle_count_at
    from levels

)

select * from final
