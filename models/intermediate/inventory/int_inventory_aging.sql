{#-
    Stock on hand per sku × location × aging band as of the run's as_of_date.
      age               = as_of_date − original receipt date of the FIFO layer (transfers keep the date)
      band              = aging_bands row of the SKU's aging_policy with min_age_days ≤ age ≤ max_age_days
                          (empty max_age_days = open-ended)
      value             = qty × standard unit cost of the product (same valuation as fct_stock_position)
      value_at_risk     = value × markdown_pct when the band calls for an action, else 0
-#}
with

layers as (

    select * from {{ ref('int_inventory_layers') }}

),

products as (

    select * from {{ ref('int_product_policy') }}

),

bands as (

    select * from {{ ref('aging_bands') }}

),

banded_layers as (

    select
        layers.sku_id,
        layers.location_id,
        layers.as_of_date,
        products.category_id,
        products.aging_policy,
        products.owner_id,
        products.unit_cost,
        bands.band as aging_band,
        bands.min_age_days as band_min_age_days,
        bands.max_age_days as band_max_age_days,
        bands.action,
        bands.markdown_pct,
        layers.arrival_txn_id,
        layers.origin_txn_id,
        layers.original_receipt_date,
        layers.age_days,
        layers.qty
    from layers
    left join products on layers.sku_id = products.sku_id
    left join bands
        on
            products.aging_policy = bands.aging_policy
            and layers.age_days >= bands.min_age_days
            and (bands.max_age_days is null or layers.age_days <= bands.max_age_days)

),

aggregated as (

    select
        sku_id,
        location_id,
        as_of_date,
        category_id,
        aging_policy,
        aging_band,
        band_min_age_days,
        band_max_age_days,
        action,
        markdown_pct,
        owner_id,
        unit_cost,
        sum(qty) as qty,
        count(*) as layer_count,
        min(original_receipt_date) as oldest_receipt_date,
        max(original_receipt_date) as newest_receipt_date,
        sum(qty * age_days) / sum(qty) as avg_age_days
    from banded_layers
    group by all

),

final as (

    select
        sku_id,
        location_id,
        as_of_date,
        category_id,
        aging_policy,
        aging_band,
        band_min_age_days,
        band_max_age_days,
        action,
        markdown_pct,
        qty,
        round(qty * unit_cost, 2) as value,
        cast(layer_count as integer) as layer_count,
        oldest_receipt_date,
        newest_receipt_date,
        avg_age_days,
        case
            when action != 'none' then round(qty * unit_cost * markdown_pct, 2) else 0
        end as value_at_risk,
        owner_id
    from aggregated
    where qty > 0

)

select * from final
