{#-
    Delivery outcome of every PO line as of the run's as_of_date (receipts link by reference_id = po_line_id;
    receipts after the as-of date are ignored). Conventions (supplier_policy seed):
      deadline        = promised_date + on_time_tolerance_days (inclusive)
      delivered_at    = the receipt that brought Σ received ≥ ordered (completing receipt); for a line closed
                        or cancelled short, its last receipt; open lines not yet complete are not delivered
      on time         = delivered_at's date ≤ deadline;  in full = Σ received over all receipts ≥ ordered_qty
      late            = delivered after the deadline (late_at = the delivering receipt), or still undelivered
                        (open) after the deadline has passed (late_at = the midnight after the deadline)
    Cancelled or closed lines without any receipt are not evaluated.
-#}
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

policy as (

    select * from {{ ref('supplier_policy') }}

),

receipts as (

    select
        transactions.reference_id as po_line_id,
        transactions.occurred_at,
        transactions.quantity,
        po_lines.ordered_qty,
        sum(transactions.quantity) over (
            partition by transactions.reference_id
            order by transactions.occurred_at, transactions.txn_id
            rows between unbounded preceding and current row
        ) as cumulative_received_qty
    from transactions
    inner join context on transactions.occurred_at < context.as_of_end_at
    inner join po_lines on transactions.reference_id = po_lines.po_line_id
    where transactions.txn_type = 'receipt'

),

received as (

    select
        po_line_id,
        count(*) as receipt_count,
        sum(quantity) as received_qty,
        min(occurred_at) as first_received_at,
        max(occurred_at) as last_received_at,
        min(occurred_at) filter (where cumulative_received_qty >= ordered_qty) as completed_at
    from receipts
    group by po_line_id

),

lines as (

    select
        po_lines.po_line_id,
        po_lines.po_id,
        po_lines.supplier_id,
        po_lines.sku_id,
        po_lines.location_id,
        po_lines.status,
        po_lines.ordered_qty,
        coalesce(received.received_qty, 0) as received_qty,
        coalesce(received.receipt_count, 0) as receipt_count,
        po_lines.ordered_at,
        po_lines.promised_date,
        cast(po_lines.promised_date + policy.on_time_tolerance_days as date) as on_time_deadline_date,
        received.first_received_at,
        received.last_received_at,
        received.completed_at,
        case
            when received.completed_at is not null then received.completed_at
            when po_lines.status in ('closed', 'cancelled') then received.last_received_at
        end as delivered_at,
        context.as_of_date,
        policy.window_days
    from po_lines
    cross join context
    cross join policy
    left join received on po_lines.po_line_id = received.po_line_id
    where
        po_lines.ordered_at < context.as_of_end_at
        and (po_lines.status = 'open' or received.po_line_id is not null)

),

outcomes as (

    select
        *,
        delivered_at is not null as is_delivered,
        promised_date <= as_of_date as is_due,
        cast(delivered_at as date) <= on_time_deadline_date as is_on_time,
        received_qty >= ordered_qty as is_in_full,
        delivered_at is null and on_time_deadline_date < as_of_date as is_overdue_open,
        date_diff('second', ordered_at, delivered_at) / 86400.0 as lead_time_days
    from lines

),

final as (

    select
        po_line_id,
        po_id,
        supplier_id,
        sku_id,
        location_id,
        status,
        ordered_qty,
        received_qty,
        receipt_count,
        ordered_at,
        promised_date,
        on_time_deadline_date,
        first_received_at,
        last_received_at,
        completed_at,
        delivered_at,
        is_delivered,
        is_due,
        is_delivered and is_on_time as is_on_time,
        is_delivered and is_in_full as is_in_full,
        is_delivered and is_on_time and is_in_full as is_otif,
        is_overdue_open,
        lead_time_days,
        (is_delivered and not is_on_time) or is_overdue_open as is_late,
        case
            when is_delivered and not is_on_time then delivered_at
            when is_overdue_open then cast(on_time_deadline_date + 1 as timestamp)
        end as late_at,
        is_delivered and cast(delivered_at as date) > as_of_date - window_days as is_delivered_in_window,
        case
            when is_overdue_open then true
            when is_delivered and not is_on_time then cast(delivered_at as date) > as_of_date - window_days
            else false
        end as is_late_in_window
    from outcomes

)

select * from final
