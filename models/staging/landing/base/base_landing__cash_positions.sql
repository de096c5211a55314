-- depends_on: {{ source('landing', 'cash_positions') }}

{%- set columns = ['as_of_date', 'available_cash'] %}

with

landed as (

    select * from {{ read_landing('cash_positions', columns) }} as landed_files

),

typed as (

    select
        {{ landing_date('as_of_date') }} as as_of_date,
        {{ landing_number('available_cash', 'money') }} as available_cash,
        _source_file,
        _source_row,
        _landed_at,
        _read_error,
        as_of_date as raw_as_of_date,
        available_cash as raw_available_cash
    from landed

),

checked as (

    select
        *,
        coalesce(_read_error, nullif(concat_ws(
            '; ',
            case when raw_as_of_date is null then 'missing as_of_date' end,
            {{ landing_time_reason('as_of_date', 'raw_as_of_date', 'date') }},
            {{ landing_future_reason('as_of_date', 'as_of_date', 'raw_as_of_date', kind='date') }},
            case when raw_available_cash is null then 'missing available_cash' end,
            {{ landing_number_reason('available_cash', 'raw_available_cash', 'money') }}
        ), '')) as row_reason
    from typed

),

-- State: a later file restates a day's cash; the latest accepted version wins.
ranked as (

    select
        *,
        row_number() over latest as version_rank,
        first_value(_source_file) over latest as latest_file
    from checked
    window latest as (
        partition by as_of_date
        order by row_reason is not null, _source_file desc, _source_row desc
    )

),

final as (

    select
        as_of_date,
        available_cash,
        _source_file,
        _source_row,
        case
            when row_reason is not null then row_reason
            when version_rank > 1 and _source_file = latest_file then 'duplicate as_of_date in file'
            when version_rank > 1 then 'superseded by ' || latest_file
        end as quarantine_reason,
        case
            when row_reason is not null or version_rank > 1
                then to_json({
                    'as_of_date': raw_as_of_date,
                    'available_cash': raw_available_cash
                })
        end as raw_record
    from ranked

)

select * from final
