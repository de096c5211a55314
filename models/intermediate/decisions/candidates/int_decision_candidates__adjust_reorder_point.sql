{#-
    adjust_reorder_point: the feedback loop on the reorder point (ROP), from end-of-day on hand (the
    cumulative ledger per day; a day keeps the balance of its last movement day).
      raise  a sku × location with demand (d̄ > 0) that ended var rop_raise_stockout_days (default 3) or more days
             of the demand window with on hand ≤ 0. New ROP = ceil(ROP + d̄ × stockout days): the demand
             the stockouts left unserved is added to the cover. signal_at: the start of the day the
             trailing demand-window count of stockout days reached the threshold (the N-th stockout day
             of the current episode) — it depends only on the ledger, so it is stable across runs.
             Not while on hand is negative (a ledger error that cycle_count handles first).
      lower  end-of-day on hand above var rop_lower_cover_multiple (default 2) × the order-up-to level (the
             'excess' line of int_stock_position, but on hand, every day) on each of the last
             var rop_lower_excess_days (default 30) days. New ROP = ceil(max(safety stock,
             var rop_lower_factor (default 0.8) × ROP)), only when it moves the whole-unit trigger
             (new < floor(ROP)); slow movers whose ROP would drop by less than a unit are left alone.
             signal_at: the start of the first day of the current excess stretch (today's order-up-to
             level is the yardstick for the past days too).
    due_by: as_of_date + the category's review period (change the policy before the next review).
    value_at_stake: |new − current ROP| × unit cost, the change in stock investment the policy implies.
    priority_score (currency per day): raise — the lost margin the stockouts cost per day, stockout days /
    demand window days × d̄ × unit margin; lower — the holding cost of the excess reorder point,
    (ROP − new ROP) × unit cost × holding rate / 365.
-#}
with

position as (

    select * from {{ ref('int_stock_position') }}

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

daily_net as (

    select
        transactions.sku_id,
        transactions.location_id,
        cast(transactions.occurred_at as date) as movement_date,
        sum(transactions.quantity) as net_qty
    from transactions
    inner join context on transactions.occurred_at < context.as_of_end_at
    group by transactions.sku_id, transactions.location_id, cast(transactions.occurred_at as date)

),

balances as (

    -- end-of-day on hand, held from its movement day until the day before the next movement day
    select
        daily_net.sku_id,
        daily_net.location_id,
        daily_net.movement_date,
        coalesce(
            lead(daily_net.movement_date) over (
                partition by daily_net.sku_id, daily_net.location_id order by daily_net.movement_date
            ),
            cast(context.as_of_date + interval 1 day as date)
        ) as next_movement_date,
        sum(daily_net.net_qty) over (
            partition by daily_net.sku_id, daily_net.location_id
            order by daily_net.movement_date
            rows between unbounded preceding and current row
        ) as end_of_day_qty,
        min(daily_net.movement_date) over (
            partition by daily_net.sku_id, daily_net.location_id
        ) as first_movement_date
    from daily_net
    cross join context

),

levels as (

    select
        position.*,
        products.escalation_owner_id,
        products.unit_price,
        products.holding_cost_rate,
        {{ var('rop_lower_cover_multiple') }} * position.order_up_to_qty as excess_threshold_qty,
        cast(
            position.as_of_date - to_days({{ var('rop_lower_excess_days') }} - 1) as date
        ) as excess_stretch_start_date
    from position
    inner join products on position.sku_id = products.sku_id
    where position.avg_daily_demand > 0

),

window_stockouts as (

    select
        balances.sku_id,
        balances.location_id,
        sum(
            date_diff(
                'day',
                greatest(balances.movement_date, context.demand_window_start_date),
                balances.next_movement_date
            )
        ) as stockout_days,
        min(balances.first_movement_date) as first_movement_date
    from balances
    cross join context
    where
        balances.end_of_day_qty <= 0
        and balances.next_movement_date > context.demand_window_start_date
    group by balances.sku_id, balances.location_id

),

raise as (

    select
        levels.*,
        window_stockouts.stockout_days,
        window_stockouts.first_movement_date,
        ceil(round(levels.reorder_point_qty + levels.avg_daily_demand * window_stockouts.stockout_days, 6))
            as new_reorder_point_qty
    from levels
    inner join window_stockouts
        on levels.sku_id = window_stockouts.sku_id and levels.location_id = window_stockouts.location_id
    where
        window_stockouts.stockout_days >= {{ var('rop_raise_stockout_days') }}
        -- a negative balance is a ledger error, not a stockout: the cycle_count decision comes first
        and levels.on_hand_qty >= 0

),

raise_days as (

    -- every day of the raise candidates' history, flagged when it ended out of stock
    select
        raise.sku_id,
        raise.location_id,
        cast(spine.day_at as date) as day,
        coalesce(bool_or(balances.end_of_day_qty <= 0), false) as is_stockout_day
    from raise
    cross join
        unnest(
            generate_series(
                cast(raise.first_movement_date as timestamp), cast(raise.as_of_date as timestamp), interval 1 day
            )
        ) as spine (day_at)
    left join balances
        on
            raise.sku_id = balances.sku_id
            and raise.location_id = balances.location_id
            and cast(spine.day_at as date) >= balances.movement_date
            and cast(spine.day_at as date) < balances.next_movement_date
    group by raise.sku_id, raise.location_id, cast(spine.day_at as date)

),

raise_counts as (

    select
        sku_id,
        location_id,
        day,
        sum(case when is_stockout_day then 1 else 0 end) over (
            partition by sku_id, location_id
            order by day
            rows between {{ var('demand_window_days') - 1 }} preceding and current row
        ) as trailing_stockout_days
    from raise_days

),

raise_episodes as (

    -- the day after the trailing count was last below the threshold
    select
        sku_id,
        location_id,
        max(day) filter (where trailing_stockout_days < {{ var('rop_raise_stockout_days') }}) as last_below_day,
        min(day) as first_day
    from raise_counts
    group by sku_id, location_id

),

lower_stretch as (

    -- the day on hand last moved above the excess threshold (the start of the current excess stretch)
    select
        levels.sku_id,
        levels.location_id,
        coalesce(
            max(balances.next_movement_date) filter (where balances.end_of_day_qty <= levels.excess_threshold_qty),
            min(balances.movement_date)
        ) as excess_since_date
    from levels
    inner join balances
        on levels.sku_id = balances.sku_id and levels.location_id = balances.location_id
    group by levels.sku_id, levels.location_id

),

lower as (

    select
        levels.*,
        lower_stretch.excess_since_date,
        ceil(
            round(greatest(levels.safety_stock_qty, {{ var('rop_lower_factor') }} * levels.reorder_point_qty), 6)
        ) as new_reorder_point_qty
    from levels
    inner join lower_stretch
        on levels.sku_id = lower_stretch.sku_id and levels.location_id = lower_stretch.location_id
    where lower_stretch.excess_since_date <= levels.excess_stretch_start_date

),

raised as (

    select
        'adjust_reorder_point' as decision_type,
        concat_ws('|', raise.sku_id, raise.location_id, 'raise') as subject_key,
        raise.sku_id,
        raise.location_id,
        cast(null as varchar) as supplier_id,
        cast(null as varchar) as constraint_id,
        raise.new_reorder_point_qty as recommended_qty,
        cast(raise.as_of_date + to_days(raise.review_period_days) as date) as due_by,
        raise.owner_id,
        raise.escalation_owner_id,
        round(
            raise.stockout_days / {{ var('demand_window_days') }} * raise.avg_daily_demand
            * {{ unit_margin('raise.unit_price', 'raise.unit_cost') }},
            2
        ) as priority_score,
        round((raise.new_reorder_point_qty - raise.reorder_point_qty) * raise.unit_cost, 2) as value_at_stake,
        printf(
            'Raise the reorder point of %s at %s from %.1f to %g: %d stockout days in the last %d days '
            || 'at %.1f/day of demand.',
            raise.sku_id, raise.location_id, raise.reorder_point_qty, raise.new_reorder_point_qty,
            raise.stockout_days, {{ var('demand_window_days') }}, raise.avg_daily_demand
        ) as reason,
        json_object(
            'direction', 'raise',
            'on_hand_qty', raise.on_hand_qty,
            'avg_daily_demand', raise.avg_daily_demand,
            'stockout_days', raise.stockout_days,
            'stockout_days_threshold', {{ var('rop_raise_stockout_days') }},
            'demand_window_days', {{ var('demand_window_days') }},
            'lead_time_days', raise.lead_time_days,
            'safety_stock_qty', raise.safety_stock_qty,
            'reorder_point_qty', raise.reorder_point_qty,
            'new_reorder_point_qty', raise.new_reorder_point_qty,
            'unit_cost', raise.unit_cost
        ) as inputs,
        cast(
            coalesce(raise_episodes.last_below_day + interval 1 day, raise_episodes.first_day) as timestamp
        ) as signal_at,
        raise.as_of_date
    from raise
    left join raise_episodes
        on raise.sku_id = raise_episodes.sku_id and raise.location_id = raise_episodes.location_id

),

lowered as (

    select
        'adjust_reorder_point' as decision_type,
        concat_ws('|', sku_id, location_id, 'lower') as subject_key,
        sku_id,
        location_id,
        cast(null as varchar) as supplier_id,
        cast(null as varchar) as constraint_id,
        new_reorder_point_qty as recommended_qty,
        cast(as_of_date + to_days(review_period_days) as date) as due_by,
        owner_id,
        escalation_owner_id,
        round((reorder_point_qty - new_reorder_point_qty) * unit_cost * coalesce(holding_cost_rate, 0) / 365, 2)
            as priority_score,
        round((reorder_point_qty - new_reorder_point_qty) * unit_cost, 2) as value_at_stake,
        printf(
            'Lower the reorder point of %s at %s from %.1f to %g: on hand has stayed above %.1f '
            || '(%g × the order-up-to level %.1f) every day since %s.',
            sku_id, location_id, reorder_point_qty, new_reorder_point_qty, excess_threshold_qty,
            cast({{ var('rop_lower_cover_multiple') }} as double), order_up_to_qty,
            strftime(excess_since_date, '%Y-%m-%d')
        ) as reason,
        json_object(
            'direction', 'lower',
            'on_hand_qty', on_hand_qty,
            'avg_daily_demand', avg_daily_demand,
            'lead_time_days', lead_time_days,
            'review_period_days', review_period_days,
            'order_up_to_qty', order_up_to_qty,
            'cover_multiple', {{ var('rop_lower_cover_multiple') }},
            'excess_threshold_qty', excess_threshold_qty,
            'excess_since_date', excess_since_date,
            'excess_days_required', {{ var('rop_lower_excess_days') }},
            'lower_factor', {{ var('rop_lower_factor') }},
            'safety_stock_qty', safety_stock_qty,
            'reorder_point_qty', reorder_point_qty,
            'new_reorder_point_qty', new_reorder_point_qty,
            'unit_cost', unit_cost
        ) as inputs,
        cast(excess_since_date as timestamp) as signal_at,
        as_of_date
    from lower
    -- the reorder trigger (whole units: reorder when position ≤ floor(ROP)) must actually move
    where new_reorder_point_qty < floor(reorder_point_qty)

),

candidates as (

    select * from raised
    union all
    select * from lowered

)

select * from candidates
