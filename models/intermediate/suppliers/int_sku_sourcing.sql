{#-
    Every supplier of every SKU in the order to buy from: reliable suppliers first (supplier_policy's
    late-delivery threshold, int_supplier_delivery_stats), then by landed priority, then supplier_id —
    so a late supplier loses its volume to its backup until it is reliable again. supplier_rank 1 is
    the supplier to order from; priority_rank keeps the landed order.
-#}
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

reliability as (

    select
        supplier_id,
        is_reliable
    from {{ ref('int_supplier_delivery_stats') }}
    where grain = 'supplier'

),

ranked as (

    select
        supplier_products.*,
        coalesce(reliability.is_reliable, true) as supplier_is_reliable,
        row_number() over (
            partition by supplier_products.sku_id
            order by supplier_products.priority, supplier_products.supplier_id
        ) as priority_rank,
        row_number() over (
            partition by supplier_products.sku_id
            order by
                coalesce(reliability.is_reliable, true) desc,
                supplier_products.priority,
                supplier_products.supplier_id asc
        ) as supplier_rank,
        first_value(supplier_products.supplier_id) over (
            partition by supplier_products.sku_id
            order by supplier_products.priority, supplier_products.supplier_id
        ) as primary_supplier_id
    from supplier_products
    left join reliability on supplier_products.supplier_id = reliability.supplier_id

),

with_lead_time as (

    select
        ranked.sku_id,
        ranked.supplier_id,
        ranked.supplier_rank,
        ranked.priority_rank,
        ranked.primary_supplier_id,
        ranked.supplier_is_reliable,
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
    priority_rank,
    primary_supplier_id,
    supplier_is_reliable,
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
