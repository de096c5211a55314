{#-
    review_demand_shift: early warning that demand left its normal band. Per sku × location, the recent
    mean r (last var demand_shift_recent_days (default 14) days, zero days included) against the baseline mean b
    and standard deviation σ (the rest of the demand window since the first movement; at least twice the
    recent window long). Flag when b > 0, |r − b| > var demand_shift_sigmas (default 3) · σ / √recent days and
    r ≥ var demand_shift_up_ratio (default 1.5) · b or r ≤ var demand_shift_down_ratio (default 0.5) · b — and the
    shift is sustained: both halves of the recent window (7 + 7 days) pass the same test (σ / √7), so one
    lumpy order does not raise it — with demand on at least var demand_shift_min_demand_days (default 5) days
    per recent window on the busier side (intermittent demand is too lumpy for a two-week test). A fall
    is not flagged when the location was out of stock on any recent day (censored demand, not lower demand).
    Quantity: the recent daily demand (the figure to plan with). Owner: the category owner.
    signal_at: the start of the first recent day whose 7-day trailing mean is beyond the same band (with
    n = 7), in the direction of the shift; the recent window's first day when none is. Stable while the
    baseline is: once the shift is older than the recent window the baseline absorbs it.
    value_at_stake: |r − b| × lead time × unit cost, the cover error a lead time of the old demand makes.
    due_by: tomorrow when demand rose and the stock does not cover the lead time at the new rate,
    else in 3 days.
    priority_score (currency per day): up — the margin the old plan loses each day, (r − b) × unit margin;
    down — the carrying cost of the excess the old plan buys, value at stake × holding rate / 365.
-#}
{%- set recent_days = var('demand_shift_recent_days') %}
{%- set sigmas = var('demand_shift_sigmas') %}
{%- set up_ratio = var('demand_shift_up_ratio') %}
{%- set down_ratio = var('demand_shift_down_ratio') %}
{%- set min_demand_days = var('demand_shift_min_demand_days') %}
{%- set half_days = (recent_days / 2) | int %}

with

daily as (

    select * from {{ ref('int_demand_daily') }}

),

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

periods as (

    select
        on_hand.sku_id,
        on_hand.location_id,
        cast(context.as_of_date - to_days({{ recent_days }} - 1) as date) as recent_start_date,
        greatest(context.demand_window_start_date, cast(on_hand.first_movement_at as date)) as baseline_start_date
    from on_hand
    cross join context

),

sums as (

    select
        periods.sku_id,
        periods.location_id,
        periods.recent_start_date,
        periods.baseline_start_date,
        date_diff('day', periods.baseline_start_date, periods.recent_start_date) as baseline_days,
        coalesce(sum(daily.demand_qty) filter (where daily.demand_date >= periods.recent_start_date), 0)
            as recent_qty,
        coalesce(
            sum(daily.demand_qty) filter (
                where daily.demand_date < periods.recent_start_date + to_days({{ half_days }})
                and daily.demand_date >= periods.recent_start_date
            ),
            0
        ) as early_qty,
        coalesce(
            sum(daily.demand_qty) filter (
                where daily.demand_date >= periods.recent_start_date + to_days({{ recent_days - half_days }})
            ),
            0
        ) as late_qty,
        count(*) filter (where daily.demand_date >= periods.recent_start_date and daily.demand_qty > 0)
            as recent_demand_days,
        count(*) filter (where daily.demand_date < periods.recent_start_date and daily.demand_qty > 0)
            as baseline_demand_days,
        coalesce(sum(daily.demand_qty) filter (where daily.demand_date < periods.recent_start_date), 0)
            as baseline_qty,
        coalesce(
            sum(daily.demand_qty * daily.demand_qty) filter (where daily.demand_date < periods.recent_start_date),
            0
        ) as baseline_sq
    from periods
    left join daily
        on
            periods.sku_id = daily.sku_id
            and periods.location_id = daily.location_id
            and periods.baseline_start_date <= daily.demand_date
    group by all

),

stats as (

    select
        *,
        recent_qty / {{ recent_days }} as recent_daily_demand,
        early_qty / {{ half_days }} as early_daily_demand,
        late_qty / {{ half_days }} as late_daily_demand,
        baseline_qty / baseline_days as baseline_daily_demand,
        sqrt(
            greatest((baseline_sq - baseline_days * power(baseline_qty / baseline_days, 2)) / (baseline_days - 1), 0)
        ) as baseline_std_daily
    from sums
    where baseline_days >= 2 * {{ recent_days }}

),

bands as (

    select
        *,
        {{ sigmas }} * baseline_std_daily / sqrt({{ recent_days }}) as recent_band,
        {{ sigmas }} * baseline_std_daily / sqrt({{ half_days }}) as half_band
    from stats

),

shifted as (

    select
        *,
        case when recent_daily_demand > baseline_daily_demand then 'up' else 'down' end as direction
    from bands
    where
        baseline_daily_demand > 0
        -- intermittent demand is too lumpy for a two-week test
        and greatest(recent_demand_days, baseline_demand_days * {{ recent_days }} / baseline_days)
        >= {{ min_demand_days }}
        and (
            (
                recent_daily_demand >= {{ up_ratio }} * baseline_daily_demand
                and recent_daily_demand - baseline_daily_demand > recent_band
                and early_daily_demand >= {{ up_ratio }} * baseline_daily_demand
                and early_daily_demand - baseline_daily_demand > half_band
                and late_daily_demand >= {{ up_ratio }} * baseline_daily_demand
                and late_daily_demand - baseline_daily_demand > half_band
            )
            or (
                recent_daily_demand <= {{ down_ratio }} * baseline_daily_demand
                and baseline_daily_demand - recent_daily_demand > recent_band
                and early_daily_demand <= {{ down_ratio }} * baseline_daily_demand
                and baseline_daily_demand - early_daily_demand > half_band
                and late_daily_demand <= {{ down_ratio }} * baseline_daily_demand
                and baseline_daily_demand - late_daily_demand > half_band
            )
        )

),

recent_balances as (

    -- end-of-day on hand on the recent days of the falls (was demand censored by a stockout?)
    select
        shifted.sku_id,
        shifted.location_id,
        cast(spine.day_at as date) as day,
        sum(transactions.quantity) as end_of_day_qty
    from shifted
    cross join
        unnest(
            generate_series(
                cast(shifted.recent_start_date as timestamp),
                cast(shifted.recent_start_date + to_days({{ recent_days }} - 1) as timestamp),
                interval 1 day
            )
        ) as spine (day_at)
    inner join transactions
        on
            shifted.sku_id = transactions.sku_id
            and shifted.location_id = transactions.location_id
            and spine.day_at + interval 1 day > transactions.occurred_at
    where shifted.direction = 'down'
    group by shifted.sku_id, shifted.location_id, cast(spine.day_at as date)

),

censored as (

    select
        sku_id,
        location_id,
        count(*) filter (where end_of_day_qty <= 0) as recent_stockout_days
    from recent_balances
    group by sku_id, location_id

),

kept as (

    select
        shifted.*,
        coalesce(censored.recent_stockout_days, 0) as recent_stockout_days
    from shifted
    left join censored
        on shifted.sku_id = censored.sku_id and shifted.location_id = censored.location_id
    where shifted.direction = 'up' or coalesce(censored.recent_stockout_days, 0) = 0

),

kept_days as (

    -- daily demand (zero days included) from 6 days before the recent window to its end
    select
        kept.sku_id,
        kept.location_id,
        kept.recent_start_date,
        kept.direction,
        kept.baseline_daily_demand,
        kept.baseline_std_daily,
        cast(spine.day_at as date) as day,
        coalesce(daily.demand_qty, 0) as demand_qty
    from kept
    cross join
        unnest(
            generate_series(
                cast(kept.recent_start_date - to_days(6) as timestamp),
                cast(kept.recent_start_date + to_days({{ recent_days }} - 1) as timestamp),
                interval 1 day
            )
        ) as spine (day_at)
    left join daily
        on
            kept.sku_id = daily.sku_id
            and kept.location_id = daily.location_id
            and cast(spine.day_at as date) = daily.demand_date

),

trailing_means as (

    select
        *,
        avg(demand_qty) over (
            partition by sku_id, location_id
            order by day
            rows between 6 preceding and current row
        ) as trailing_7_day_mean
    from kept_days

),

first_shifted_day as (

    select
        sku_id,
        location_id,
        min(day) as shift_seen_date
    from trailing_means
    where
        day >= recent_start_date
        and abs(trailing_7_day_mean - baseline_daily_demand) > {{ sigmas }} * baseline_std_daily / sqrt(7)
        and (
            (direction = 'up' and trailing_7_day_mean >= {{ up_ratio }} * baseline_daily_demand)
            or (direction = 'down' and trailing_7_day_mean <= {{ down_ratio }} * baseline_daily_demand)
        )
    group by sku_id, location_id

),

assessed as (

    select
        kept.*,
        position.as_of_date,
        position.on_hand_qty,
        position.lead_time_days,
        position.unit_cost,
        position.owner_id,
        products.escalation_owner_id,
        products.unit_price,
        products.holding_cost_rate,
        cast(coalesce(first_shifted_day.shift_seen_date, kept.recent_start_date) as timestamp) as signal_at,
        kept.direction = 'up'
        and position.on_hand_qty < kept.recent_daily_demand * position.lead_time_days as is_urgent
    from kept
    inner join position
        on kept.sku_id = position.sku_id and kept.location_id = position.location_id
    inner join products on kept.sku_id = products.sku_id
    left join first_shifted_day
        on kept.sku_id = first_shifted_day.sku_id and kept.location_id = first_shifted_day.location_id

),

candidates as (

    select
        'review_demand_shift' as decision_type,
        concat_ws('|', sku_id, location_id) as subject_key,
        sku_id,
        location_id,
        cast(null as varchar) as supplier_id,
        cast(null as varchar) as constraint_id,
        round(recent_daily_demand, 2) as recommended_qty,
        cast(as_of_date + to_days(case when is_urgent then 1 else 3 end) as date) as due_by,
        owner_id,
        escalation_owner_id,
        round(
            case
                when direction = 'up'
                    then (recent_daily_demand - baseline_daily_demand) * {{ unit_margin('unit_price', 'unit_cost') }}
                else
                    abs(recent_daily_demand - baseline_daily_demand) * lead_time_days * unit_cost
                    * coalesce(holding_cost_rate, 0) / 365
            end,
            2
        ) as priority_score,
        round(abs(recent_daily_demand - baseline_daily_demand) * lead_time_days * unit_cost, 2) as value_at_stake,
        printf(
            'Review the demand of %s at %s: %.2f/day over the last %d days against %.2f/day '
            || '(σ %.2f) before — %.1f×, plan with the new rate.',
            sku_id, location_id, recent_daily_demand, {{ recent_days }}, baseline_daily_demand,
            baseline_std_daily, recent_daily_demand / baseline_daily_demand
        ) as reason,
        json_object(
            'direction', direction,
            'recent_daily_demand', recent_daily_demand,
            'recent_days', {{ recent_days }},
            'recent_start_date', recent_start_date,
            'early_daily_demand', early_daily_demand,
            'late_daily_demand', late_daily_demand,
            'recent_demand_days', recent_demand_days,
            'baseline_demand_days', baseline_demand_days,
            'min_demand_days', {{ min_demand_days }},
            'baseline_daily_demand', baseline_daily_demand,
            'baseline_std_daily', baseline_std_daily,
            'baseline_days', baseline_days,
            'baseline_start_date', baseline_start_date,
            'sigmas', {{ sigmas }},
            'up_ratio', {{ up_ratio }},
            'down_ratio', {{ down_ratio }},
            'recent_stockout_days', recent_stockout_days,
            'on_hand_qty', on_hand_qty,
            'lead_time_days', lead_time_days,
            'unit_cost', unit_cost
        ) as inputs,
        signal_at,
        as_of_date
    from assessed

)

select * from candidates
