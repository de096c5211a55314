{#- Open PO lines and the quantity still to arrive: ordered minus received (receipts link by reference_id). -#}
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

received as (

    select
        transactions.reference_id as po_line_id,
        sum(transactions.quantity) as received_qty,
        max(transactions.occurred_at) as last_received_at
    from transactions
    inner join context on transactions.occurred_at < context.as_of_end_at
    where transactions.txn_type = 'receipt'
    group by transactions.reference_id

),

open_lines as (

    select
        po_lines.po_line_id,
        po_lines.po_id,
        po_lines.supplier_id,
        po_lines.sku_id,
        po_lines.location_id,
        po_lines.ordered_qty,
        coalesce(received.received_qty, 0) as received_qty,
        greatest(po_lines.ordered_qty - coalesce(received.received_qty, 0), 0) as open_qty,
        po_lines.unit_cost,
        po_lines.ordered_at,
        po_lines.promised_date
    from po_lines
    inner join context on po_lines.ordered_at < context.as_of_end_at
    left join received on po_lines.po_line_id = received.po_line_id
    where po_lines.status = 'open'

)

select * from open_lines
where open_qty > 0
