{#-
    Supplier reliability as of the run's as_of_date (grain: supplier). A PO line counts once it is due or
    received; rates are over delivered lines; late deliveries are counted in the policy window
    (supplier_policy) and drive is_reliable. Definitions: int_purchase_order_lines_delivery (on time, in full,
    late), int_supplier_delivery_stats (rates, lead times, score), int_supplier_late_episodes (since when).
    backup_supplier_id: of the backups chosen per supplier × sku, the one covering most of this supplier's
    SKUs (ties: lowest supplier_id).
-#}
with

suppliers as (

    select * from {{ ref('stg_landing__suppliers') }}

),

stats as (

    select * from {{ ref('int_supplier_delivery_stats') }}
    where grain = 'supplier'

),

episodes as (

    select * from {{ ref('int_supplier_late_episodes') }}

),

backups as (

    select * from {{ ref('int_supplier_sku_backups') }}

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

catalogue as (

    select
        supplier_id,
        count(distinct sku_id) as skus_supplied,
        count(distinct sku_id) filter (where supplier_rank = 1) as skus_as_primary
    from sourcing
    group by supplier_id

),

backup_coverage as (

    select
        supplier_id,
        backup_supplier_id,
        count(distinct sku_id) as covered_skus
    from backups
    where backup_supplier_id is not null
    group by supplier_id, backup_supplier_id

),

best_backup as (

    select
        supplier_id,
        backup_supplier_id,
        covered_skus as backup_covered_skus
    from backup_coverage
    qualify row_number() over (partition by supplier_id order by covered_skus desc, backup_supplier_id asc) = 1

),

skus_without_backup as (

    select
        supplier_id,
        count(distinct sku_id) filter (where backup_supplier_id is null) as skus_without_backup
    from backups
    group by supplier_id

),

final as (

    select
        suppliers.supplier_id,
        suppliers.supplier_name,
        context.as_of_date,
        coalesce(catalogue.skus_supplied, 0) as skus_supplied,
        coalesce(catalogue.skus_as_primary, 0) as skus_as_primary,
        coalesce(stats.lines_due_or_received, 0) as lines_due_or_received,
        coalesce(stats.lines_received, 0) as lines_received,
        coalesce(stats.lines_on_time, 0) as lines_on_time,
        coalesce(stats.lines_in_full, 0) as lines_in_full,
        coalesce(stats.lines_otif, 0) as lines_otif,
        stats.on_time_rate,
        stats.in_full_rate,
        stats.otif_rate,
        coalesce(stats.lines_received_in_window, 0) as lines_received_in_window,
        stats.otif_rate_in_window,
        stats.lead_time_mean_days,
        stats.lead_time_std_days,
        stats.lead_time_p90_days,
        coalesce(stats.lines_overdue_open, 0) as lines_overdue_open,
        coalesce(stats.late_deliveries_in_window, 0) as late_deliveries_in_window,
        policy.late_deliveries_threshold,
        policy.window_days,
        stats.last_late_receipt_at,
        episodes.unreliable_since_at,
        episodes.unreliable_since_po_line_id,
        stats.reliability_score,
        coalesce(stats.is_reliable, true) as is_reliable,
        best_backup.backup_supplier_id,
        coalesce(best_backup.backup_covered_skus, 0) as backup_covered_skus,
        coalesce(skus_without_backup.skus_without_backup, 0) as skus_without_backup
    from suppliers
    cross join context
    cross join policy
    left join stats on suppliers.supplier_id = stats.supplier_id
    left join episodes on suppliers.supplier_id = episodes.supplier_id
    left join catalogue on suppliers.supplier_id = catalogue.supplier_id
    left join best_backup on suppliers.supplier_id = best_backup.supplier_id
    left join skus_without_backup on suppliers.supplier_id = skus_without_backup.supplier_id

)

select * from final
