{#-
    cycle_count: three triggers per sku × location, one decision each (the trigger ends the subject_key).
      negative_on_hand  on hand < 0 (a missing receipt or a posting error). Count abs(on hand) units.
                        signal_at: the movement after which on hand stayed below zero. Due 1 day after it.
      shrinkage         var shrinkage_events_trigger (default 3) or more unexplained negative adjustments in the
                        demand window. Quantity: the units lost in the window. signal_at: the adjustment
                        that brought the trailing-window count to the threshold in the current episode
                        (the first such adjustment of the day the daily count first reached it) — stable
                        while the count stays at or above the threshold. Due 3 days after it.
      stale_count       A items with stock whose last cycle count (or, never counted, first movement) is
                        more than var stale_count_days (default 90) days old. Count the units on hand.
                        signal_at: last count (or first movement) + that many days. Due 7 days after it.
    Due dates are anchored to signal_at, so they do not slide while the count is not done.
    value_at_stake: the counted (or lost) units × unit cost.
    priority_score (currency per day): shrinkage — the loss goes on until counted, lost units in the window /
    demand window days × unit cost; negative_on_hand and stale_count — the carrying cost of the stock whose
    record is in doubt, value at stake × holding rate / 365.
-#}
with

position as (

    select * from {{ ref('int_stock_position') }}

),

on_hand as (

    select * from {{ ref('int_stock_on_hand') }}

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

subjects as (

    select
        position.*,
        products.escalation_owner_id,
        products.holding_cost_rate,
        on_hand.first_movement_at
    from position
    inner join products on position.sku_id = products.sku_id
    left join on_hand
        on position.sku_id = on_hand.sku_id and position.location_id = on_hand.location_id

),

negative as (

    select * from subjects
    where on_hand_qty < 0

),

negative_running as (

    select
        transactions.sku_id,
        transactions.location_id,
        transactions.occurred_at,
        sum(transactions.quantity) over (
            partition by transactions.sku_id, transactions.location_id
            order by transactions.occurred_at, transactions.txn_id
            rows between unbounded preceding and current row
        ) as on_hand_after_qty
    from transactions
    inner join negative
        on transactions.sku_id = negative.sku_id and transactions.location_id = negative.location_id
    inner join context on transactions.occurred_at < context.as_of_end_at

),

negative_since as (

    -- the first movement after on hand was last zero or more
    select
        sku_id,
        location_id,
        min(occurred_at) as signal_at
    from (
        select
            *,
            max(case when on_hand_after_qty >= 0 then occurred_at end) over (
                partition by sku_id, location_id
            ) as last_non_negative_at
        from negative_running
    ) as flagged
    where occurred_at > coalesce(last_non_negative_at, cast('1900-01-01' as timestamp))
    group by sku_id, location_id

),

shrinking as (

    select * from subjects
    where shrinkage_events_window >= {{ var('shrinkage_events_trigger') }}

),

shrinkage_events as (

    select
        transactions.sku_id,
        transactions.location_id,
        transactions.txn_id,
        transactions.occurred_at
    from transactions
    inner join shrinking
        on transactions.sku_id = shrinking.sku_id and transactions.location_id = shrinking.location_id
    inner join context on transactions.occurred_at < context.as_of_end_at
    where
        transactions.txn_type = 'adjustment'
        and transactions.quantity < 0
        and coalesce(transactions.reason_code, 'shrinkage') = 'shrinkage'

),

shrinkage_counts as (

    -- per event: events in its trailing window up to and including it, and in the previous day's window
    select
        event.sku_id,
        event.location_id,
        event.occurred_at,
        count(*) filter (
            where
            earlier.occurred_at >= cast(
                cast(event.occurred_at as date) - to_days({{ var('demand_window_days') }} - 1) as timestamp
            )
            and (
                earlier.occurred_at < event.occurred_at
                or (earlier.occurred_at = event.occurred_at and earlier.txn_id <= event.txn_id)
            )
        ) as count_through_event,
        count(*) filter (
            where
            earlier.occurred_at >= cast(
                cast(event.occurred_at as date) - to_days({{ var('demand_window_days') }}) as timestamp
            )
            and earlier.occurred_at < cast(cast(event.occurred_at as date) as timestamp)
        ) as count_previous_day
    from shrinkage_events as event
    inner join shrinkage_events as earlier
        on
            event.sku_id = earlier.sku_id
            and event.location_id = earlier.location_id
            and event.occurred_at >= earlier.occurred_at
    group by event.sku_id, event.location_id, event.txn_id, event.occurred_at

),

shrinkage_episode_days as (

    select
        sku_id,
        location_id,
        max(cast(occurred_at as date)) as episode_start_date
    from shrinkage_counts
    where
        count_through_event >= {{ var('shrinkage_events_trigger') }}
        and count_previous_day < {{ var('shrinkage_events_trigger') }}
    group by sku_id, location_id

),

shrinkage_since as (

    select
        shrinkage_counts.sku_id,
        shrinkage_counts.location_id,
        min(shrinkage_counts.occurred_at) as signal_at
    from shrinkage_counts
    inner join shrinkage_episode_days
        on
            shrinkage_counts.sku_id = shrinkage_episode_days.sku_id
            and shrinkage_counts.location_id = shrinkage_episode_days.location_id
            and cast(shrinkage_counts.occurred_at as date) = shrinkage_episode_days.episode_start_date
    where shrinkage_counts.count_through_event >= {{ var('shrinkage_events_trigger') }}
    group by shrinkage_counts.sku_id, shrinkage_counts.location_id

),

stale as (

    select
        subjects.*,
        coalesce(subjects.last_cycle_count_at, subjects.first_movement_at)
        + to_days({{ var('stale_count_days') }}) as signal_at
    from subjects
    cross join context
    where
        subjects.abc_class = 'A'
        and subjects.on_hand_qty > 0
        and coalesce(subjects.last_cycle_count_at, subjects.first_movement_at)
        + to_days({{ var('stale_count_days') }}) < context.as_of_end_at

),

triggered as (

    select
        negative.*,
        'negative_on_hand' as trigger_code,
        abs(negative.on_hand_qty) as recommended_qty,
        coalesce(negative_since.signal_at, negative.first_movement_at) as signal_at,
        1 as due_in_days,
        printf(
            'Count %s at %s: the ledger says %g on hand, below zero (a missing receipt or a posting error).',
            negative.sku_id, negative.location_id, negative.on_hand_qty
        ) as reason
    from negative
    left join negative_since
        on negative.sku_id = negative_since.sku_id and negative.location_id = negative_since.location_id

    union all

    select
        shrinking.*,
        'shrinkage' as trigger_code,
        shrinking.shrinkage_qty_window as recommended_qty,
        coalesce(shrinkage_since.signal_at, cast(shrinking.as_of_date as timestamp)) as signal_at,
        3 as due_in_days,
        printf(
            'Count %s at %s: %d unexplained negative adjustments lost %g units in the last %d days.',
            shrinking.sku_id, shrinking.location_id, shrinking.shrinkage_events_window,
            shrinking.shrinkage_qty_window, {{ var('demand_window_days') }}
        ) as reason
    from shrinking
    left join shrinkage_since
        on shrinking.sku_id = shrinkage_since.sku_id and shrinking.location_id = shrinkage_since.location_id

    union all

    select
        * exclude (signal_at),
        'stale_count' as trigger_code,
        on_hand_qty as recommended_qty,
        signal_at,
        7 as due_in_days,
        printf(
            'Count %s at %s: A item with %g on hand, %s more than %d days ago.',
            sku_id, location_id, on_hand_qty,
            case
                when last_cycle_count_at is null
                    then 'never counted since its first movement ' || strftime(first_movement_at, '%Y-%m-%d')
                else 'last counted ' || strftime(last_cycle_count_at, '%Y-%m-%d')
            end,
            {{ var('stale_count_days') }}
        ) as reason
    from stale

),

candidates as (

    select
        'cycle_count' as decision_type,
        concat_ws('|', sku_id, location_id, trigger_code) as subject_key,
        sku_id,
        location_id,
        cast(null as varchar) as supplier_id,
        cast(null as varchar) as constraint_id,
        recommended_qty,
        cast(cast(signal_at as date) + to_days(due_in_days) as date) as due_by,
        owner_id,
        escalation_owner_id,
        round(
            case
                when trigger_code = 'shrinkage'
                    then shrinkage_qty_window / {{ var('demand_window_days') }} * unit_cost
                else recommended_qty * unit_cost * coalesce(holding_cost_rate, 0) / 365
            end,
            2
        ) as priority_score,
        round(recommended_qty * unit_cost, 2) as value_at_stake,
        reason,
        json_object(
            'trigger', trigger_code,
            'on_hand_qty', on_hand_qty,
            'shrinkage_events_window', shrinkage_events_window,
            'shrinkage_qty_window', shrinkage_qty_window,
            'shrinkage_events_trigger', {{ var('shrinkage_events_trigger') }},
            'abc_class', abc_class,
            'last_cycle_count_at', last_cycle_count_at,
            'first_movement_at', first_movement_at,
            'stale_count_days', {{ var('stale_count_days') }},
            'unit_cost', unit_cost
        ) as inputs,
        signal_at,
        as_of_date
    from triggered
    where recommended_qty > 0

)

select * from candidates
