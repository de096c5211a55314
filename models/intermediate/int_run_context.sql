{#- One row: the as-of date of this run and the windows derived from it. -#}
with

transactions as (

    select max(occurred_at) as latest_occurred_at
    from {{ ref('stg_landing__inventory_transactions') }}

),

context as (

    select
        {% if var('as_of_date') -%}
            cast('{{ var("as_of_date") }}' as date)
        {%- else -%}
            coalesce(cast(latest_occurred_at as date), current_date)
        {%- endif %} as as_of_date,
        latest_occurred_at
    from transactions

)

select
    as_of_date,
    latest_occurred_at,
    cast(as_of_date + interval 1 day as timestamp) as as_of_end_at,
    cast(as_of_date - interval ({{ var('demand_window_days') }} - 1) day as date) as demand_window_start_date,
    {{ var('demand_window_days') }} as demand_window_days
from context
