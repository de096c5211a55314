{#-
    Demand statistics per sku × location over the demand window (dbt var demand_window_days) ending
    on the as-of date. Zero-demand days count: n is the number of calendar days in the window since
    the sku × location first moved (a new item is not diluted by days before it existed), and
    Σx, Σx² come from the days with demand — identical to filling the zero days from a date spine.
    σ is the sample standard deviation (n − 1).
-#}
with

daily as (

    select * from {{ ref('int_demand_daily') }}

),

on_hand as (

    select * from {{ ref('int_stock_on_hand') }}

),

context as (

    select * from {{ ref('int_run_context') }}

),

window_sums as (

    select
        daily.sku_id,
        daily.location_id,
        sum(daily.demand_qty) as window_demand_qty,
        sum(daily.demand_qty * daily.demand_qty) as window_demand_sq,
        count(*) as demand_days
    from daily
    inner join context on daily.demand_date >= context.demand_window_start_date
    group by daily.sku_id, daily.location_id

),

annual as (

    select
        sku_id,
        location_id,
        sum(customer_demand_qty) as annual_customer_demand_qty
    from daily
    group by sku_id, location_id

),

observed as (

    select
        on_hand.sku_id,
        on_hand.location_id,
        coalesce(window_sums.window_demand_qty, 0) as window_demand_qty,
        coalesce(window_sums.window_demand_sq, 0) as window_demand_sq,
        coalesce(window_sums.demand_days, 0) as demand_days,
        coalesce(annual.annual_customer_demand_qty, 0) as annual_customer_demand_qty,
        greatest(
            least(
                context.demand_window_days,
                date_diff('day', cast(on_hand.first_movement_at as date), context.as_of_date) + 1
            ),
            1
        ) as window_days
    from on_hand
    cross join context
    left join window_sums
        on on_hand.sku_id = window_sums.sku_id and on_hand.location_id = window_sums.location_id
    left join annual
        on on_hand.sku_id = annual.sku_id and on_hand.location_id = annual.location_id

),

stats as (

    select
        sku_id,
        location_id,
        window_days,
        demand_days,
        window_demand_qty,
        annual_customer_demand_qty,
        window_demand_qty / window_days as avg_daily_demand,
        case
            when window_days > 1
                then sqrt(
                    greatest(
                        (window_demand_sq - window_days * power(window_demand_qty / window_days, 2))
                        / (window_days - 1),
                        0
                    )
                )
            else 0
        end as demand_std_daily
    from observed

)

select * from stats
