with

source as (

    select * from {{ ref('base_landing__supplier_products') }}
    where quarantine_reason is null

),

renamed as (

    select
        ---------- ids
        supplier_id,
        sku_id,

        ---------- numerics
        priority,
        quoted_lead_time_days,
        moq,
        order_multiple,
        unit_cost,

        ---------- lineage
        _source_file

    from source

)

select * from renamed
