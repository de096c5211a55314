with

source as (

    select * from {{ ref('base_landing__inventory_transactions') }}
    where quarantine_reason is null

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
