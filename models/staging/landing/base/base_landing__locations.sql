-- depends_on: {{ source('landing', 'locations') }}

{%- set columns = ['location_id', 'location_name', 'location_type'] %}

with

landed as (

    select * from {{ read_landing('locations', columns) }} as landed_files

),

typed as (

    select
        location_id,
        location_name,
        lower(location_type) as location_type,
        _source_file,
        _source_row,
        _read_error,
        location_type as raw_location_type
    from landed

),

checked as (

    select
        *,
        coalesce(_read_error, nullif(concat_ws(
            '; ',
            case when location_id is null then 'missing location_id' end,
            case when location_type is null then 'missing location_type' end,
            case
                when location_type not in ('store', 'dc', 'plant')
                    then 'invalid location_type ''' || raw_location_type || ''''
            end
        ), '')) as row_reason
    from typed

),

-- Reference data: the latest accepted version (greatest file, then row) wins.
ranked as (

    select
        *,
        row_number() over latest as version_rank,
        first_value(_source_file) over latest as latest_file
    from checked
    window latest as (
        partition by location_id
        order by row_reason is not null, _source_file desc, _source_row desc
    )

),

final as (

    select
        location_id,
        location_name,
        location_type,
        _source_file,
        _source_row,
        case
            when row_reason is not null then row_reason
            when version_rank > 1 and _source_file = latest_file then 'duplicate location_id in file'
            when version_rank > 1 then 'superseded by ' || latest_file
        end as quarantine_reason,
        case
            when row_reason is not null or version_rank > 1
                then to_json({
                    'location_id': location_id,
                    'location_name': location_name,
                    'location_type': raw_location_type
                })
        end as raw_record
    from ranked

)

select * from final
