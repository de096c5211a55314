with

source as (

    select * from {{ ref('base_landing__locations') }}
    where quarantine_reason is null

),

renamed as (

    select
        ---------- ids
        location_id,

        ---------- text
        location_name,
        location_type,

        ---------- lineage
        _source_file

    from source

)

select * from renamed
