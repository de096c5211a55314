{#-
    DDMRP stock buffer of every constraint input SKU at the constraint's location, as of the run's as_of_date
    (grain: constraint × input sku). Inputs of the protect_constraint decision.
      ADU  = int_demand_stats.avg_daily_demand at the location (net demand; at a plant that is consumption)
      DLT  = planning lead time of the SKU's primary supplier (int_sku_sourcing supplier_rank 1; 0 without one)
      LTF, VF from seed buffer_profiles (DLT in days; coefficient of variation σd / ADU)
      red    = DLT·ADU·LTF·(1 + VF)        top_of_red    = red
      yellow = DLT·ADU                     top_of_yellow = red + yellow
      green  = max(order_cycle·ADU, DLT·ADU·LTF, MOQ)   top_of_green = top_of_yellow + green
      order_cycle = the category's review_period_days; MOQ of the primary supplier
      NFP  = on hand + qualified on order − qualified demand. On order qualifies while the PO line is not past
             its promised date + supplier_policy.on_time_tolerance_days: supply that is already overdue is
             what starves a constraint, so it is not counted on (it shows as overdue_on_order_qty and is
             the subject of an expedite). Qualified demand is the next
             day's drum requirement: capacity_hours_per_day × qty_per_run_hour, summed over the constraints
             at the location that consume the SKU (booked consumption is already out of on hand)
      buffer_zone (planning priority): red NFP < TOR; yellow TOR ≤ NFP < TOY; green TOY ≤ NFP ≤ TOG;
             over_top_of_green NFP > TOG (each zone includes its lower boundary)
      buffer_penetration = 1 − NFP / TOG (0 at top of green, 1 at NFP = 0; null when TOG = 0)
      on_hand_zone (execution): green on hand ≥ TOR; yellow ≥ 0.5·TOR; red below
-#}
with

inputs as (

    select * from {{ ref('stg_landing__constraint_inputs') }}

),

resources as (

    select * from {{ ref('stg_landing__constraint_resources') }}

),

demand as (

    select * from {{ ref('int_demand_stats') }}

),

sourcing as (

    select * from {{ ref('int_sku_sourcing') }}
    where supplier_rank = 1

),

products as (

    select * from {{ ref('int_product_policy') }}

),

on_hand as (

    select * from {{ ref('int_stock_on_hand') }}

),

open_lines as (

    select * from {{ ref('int_purchase_order_lines_open') }}

),

run_days as (

    select * from {{ ref('int_constraint_run_days') }}

),

profiles as (

    select * from {{ ref('buffer_profiles') }}

),

context as (

    select * from {{ ref('int_run_context') }}

),

constraint_inputs as (

    select
        inputs.constraint_id,
        inputs.sku_id,
        resources.location_id,
        resources.owner_id,
        resources.capacity_hours_per_day,
        inputs.qty_per_run_hour
    from inputs
    inner join resources on inputs.constraint_id = resources.constraint_id

),

drum_requirement as (

    select
        sku_id,
        location_id,
        sum(capacity_hours_per_day * qty_per_run_hour) as qualified_demand_qty
    from constraint_inputs
    group by sku_id, location_id

),

on_order as (

    select
        open_lines.sku_id,
        open_lines.location_id,
        coalesce(sum(open_lines.open_qty) filter (
            where open_lines.promised_date + policy.on_time_tolerance_days >= context.as_of_date
        ), 0) as on_order_qty,
        coalesce(sum(open_lines.open_qty) filter (
            where open_lines.promised_date + policy.on_time_tolerance_days < context.as_of_date
        ), 0) as overdue_on_order_qty
    from open_lines
    cross join context
    cross join {{ ref('supplier_policy') }} as policy
    group by open_lines.sku_id, open_lines.location_id

),

starvation as (

    select
        run_days.constraint_id,
        run_days.starved_by_sku_id as sku_id,
        sum(run_days.hours) as starved_hours_last_30d,
        max(run_days.ended_at) as last_starved_at
    from run_days
    cross join context
    where run_days.state = 'starved' and run_days.run_date > context.as_of_date - 30
    group by run_days.constraint_id, run_days.starved_by_sku_id

),

inputs_enriched as (

    select
        constraint_inputs.constraint_id,
        constraint_inputs.sku_id,
        constraint_inputs.location_id,
        context.as_of_date,
        constraint_inputs.owner_id,
        constraint_inputs.qty_per_run_hour,
        coalesce(demand.avg_daily_demand, 0) as adu,
        coalesce(demand.demand_std_daily, 0) as demand_std_daily,
        coalesce(demand.demand_std_daily, 0) / nullif(demand.avg_daily_demand, 0) as demand_cv,
        sourcing.supplier_id as primary_supplier_id,
        coalesce(sourcing.lead_time_days, 0) as dlt_days,
        coalesce(sourcing.lead_time_source, 'none') as dlt_source,
        coalesce(sourcing.moq, 0) as moq,
        products.review_period_days as order_cycle_days,
        coalesce(on_hand.on_hand_qty, 0) as on_hand_qty,
        coalesce(on_order.on_order_qty, 0) as on_order_qty,
        coalesce(on_order.overdue_on_order_qty, 0) as overdue_on_order_qty,
        drum_requirement.qualified_demand_qty,
        coalesce(starvation.starved_hours_last_30d, 0) as starved_hours_last_30d,
        starvation.last_starved_at
    from constraint_inputs
    cross join context
    inner join drum_requirement
        on
            constraint_inputs.sku_id = drum_requirement.sku_id
            and constraint_inputs.location_id = drum_requirement.location_id
    left join demand
        on constraint_inputs.sku_id = demand.sku_id and constraint_inputs.location_id = demand.location_id
    left join sourcing on constraint_inputs.sku_id = sourcing.sku_id
    left join products on constraint_inputs.sku_id = products.sku_id
    left join on_hand
        on constraint_inputs.sku_id = on_hand.sku_id and constraint_inputs.location_id = on_hand.location_id
    left join on_order
        on constraint_inputs.sku_id = on_order.sku_id and constraint_inputs.location_id = on_order.location_id
    left join starvation
        on constraint_inputs.constraint_id = starvation.constraint_id and constraint_inputs.sku_id = starvation.sku_id

),

with_factors as (

    select
        inputs_enriched.*,
        lead_time_profile.category as lead_time_category,
        lead_time_profile.factor as ltf,
        variability_profile.category as variability_category,
        variability_profile.factor as vf
    from inputs_enriched
    left join profiles as lead_time_profile
        on
            lead_time_profile.factor_type = 'lead_time'
            and inputs_enriched.dlt_days >= lead_time_profile.min_value
            and (lead_time_profile.max_value is null or inputs_enriched.dlt_days < lead_time_profile.max_value)
    left join profiles as variability_profile
        on
            variability_profile.factor_type = 'variability'
            and coalesce(inputs_enriched.demand_cv, cast('infinity' as double)) >= variability_profile.min_value
            and (
                variability_profile.max_value is null
                or coalesce(inputs_enriched.demand_cv, cast('infinity' as double)) < variability_profile.max_value
            )

),

zones as (

    select
        *,
        dlt_days * adu * ltf * (1 + vf) as red_zone_qty,
        dlt_days * adu as yellow_zone_qty,
        greatest(order_cycle_days * adu, dlt_days * adu * ltf, moq) as green_zone_qty,
        on_hand_qty + on_order_qty - qualified_demand_qty as net_flow_position_qty
    from with_factors

),

tops as (

    select
        *,
        red_zone_qty as top_of_red_qty,
        red_zone_qty + yellow_zone_qty as top_of_yellow_qty,
        red_zone_qty + yellow_zone_qty + green_zone_qty as top_of_green_qty
    from zones

),

final as (

    select
        constraint_id,
        sku_id,
        location_id,
        as_of_date,
        owner_id,
        qty_per_run_hour,
        adu,
        demand_std_daily,
        demand_cv,
        variability_category,
        vf,
        primary_supplier_id,
        dlt_days,
        dlt_source,
        lead_time_category,
        ltf,
        order_cycle_days,
        moq,
        red_zone_qty,
        yellow_zone_qty,
        green_zone_qty,
        top_of_red_qty,
        top_of_yellow_qty,
        top_of_green_qty,
        on_hand_qty,
        on_order_qty,
        overdue_on_order_qty,
        qualified_demand_qty,
        net_flow_position_qty,
        case
            when net_flow_position_qty < top_of_red_qty then 'red'
            when net_flow_position_qty < top_of_yellow_qty then 'yellow'
            when net_flow_position_qty <= top_of_green_qty then 'green'
            else 'over_top_of_green'
        end as buffer_zone,
        1 - net_flow_position_qty / nullif(top_of_green_qty, 0) as buffer_penetration,
        case
            when net_flow_position_qty < top_of_yellow_qty then top_of_green_qty - net_flow_position_qty
            else 0
        end as recommended_order_qty,
        case
            when on_hand_qty >= top_of_red_qty then 'green'
            when on_hand_qty >= 0.5 * top_of_red_qty then 'yellow'
            else 'red'
        end as on_hand_zone,
        net_flow_position_qty < top_of_red_qty or on_hand_qty < 0.5 * top_of_red_qty as is_at_risk,
        starved_hours_last_30d,
        last_starved_at
    from tops

)

select * from final
