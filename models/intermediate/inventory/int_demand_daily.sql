{#-
    Daily demand per sku × location, in positive units (ledger quantities are signed changes of
    on-hand, so demand = −Σ quantity over the demand types):
      customer_demand_qty  sales + consumption − returns (docs/marts.md), the independent demand;
      demand_qty           what depletes the location: customer demand, plus transfers out at a DC
                           (a DC's demand is what it ships to stores).
    Only days with movement are stored; statistics count the missing days as zero demand.
-#}
with

transactions as (

    select * from {{ ref('stg_landing__inventory_transactions') }}

),

context as (

    select * from {{ ref('int_run_context') }}

),

locations as (

    select * from {{ ref('stg_landing__locations') }}

),

daily as (

    select
        transactions.sku_id,
        transactions.location_id,
        cast(transactions.occurred_at as date) as demand_date,
        -sum(transactions.quantity) as demand_qty,
        -sum(transactions.quantity) filter (
            where
            transactions.txn_type in ('sale', 'consumption', 'return')
            or (transactions.txn_type = 'transfer_out' and locations.location_type = 'dc')
        ) as customer_demand_qty
    from transactions
    inner join locations on transactions.location_id = locations.location_id
    inner join context
        on
            transactions.occurred_at < context.as_of_end_at
            and transactions.occurred_at >= cast(context.as_of_date - interval 364 day as timestamp)
    where
        transactions.txn_type in ('sale', 'consumption', 'return')
        or (transactions.txn_type = 'transfer_out' and locations.location_type = 'dc')
    group by transactions.sku_id, transactions.location_id, cast(transactions.occurred_at as date)

)

select * from daily
