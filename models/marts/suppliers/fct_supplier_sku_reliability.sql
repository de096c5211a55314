{#-
    Supplier reliability per supplier × sku as of the run's as_of_date: the same definitions as
    fct_supplier_reliability restricted to the SKU's PO lines (int_supplier_delivery_stats, grain supplier_sku).
    is_reliable is the SKU-level verdict (this SKU's late deliveries in the window < threshold);
    supplier_is_reliable is the supplier's verdict, which switching and backup choice use.
    Pairs: every catalogue pair (supplier_products) and every pair with PO lines.
-#}
with

backups as (

    select * from {{ ref('int_supplier_sku_backups') }}

),

stats as (

    select * from {{ ref('int_supplier_delivery_stats') }}

),

sourcing as (

    select * from {{ ref('int_sku_sourcing') }}

),

policy as (

    select * from {{ ref('supplier_policy') }}

),

context as (

    select * from {{ ref('int_run_context') }}

),

final as (

    select
        backups.supplier_id,
        backups.sku_id,
        context.as_of_date,
        backups.supplier_rank,
        sourcing.lead_time_days as planning_lead_time_days,
        sourcing.lead_time_source,
        coalesce(sku_stats.lines_due_or_received, 0) as lines_due_or_received,
        coalesce(sku_stats.lines_received, 0) as lines_received,
        coalesce(sku_stats.lines_on_time, 0) as lines_on_time,
        coalesce(sku_stats.lines_in_full, 0) as lines_in_full,
        coalesce(sku_stats.lines_otif, 0) as lines_otif,
        sku_stats.on_time_rate,
        sku_stats.in_full_rate,
        sku_stats.otif_rate,
        coalesce(sku_stats.lines_received_in_window, 0) as lines_received_in_window,
        sku_stats.otif_rate_in_window,
        sku_stats.lead_time_mean_days,
        sku_stats.lead_time_std_days,
        sku_stats.lead_time_p90_days,
        coalesce(sku_stats.lines_overdue_open, 0) as lines_overdue_open,
        coalesce(sku_stats.late_deliveries_in_window, 0) as late_deliveries_in_window,
        policy.late_deliveries_threshold,
        sku_stats.last_late_receipt_at,
        sku_stats.reliability_score,
        coalesce(sku_stats.is_reliable, true) as is_reliable,
        coalesce(supplier_stats.late_deliveries_in_window, 0) as supplier_late_deliveries_in_window,
        coalesce(supplier_stats.is_reliable, true) as supplier_is_reliable,
        backups.backup_supplier_id,
        backups.backup_supplier_rank
    from backups
    cross join context
    cross join policy
    left join sourcing on backups.supplier_id = sourcing.supplier_id and backups.sku_id = sourcing.sku_id
    left join stats as sku_stats
        on
            backups.supplier_id = sku_stats.supplier_id
            and backups.sku_id = sku_stats.sku_id
            and sku_stats.grain = 'supplier_sku'
    left join stats as supplier_stats
        on backups.supplier_id = supplier_stats.supplier_id and supplier_stats.grain = 'supplier'

)

select * from final
