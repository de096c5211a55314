{#- One row: the as-of date of this run and the windows derived from it. -#}
{%- set as_of_date = var('as_of_date') | string | trim %}
{%- if as_of_date and not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', as_of_date) %}
    {{ exceptions.raise_compiler_error("var as_of_date (STOCKOPS_AS_OF_DATE) must be a date YYYY-MM-DD, got '" ~ as_of_date ~ "'") }}
{%- endif %}

with

transactions as (

    select max(occurred_at) as latest_occurred_at
    from {{ ref('stg_landing__inventory_transactions') }}

),

context as (

    select
        {% if as_of_date -%}
            cast('{{ as_of_date }}' as date)
        {%- else -%}
            -- never later than the day the run started (UTC), whatever the data says
            least(coalesce(cast(latest_occurred_at as date), {{ landing_run_date() }}), {{ landing_run_date() }})
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
