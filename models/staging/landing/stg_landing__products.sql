with

source as (

    select * from {{ ref('base_landing__products') }}
    where quarantine_reason is null

),

renamed as (

    select
        ---------- ids
        sku_id,
        category_id,

        ---------- text
        sku_name,
        lifecycle_status,

        ---------- numerics
        unit_cost,
        unit_price,

        ---------- lineage
        _source_file

    from source

)

select * from renamed
