-- depends_on: {{ source('landing', 'constraint_resources') }}

{%- set columns = ['constraint_id', 'constraint_name', 'location_id', 'capacity_hours_per_day', 'owner_id'] %}

with

landed as (

    select * from {{ read_landing('constraint_resources', columns) }} as landed_files

),

locations as (

    select location_id from {{ ref('stg_landing__locations') }}

),

typed as (

    select
        constraint_id,
        constraint_name,
        location_id,
        {{ landing_number('capacity_hours_per_day') }} as capacity_hours_per_day,
        owner_id,
        _source_file,
        _source_row,
        _read_error,
        capacity_hours_per_day as raw_capacity_hours_per_day,
        location_id in (select locations.location_id from locations) as is_known_location
    from landed

),

checked as (

    select
        *,
        coalesce(_read_error, nullif(concat_ws(
            '; ',
            case when constraint_id is null then 'missing constraint_id' end,
            case when location_id is null then 'missing location_id' end,
            case when not is_known_location then 'unknown location_id ''' || location_id || '''' end,
            case when raw_capacity_hours_per_day is null then 'missing capacity_hours_per_day' end,
            {{ landing_number_reason('capacity_hours_per_day', 'raw_capacity_hours_per_day') }},
            case
                when capacity_hours_per_day <= 0 or capacity_hours_per_day > 24
                    then 'capacity_hours_per_day must be > 0 and <= 24'
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
        partition by constraint_id
        order by row_reason is not null, _source_file desc, _source_row desc
    )

),

final as (

    select
        constraint_id,
        constraint_name,
        location_id,
        capacity_hours_per_day,
        owner_id,
        _source_file,
        _source_row,
        case
            when row_reason is not null then row_reason
            when version_rank > 1 and _source_file = latest_file then 'duplicate constraint_id in file'
            when version_rank > 1 then 'superseded by ' || latest_file
        end as quarantine_reason,
        case
            when row_reason is not null or version_rank > 1
                then to_json({
                    'constraint_id': constraint_id,
                    'constraint_name': constraint_name,
                    'location_id': location_id,
                    'capacity_hours_per_day': raw_capacity_hours_per_day,
                    'owner_id': owner_id
                })
        end as raw_record
    from ranked

)

select * from final
