{#-
    switch_supplier: a supplier reached the late-delivery threshold (int_supplier_reliability.is_reliable
    = false). Its future volume moves to its backup: recommended_qty is the quantity still open on its PO
    lines (to re-source or expedite), value_at_stake the value it was ordered in the last 365 days.
    signal_at: the late delivery that made it unreliable (unreliable_since_at), stable for the episode.
    Owner: the owner of the supplier's largest category by ordered value (ties: lowest category_id).
    priority_score: the daily volume that keeps arriving late or short while nothing changes,
    ordered_value_365d / 365 × (1 − OTIF rate).
    inputs.backup_is_reliable: the backup is reliable itself (the condition of the automatic switch rule).
-#}
with

all_reliability as (

    select * from {{ ref('int_supplier_reliability') }}

),

reliability as (

    select
        unreliable.*,
        coalesce(backup.is_reliable, false) as backup_is_reliable
    from all_reliability as unreliable
    left join all_reliability as backup on unreliable.backup_supplier_id = backup.supplier_id
    where not unreliable.is_reliable

),

po_lines as (

    select * from {{ ref('stg_landing__purchase_order_lines') }}

),

open_lines as (

    select * from {{ ref('int_purchase_order_lines_open') }}

),

products as (

    select * from {{ ref('int_product_policy') }}

),

context as (

    select * from {{ ref('int_run_context') }}

),

category_value as (

    select
        po_lines.supplier_id,
        products.category_id,
        any_value(products.owner_id) as owner_id,
        any_value(products.escalation_owner_id) as escalation_owner_id,
        sum(po_lines.ordered_qty * coalesce(po_lines.unit_cost, products.unit_cost)) as ordered_value
    from po_lines
    inner join products on po_lines.sku_id = products.sku_id
    cross join context
    where
        po_lines.ordered_at < context.as_of_end_at
        and po_lines.ordered_at >= cast(context.as_of_date - interval 365 day as timestamp)
    group by po_lines.supplier_id, products.category_id

),

largest_category as (

    select
        supplier_id,
        owner_id,
        escalation_owner_id,
        sum(ordered_value) over (partition by supplier_id) as ordered_value_365d
    from category_value
    qualify row_number() over (partition by supplier_id order by ordered_value desc, category_id asc) = 1

),

open_volume as (

    select
        supplier_id,
        sum(open_qty) as open_qty,
        count(*) as open_lines
    from open_lines
    group by supplier_id

),

candidates as (

    select
        'switch_supplier' as decision_type,
        reliability.supplier_id as subject_key,
        cast(null as varchar) as sku_id,
        cast(null as varchar) as location_id,
        reliability.supplier_id,
        cast(null as varchar) as constraint_id,
        coalesce(open_volume.open_qty, 0) as recommended_qty,
        cast(reliability.as_of_date + interval 7 day as date) as due_by,
        coalesce(largest_category.owner_id, '{{ var("fallback_owner_id") }}') as owner_id,
        largest_category.escalation_owner_id,
        round(coalesce(largest_category.ordered_value_365d, 0) / 365 * (1 - coalesce(reliability.otif_rate, 0)), 2)
            as priority_score,
        round(coalesce(largest_category.ordered_value_365d, 0), 2) as value_at_stake,
        printf(
            'Switch supplier %s: %d late deliveries in %d days (threshold %d, OTIF %.0f%%). Move its volume '
            || 'to %s; %g units on %d open PO lines to re-source.',
            reliability.supplier_id, reliability.late_deliveries_in_window, reliability.window_days,
            reliability.late_deliveries_threshold, 100 * coalesce(reliability.otif_rate, 0),
            coalesce(reliability.backup_supplier_id, 'a new supplier (no reliable backup)'),
            coalesce(open_volume.open_qty, 0), coalesce(open_volume.open_lines, 0)
        ) as reason,
        json_object(
            'late_deliveries_in_window', reliability.late_deliveries_in_window,
            'late_deliveries_threshold', reliability.late_deliveries_threshold,
            'window_days', reliability.window_days,
            'on_time_rate', reliability.on_time_rate,
            'otif_rate', reliability.otif_rate,
            'reliability_score', reliability.reliability_score,
            'backup_supplier_id', reliability.backup_supplier_id,
            'backup_is_reliable', reliability.backup_is_reliable,
            'backup_covered_skus', reliability.backup_covered_skus,
            'skus_without_backup', reliability.skus_without_backup,
            'unreliable_since_po_line_id', reliability.unreliable_since_po_line_id,
            'open_qty', coalesce(open_volume.open_qty, 0),
            'ordered_value_365d', largest_category.ordered_value_365d
        ) as inputs,
        coalesce(reliability.unreliable_since_at, reliability.last_late_receipt_at) as signal_at,
        reliability.as_of_date
    from reliability
    left join largest_category on reliability.supplier_id = largest_category.supplier_id
    left join open_volume on reliability.supplier_id = open_volume.supplier_id

)

select * from candidates
where signal_at is not null
