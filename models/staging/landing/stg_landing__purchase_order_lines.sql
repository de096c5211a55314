with

source as (

    select * from {{ ref('base_landing__purchase_order_lines') }}
    where quarantine_reason is null

),

renamed as (

    select
        ---------- ids
        po_line_id,
        po_id,
        supplier_id,
        sku_id,
        location_id,

        ---------- categories
        status,

        ---------- numerics
        ordered_qty,
        unit_cost,

        ---------- timestamps
        ordered_at,
        promised_date,

        ---------- lineage
        _source_file

    from source

)

select * from renamed
