{#- Observed lead times per supplier × SKU: days from PO line ordered_at to each receipt against it. -#}
with

po_lines as (

    select * from {{ ref('stg_landing__purchase_order_lines') }}

),

transactions as (

    select * from {{ ref('stg_landing__inventory_transactions') }}

),

context as (

    select * from {{ ref('int_run_context') }}

),

receipts as (

    select
        po_lines.supplier_id,
        po_lines.sku_id,
        date_diff('second', po_lines.ordered_at, transactions.occurred_at) / 86400.0 as lead_time_days
    from transactions
    inner join context on transactions.occurred_at < context.as_of_end_at
    inner join po_lines on transactions.reference_id = po_lines.po_line_id
    where transactions.txn_type = 'receipt'

),

stats as (

    select
        supplier_id,
        sku_id,
        count(*) as receipts_observed,
        avg(lead_time_days) as lead_time_mean_days,
        coalesce(stddev_samp(lead_time_days), 0) as lead_time_std_days
    from receipts
    group by supplier_id, sku_id

)

select * from stats
