{#-
    Utilisation of each constraint resource per calendar day (UTC), from its first recorded interval to the
    run's as_of_date; days without intervals show zero hours. State intervals are split at midnight and
    clipped to the day (int_constraint_run_days).
      utilisation_rate = run_hours / capacity_hours
-#}
with

resources as (

    select * from {{ ref('stg_landing__constraint_resources') }}

),

run_days as (

    select * from {{ ref('int_constraint_run_days') }}

),

context as (

    select * from {{ ref('int_run_context') }}

),

constraint_days as (

    select
        run_days.constraint_id,
        cast(unnest(generate_series(min(run_days.run_date), any_value(context.as_of_date), interval 1 day)) as date)
            as utilisation_date
    from run_days
    cross join context
    group by run_days.constraint_id

),

daily as (

    select
        constraint_id,
        run_date,
        sum(hours) filter (where state = 'running') as run_hours,
        sum(hours) filter (where state = 'starved') as starved_hours,
        sum(hours) filter (where state = 'blocked') as blocked_hours,
        sum(hours) filter (where state = 'down') as down_hours,
        list_sort(list_distinct(list(starved_by_sku_id) filter (where state = 'starved'))) as starved_by_sku_ids
    from run_days
    group by constraint_id, run_date

),

final as (

    select
        constraint_days.constraint_id,
        constraint_days.utilisation_date,
        resources.constraint_name,
        resources.location_id,
        resources.owner_id,
        resources.capacity_hours_per_day as capacity_hours,
        coalesce(daily.run_hours, 0) as run_hours,
        coalesce(daily.starved_hours, 0) as starved_hours,
        coalesce(daily.blocked_hours, 0) as blocked_hours,
        coalesce(daily.down_hours, 0) as down_hours,
        coalesce(daily.run_hours, 0)
        + coalesce(daily.starved_hours, 0)
        + coalesce(daily.blocked_hours, 0)
        + coalesce(daily.down_hours, 0) as recorded_hours,
        coalesce(daily.run_hours, 0) / resources.capacity_hours_per_day as utilisation_rate,
        coalesce(daily.starved_by_sku_ids, []) as starved_by_sku_ids
    from constraint_days
    inner join resources on constraint_days.constraint_id = resources.constraint_id
    left join daily
        on
            constraint_days.constraint_id = daily.constraint_id
            and constraint_days.utilisation_date = daily.run_date

)

select * from final
