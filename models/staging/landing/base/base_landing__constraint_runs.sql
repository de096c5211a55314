-- depends_on: {{ source('landing', 'constraint_runs') }}

{%- set columns = ['constraint_id', 'started_at', 'ended_at', 'state', 'starved_by_sku_id'] %}

with

landed as (

    select * from {{ read_landing('constraint_runs', columns) }} as landed_files

),

constraints as (

    select constraint_id from {{ ref('stg_landing__constraint_resources') }}

),

products as (

    select sku_id from {{ ref('stg_landing__products') }}

),

typed as (

    select
        constraint_id,
        {{ landing_timestamp('started_at') }} as started_at,
        {{ landing_timestamp('ended_at') }} as ended_at,
        lower(state) as state,
        starved_by_sku_id,
        _source_file,
        _source_row,
        _landed_at,
        _read_error,
        started_at as raw_started_at,
        ended_at as raw_ended_at,
        state as raw_state,
        constraint_id in (select constraints.constraint_id from constraints) as is_known_constraint,
        starved_by_sku_id in (select products.sku_id from products) as is_known_starved_by_sku
    from landed

),

checked as (

    select
        *,
        coalesce(_read_error, nullif(concat_ws(
            '; ',
            case when constraint_id is null then 'missing constraint_id' end,
            case when not is_known_constraint then 'unknown constraint_id ''' || constraint_id || '''' end,
            case when raw_started_at is null then 'missing started_at' end,
            {{ landing_time_reason('started_at', 'raw_started_at') }},
            {{ landing_future_reason('started_at', 'started_at', 'raw_started_at') }},
            {{ landing_time_reason('ended_at', 'raw_ended_at') }},
            {{ landing_future_reason('ended_at', 'ended_at', 'raw_ended_at') }},
            case when ended_at < started_at then 'ended_at before started_at' end,
            case when state is null then 'missing state' end,
            case
                when state not in ('running', 'starved', 'blocked', 'down')
                    then 'invalid state ''' || raw_state || ''''
            end,
            case
                when not is_known_starved_by_sku
                    then 'unknown starved_by_sku_id ''' || starved_by_sku_id || ''''
            end
        ), '')) as row_reason
    from typed

),

-- State: an interval is restated (e.g. closed) by a later file; the latest accepted version wins.
ranked as (

    select
        *,
        row_number() over latest as version_rank,
        first_value(_source_file) over latest as latest_file
    from checked
    window latest as (
        partition by constraint_id, started_at
        order by row_reason is not null, _source_file desc, _source_row desc
    )

),

final as (

    select
        constraint_id,
        started_at,
        ended_at,
        state,
        starved_by_sku_id,
        _source_file,
        _source_row,
        case
            when row_reason is not null then row_reason
            when version_rank > 1 and _source_file = latest_file then 'duplicate (constraint_id, started_at) in file'
            when version_rank > 1 then 'superseded by ' || latest_file
        end as quarantine_reason,
        case
            when row_reason is not null or version_rank > 1
                then to_json({
                    'constraint_id': constraint_id,
                    'started_at': raw_started_at,
                    'ended_at': raw_ended_at,
                    'state': raw_state,
                    'starved_by_sku_id': starved_by_sku_id
                })
        end as raw_record
    from ranked

)

select * from final
