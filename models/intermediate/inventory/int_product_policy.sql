{#-
    Every product with the business policy that applies to it: its category's owner and strategy, or
    the 'default' rows when the category has none. A category with neither gets the fallback owner
    (dbt var fallback_owner_id) and owner_resolved = false, which a test fails on.
-#}
with

products as (

    select * from {{ ref('stg_landing__products') }}

),

owners as (

    select * from {{ ref('category_owners') }}

),

strategies as (

    select * from {{ ref('category_strategies') }}

),

resolved as (

    select
        products.sku_id,
        products.sku_name,
        products.category_id,
        products.unit_cost,
        products.unit_price,
        products.lifecycle_status,
        coalesce(own.owner_id, default_owner.owner_id, '{{ var("fallback_owner_id") }}') as owner_id,
        coalesce(own.owner_name, default_owner.owner_name, 'Unassigned') as owner_name,
        coalesce(
            own.escalation_owner_id, default_owner.escalation_owner_id, '{{ var("fallback_owner_id") }}'
        ) as escalation_owner_id,
        coalesce(own.owner_id, default_owner.owner_id) is not null as owner_resolved,
        coalesce(strategy.strategy, default_strategy.strategy, 'buffer') as strategy,
        coalesce(strategy.service_level, default_strategy.service_level, 0.95) as service_level,
        coalesce(strategy.holding_cost_rate, default_strategy.holding_cost_rate, 0.25) as holding_cost_rate,
        coalesce(strategy.review_period_days, default_strategy.review_period_days, 7) as review_period_days,
        coalesce(strategy.aging_policy, default_strategy.aging_policy, 'standard') as aging_policy
    from products
    left join owners as own on products.category_id = own.category_id
    left join owners as default_owner on default_owner.category_id = 'default'
    left join strategies as strategy on products.category_id = strategy.category_id
    left join strategies as default_strategy on default_strategy.category_id = 'default'

)

select * from resolved
