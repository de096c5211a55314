with

source as (

    -- rows that passed their own checks, and whose SKU and location are known (checked here, in a
    -- view, so that a product or location landing later admits its earlier transactions)
    select * from {{ ref('base_landing__inventory_transactions') }}
    where
        quarantine_reason is null
        and sku_id in (select products.sku_id from {{ ref('stg_landing__products') }} as products)
        and location_id in (
            select locations.location_id from {{ ref('stg_landing__locations') }} as locations
        )

),

renamed as (

    select
        ---------- ids
        txn_id,
        sku_id,
        location_id,
        reference_id,

        ---------- categories
        txn_type,
        reason_code,

        ---------- numerics
        quantity,
        unit_cost,

        ---------- timestamps
        occurred_at,

        ---------- lineage
        _source_file

    from source

)

select * from renamed
