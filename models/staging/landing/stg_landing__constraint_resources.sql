with

source as (

    select * from {{ ref('base_landing__constraint_resources') }}
    where quarantine_reason is null

),

renamed as (

    select
        ---------- ids
        constraint_id,
        location_id,
        owner_id,

        ---------- text
        constraint_name,

        ---------- numerics
        capacity_hours_per_day,

        ---------- lineage
        _source_file

    from source

)

select * from renamed
