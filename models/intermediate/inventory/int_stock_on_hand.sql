{#- On-hand quantity per sku × location at the end of the as-of date: the signed sum of the ledger. -#}
with

transactions as (

    select * from {{ ref('stg_landing__inventory_transactions') }}

),

context as (

    select * from {{ ref('int_run_context') }}

),

on_hand as (

    select
        transactions.sku_id,
        transactions.location_id,
        sum(transactions.quantity) as on_hand_qty,
        min(transactions.occurred_at) as first_movement_at,
        max(transactions.occurred_at) as last_movement_at
    from transactions
    inner join context on transactions.occurred_at < context.as_of_end_at
    group by transactions.sku_id, transactions.location_id

)

select * from on_hand
