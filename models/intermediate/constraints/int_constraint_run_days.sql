{#-
    Constraint state intervals split at midnight UTC: one row per interval × calendar day it overlaps, with
    the hours inside that day. Intervals still open (ended_at null) or ending after the as-of date are
    clipped to the end of the as-of date; intervals starting after it are ignored.
-#}
with

runs as (

    select * from {{ ref('stg_landing__constraint_runs') }}

),

context as (

    select * from {{ ref('int_run_context') }}

),

clipped as (

    select
        runs.constraint_id,
        runs.state,
        runs.starved_by_sku_id,
        runs.started_at,
        least(coalesce(runs.ended_at, context.as_of_end_at), context.as_of_end_at) as ended_at
    from runs
    inner join context on runs.started_at < context.as_of_end_at

),

split as (

    select
        constraint_id,
        state,
        starved_by_sku_id,
        started_at,
        ended_at,
        cast(unnest(generate_series(cast(started_at as date), cast(ended_at as date), interval 1 day)) as date)
            as run_date
    from clipped

),

hours as (

    select
        constraint_id,
        run_date,
        state,
        starved_by_sku_id,
        started_at,
        ended_at,
        date_diff(
            'second',
            greatest(started_at, cast(run_date as timestamp)),
            least(ended_at, cast(run_date + 1 as timestamp))
        ) / 3600.0 as hours
    from split

)

select * from hours
where hours > 0
