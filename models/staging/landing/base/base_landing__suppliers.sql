-- depends_on: {{ source('landing', 'suppliers') }}

{%- set columns = ['supplier_id', 'supplier_name'] %}

with

landed as (

    select * from {{ read_landing('suppliers', columns) }} as landed_files

),

checked as (

    select
        *,
        coalesce(_read_error, case when supplier_id is null then 'missing supplier_id' end) as row_reason
    from landed

),

-- Reference data: the latest accepted version (greatest file, then row) wins.
ranked as (

    select
        *,
        row_number() over latest as version_rank,
        first_value(_source_file) over latest as latest_file
    from checked
    window latest as (
        partition by supplier_id
        order by row_reason is not null, _source_file desc, _source_row desc
    )

),

final as (

    select
        supplier_id,
        supplier_name,
        _source_file,
        _source_row,
        case
            when row_reason is not null then row_reason
            when version_rank > 1 and _source_file = latest_file then 'duplicate supplier_id in file'
            when version_rank > 1 then 'superseded by ' || latest_file
        end as quarantine_reason,
        case
            when row_reason is not null or version_rank > 1
                then to_json({
                    'supplier_id': supplier_id,
                    'supplier_name': supplier_name
                })
        end as raw_record
    from ranked

)

select * from final
