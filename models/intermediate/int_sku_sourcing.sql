{#- Primary and backup supplier per SKU (priority 1 first, ties broken by supplier_id) with its terms and lead time. -#}
with

supplier_products as (

    select * from {{ ref('stg_landing__supplier_products') }}

),

lead_times as (

    select * from {{ ref('int_supplier_lead_times') }}

),

policy as (

    select * from {{ ref('supplier_policy') }}

),

ranked as (

    select
        supplier_products.*,
        row_number() over (
            partition by supplier_products.sku_id
            order by supplier_products.priority, supplier_products.supplier_id
        ) as supplier_rank
    from supplier_products

),

with_lead_time as (

    select
        ranked.sku_id,
        ranked.supplier_id,
        ranked.supplier_rank,
        ranked.priority,
        ranked.moq,
        ranked.order_multiple,
        ranked.unit_cost,
        ranked.quoted_lead_time_days,
        coalesce(lead_times.receipts_observed, 0) as receipts_observed,
        coalesce(lead_times.receipts_observed, 0) >= policy.min_receipts_for_observed_lead_time
            as use_observed,
        lead_times.lead_time_mean_days,
        lead_times.lead_time_std_days
    from ranked
    cross join policy
    left join lead_times
        on ranked.supplier_id = lead_times.supplier_id and ranked.sku_id = lead_times.sku_id

)

select
    sku_id,
    supplier_id,
    supplier_rank,
    priority,
    moq,
    order_multiple,
    unit_cost,
    quoted_lead_time_days,
    receipts_observed,
    case when use_observed then lead_time_mean_days else quoted_lead_time_days end as lead_time_days,
    case when use_observed then lead_time_std_days else 0 end as lead_time_std_days,
    case when use_observed then 'observed' else 'quoted' end as lead_time_source
from with_lead_time
