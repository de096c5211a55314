with

source as (

    -- rows that passed their own checks and pass the checks re-evaluated on every run (known SKU
    -- and location, usable values: transaction_recheck_reason)
    select transactions.*
    from {{ ref('base_landing__inventory_transactions') }} as transactions
    left join {{ ref('stg_landing__products') }} as products on transactions.sku_id = products.sku_id
    left join {{ ref('stg_landing__locations') }} as locations
        on transactions.location_id = locations.location_id
    where
        transactions.quarantine_reason is null
        and {{ transaction_recheck_reason() }} is null

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
