with

source as (

    select * from {{ ref('base_landing__constraint_inputs') }}
    where quarantine_reason is null

),

renamed as (

    select
        ---------- ids
        constraint_id,
        sku_id,

        ---------- numerics
        qty_per_run_hour,

        ---------- lineage
        _source_file

    from source

)

select * from renamed
