{#-
    Daily demand per sku × location: sales plus consumption minus returns, in positive units
    (ledger quantities are signed changes of on-hand, so demand = −Σ quantity over those types).
    Only days with movement are stored; statistics count the missing days as zero demand.
-#}
with

transactions as (

    select * from {{ ref('stg_landing__inventory_transactions') }}

),

context as (

    select * from {{ ref('int_run_context') }}

),

daily as (

    select
        transactions.sku_id,
        transactions.location_id,
        cast(transactions.occurred_at as date) as demand_date,
        -sum(transactions.quantity) as demand_qty
    from transactions
    inner join context
        on
            transactions.occurred_at < context.as_of_end_at
            and transactions.occurred_at >= cast(context.as_of_date - interval 364 day as timestamp)
    where transactions.txn_type in ('sale', 'consumption', 'return')
    group by transactions.sku_id, transactions.location_id, cast(transactions.occurred_at as date)

)

select * from daily
