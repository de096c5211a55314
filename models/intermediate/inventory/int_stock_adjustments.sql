{#-
    Inventory adjustments per sku × location within the demand window ending on the as-of date:
    the net adjusted quantity, and shrinkage — units lost through negative adjustments that no count
    or damage explains (reason_code 'shrinkage' or missing) — plus when stock was last counted.
-#}
with

transactions as (

    select * from {{ ref('stg_landing__inventory_transactions') }}

),

context as (

    select * from {{ ref('int_run_context') }}

),

adjustments as (

    select
        transactions.sku_id,
        transactions.location_id,
        sum(transactions.quantity) filter (
            where transactions.occurred_at >= cast(context.demand_window_start_date as timestamp)
        ) as adjustment_qty_window,
        sum(-transactions.quantity) filter (
            where
            transactions.occurred_at >= cast(context.demand_window_start_date as timestamp)
            and transactions.quantity < 0
            and coalesce(transactions.reason_code, 'shrinkage') = 'shrinkage'
        ) as shrinkage_qty_window,
        count(*) filter (
            where
            transactions.occurred_at >= cast(context.demand_window_start_date as timestamp)
            and transactions.quantity < 0
            and coalesce(transactions.reason_code, 'shrinkage') = 'shrinkage'
        ) as shrinkage_events_window,
        max(transactions.occurred_at) filter (where transactions.reason_code = 'cycle_count') as last_cycle_count_at
    from transactions
    inner join context on transactions.occurred_at < context.as_of_end_at
    where transactions.txn_type = 'adjustment'
    group by transactions.sku_id, transactions.location_id

)

select * from adjustments
