-- depends_on: {{ source('landing', 'cash_positions') }}

{%- set columns = ['as_of_date', 'available_cash'] %}

with

landed as (

    select * from {{ read_landing('cash_positions', columns) }} as landed_files

),

typed as (

    select
        try_cast(as_of_date as date) as as_of_date,
        try_cast(available_cash as double) as available_cash,
        _source_file,
        _source_row,
        as_of_date as raw_as_of_date,
        available_cash as raw_available_cash
    from landed

),

checked as (

    select
        *,
        nullif(concat_ws(
            '; ',
            case when raw_as_of_date is null then 'missing as_of_date' end,
            case
                when as_of_date is null and raw_as_of_date is not null
                    then 'unparseable as_of_date: ''' || raw_as_of_date || ''''
            end,
            case when raw_available_cash is null then 'missing available_cash' end,
            case
                when available_cash is null and raw_available_cash is not null
                    then 'unparseable available_cash: ''' || raw_available_cash || ''''
            end
        ), '') as row_reason
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
