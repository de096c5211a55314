{#-
    replenish: inventory position ≤ reorder point. Order up to the order-up-to level from the first-ranked
    supplier (int_sku_sourcing: a late primary loses its volume to its backup), rounded to its MOQ and order
    multiple (on-order stock is already in the position). When the owner reversed the automatic supplier
    switch of the primary (its switch_supplier decision has a 'reversed' event), the order goes back to
    the primary, on the primary's terms.
    signal_at is the transaction after which on hand + on order first stayed at or below the reorder
    point (the start of the episode), so the same open condition keeps the same signal_id.
    priority_score: the expected lost margin of ordering one day later (macro stockout_delay_cost with the
    lead time as horizon).
-#}
with

position as (

    select * from {{ ref('int_stock_position') }}

),

events as (

    select * from {{ ref('stg_landing__decision_events') }}

),

switch_reversed as (

    -- suppliers whose current automatic switch (this episode's switch_supplier decision) was reversed
    select reliability.supplier_id
    from {{ ref('int_supplier_reliability') }} as reliability
    where
        not reliability.is_reliable
        and exists (
            select 1 from events
            where
                events.event_type = 'reversed'
                and events.decision_id = {{ decision_id(
                    "'switch_supplier'", ['reliability.supplier_id'],
                    'coalesce(reliability.unreliable_since_at, reliability.last_late_receipt_at)'
                ) }}
        )

),

sourcing as (

    -- the supplier to order from: rank 1, or the landed primary when its switch was reversed
    select
        ranked.*,
        ranked.primary_supplier_id in (select switch_reversed.supplier_id from switch_reversed) as switch_is_reversed
    from {{ ref('int_sku_sourcing') }} as ranked
    qualify row_number() over (
        partition by ranked.sku_id
        order by
            case
                when
                    ranked.priority_rank = 1
                    and ranked.primary_supplier_id in (select switch_reversed.supplier_id from switch_reversed)
                    then 0
                else ranked.supplier_rank
            end,
            ranked.supplier_rank
    ) = 1

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
        sourcing.supplier_id as order_supplier_id,
        sourcing.primary_supplier_id as priority_supplier_id,
        sourcing.switch_is_reversed,
        position.order_up_to_qty - position.inventory_position_qty as raw_need_qty,
        products.escalation_owner_id,
        products.unit_price
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
        {{ round_up_to_order_multiple('below.raw_need_qty', 'below.moq', 'below.order_multiple') }}
            as unconstrained_qty,
        coalesce(episode_start.episode_start_at, cast(below.as_of_date as timestamp)) as signal_at
    from below
    left join episode_start
        on below.sku_id = episode_start.sku_id and below.location_id = episode_start.location_id

),

cash as (

    -- the latest cash position on or before the as-of date, less the floor the business keeps
    select
        arg_max(cash_positions.available_cash, cash_positions.as_of_date) as available_cash,
        cast({{ var('cash_floor') }} as double) as cash_floor,
        arg_max(cash_positions.available_cash, cash_positions.as_of_date)
        - cast({{ var('cash_floor') }} as double) as cash_budget
    from {{ ref('stg_landing__cash_positions') }} as cash_positions
    cross join context
    where cash_positions.as_of_date <= context.as_of_date

),

prioritised as (

    select
        sized.*,
        sized.sku_id in (
            select constraint_inputs.sku_id from {{ ref('stg_landing__constraint_inputs') }} as constraint_inputs
        ) as is_constraint_input,
        sized.unconstrained_qty * sized.supplier_unit_cost as unconstrained_value,
        -- the owner reversed this episode's automatic cash cut: order the full quantity
        exists(
            select 1 from events
            where
                events.event_type = 'reversed'
                and events.decision_id = {{ decision_id(
                    "'cash_cut'", ["concat_ws('|', sized.sku_id, sized.location_id)"], 'sized.signal_at'
                ) }}
        ) as is_cash_override
    from sized

),

ranked_for_cash as (

    select
        *,
        coalesce(sum(unconstrained_value) over (funding_order rows between unbounded preceding and 1 preceding), 0)
            as value_funded_before,
        row_number() over funding_order as funding_rank
    from prioritised
    window funding_order as (
        order by
            is_cash_override desc,
            is_constraint_input desc,
            abc_class asc,
            inventory_position_qty <= safety_stock_qty desc,
            sku_id asc,
            location_id asc
    )

),

funded as (

    -- in funding order (constraint inputs, then A, B, C items, most urgent first) each decision gets what
    -- the remaining budget pays for, rounded down to its order multiple; below the MOQ it gets nothing
    select
        ranked_for_cash.*,
        cash.available_cash,
        cash.cash_floor,
        cash.cash_budget,
        case
            when cash.cash_budget is null or ranked_for_cash.is_cash_override then ranked_for_cash.unconstrained_qty
            when ranked_for_cash.value_funded_before + ranked_for_cash.unconstrained_value <= cash.cash_budget
                then ranked_for_cash.unconstrained_qty
            else
                greatest(
                    case
                        when coalesce(ranked_for_cash.order_multiple, 0) > 0
                            then floor(
                                greatest(cash.cash_budget - ranked_for_cash.value_funded_before, 0)
                                / ranked_for_cash.supplier_unit_cost / ranked_for_cash.order_multiple
                            ) * ranked_for_cash.order_multiple
                        else floor(
                            greatest(cash.cash_budget - ranked_for_cash.value_funded_before, 0)
                            / ranked_for_cash.supplier_unit_cost
                        )
                    end,
                    0
                )
        end as funded_qty
    from ranked_for_cash
    left join cash on true

),

cash_limited as (

    select
        * replace (
            case when funded_qty < coalesce(moq, 0) then 0 else funded_qty end as funded_qty
        ),
        funded_qty < unconstrained_qty as is_cash_limited
    from funded

),

sized_for_cash as (

    select
        * exclude (funded_qty),
        least(funded_qty, unconstrained_qty) as recommended_qty
    from cash_limited

),

candidates as (

    select
        'replenish' as decision_type,
        concat_ws('|', sku_id, location_id) as subject_key,
        sku_id,
        location_id,
        order_supplier_id as supplier_id,
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
        round(
            {{ stockout_delay_cost(
                'inventory_position_qty', 'lead_time_days', 'avg_daily_demand', 'demand_std_daily',
                'lead_time_std_days', unit_margin('unit_price', 'unit_cost')
            ) }},
            2
        ) as priority_score,
        round(recommended_qty * supplier_unit_cost, 2) as value_at_stake,
        printf(
            'Replenish %s at %s: order %g units from %s%s '
            || '(inventory position %.1f ≤ reorder point %.1f; order up to %.1f).',
            sku_id, location_id, recommended_qty, order_supplier_id,
            case
                when order_supplier_id != priority_supplier_id
                    then ', backup for unreliable primary ' || priority_supplier_id
                when switch_is_reversed then ' (its owner reversed the automatic switch to a backup)'
                else ''
            end,
            inventory_position_qty, reorder_point_qty, order_up_to_qty
        ) || case
            when is_cash_limited
                then printf(
                    ' Cash-limited: funded %g of %g units (available cash %.2f − floor %.2f; funding rank %d).',
                    recommended_qty, unconstrained_qty, available_cash, cash_floor, funding_rank
                )
            when is_cash_override then ' Ordered in full: the owner reversed the automatic cut for cash.'
            else ''
        end as reason,
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
            'supplier_is_backup', order_supplier_id != priority_supplier_id,
            'switch_is_reversed', switch_is_reversed,
            'unit_cost', unit_cost,
            'unit_price', unit_price,
            'unconstrained_qty', unconstrained_qty,
            'is_cash_limited', is_cash_limited,
            'is_cash_override', is_cash_override,
            'available_cash', available_cash,
            'cash_floor', cash_floor,
            'funding_rank', funding_rank,
            'is_constraint_input', is_constraint_input
        ) as inputs,
        signal_at,
        as_of_date
    from sized_for_cash
    where unconstrained_qty > 0

)

select * from candidates
