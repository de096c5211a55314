{#-
    Delivery statistics per supplier (sku_id null, grain = 'supplier') and per supplier × sku
    (grain = 'supplier_sku'), one pass over int_purchase_order_lines_delivery (each line once per grain) so both
    grains share every definition. Rates are over delivered lines (lines_received); lead times are
    per delivered line, ordered_at → delivering receipt, in days.
      reliability_score = 100 · (0.7 · OTIF + 0.3 · (1 − min(CV of lead time, 1))), 1 decimal, where OTIF
                          is the OTIF rate of lines delivered in the policy window (all history when none);
                          null without delivered lines
      is_reliable       = late_deliveries_in_window < late_deliveries_threshold
-#}
with

lines as (

    select * from {{ ref('int_purchase_order_lines_delivery') }}

),

policy as (

    select * from {{ ref('supplier_policy') }}

),

grains as (

    select 'supplier' as grain
    union all
    select 'supplier_sku' as grain

),

lines_by_grain as (

    select
        lines.*,
        grains.grain,
        case when grains.grain = 'supplier_sku' then lines.sku_id end as grain_sku_id
    from lines
    cross join grains

),

grouped as (

    select
        supplier_id,
        grain_sku_id as sku_id,
        grain,
        count(*) filter (where is_due or is_delivered) as lines_due_or_received,
        count(*) filter (where is_delivered) as lines_received,
        count(*) filter (where is_on_time) as lines_on_time,
        count(*) filter (where is_in_full) as lines_in_full,
        count(*) filter (where is_otif) as lines_otif,
        count(*) filter (where is_delivered_in_window) as lines_received_in_window,
        count(*) filter (where is_delivered_in_window and is_otif) as lines_otif_in_window,
        avg(lead_time_days) as lead_time_mean_days,
        stddev_samp(lead_time_days) as lead_time_std_days,
        quantile_cont(lead_time_days, 0.9) as lead_time_p90_days,
        count(*) filter (where is_overdue_open) as lines_overdue_open,
        count(*) filter (where is_late_in_window) as late_deliveries_in_window,
        max(late_at) filter (where is_late_in_window and is_delivered) as last_late_receipt_at,
        max(delivered_at) as last_received_at
    from lines_by_grain
    group by grain, supplier_id, grain_sku_id

),

rates as (

    select
        *,
        lines_on_time / nullif(lines_received, 0) as on_time_rate,
        lines_in_full / nullif(lines_received, 0) as in_full_rate,
        lines_otif / nullif(lines_received, 0) as otif_rate,
        lines_otif_in_window / nullif(lines_received_in_window, 0) as otif_rate_in_window,
        coalesce(lead_time_std_days, 0) / nullif(lead_time_mean_days, 0) as lead_time_cv
    from grouped

)

select
    rates.supplier_id,
    rates.sku_id,
    rates.grain,
    rates.lines_due_or_received,
    rates.lines_received,
    rates.lines_on_time,
    rates.lines_in_full,
    rates.lines_otif,
    rates.on_time_rate,
    rates.in_full_rate,
    rates.otif_rate,
    rates.lines_received_in_window,
    rates.otif_rate_in_window,
    rates.lead_time_mean_days,
    rates.lead_time_std_days,
    rates.lead_time_p90_days,
    rates.lead_time_cv,
    rates.lines_overdue_open,
    rates.late_deliveries_in_window,
    rates.last_late_receipt_at,
    rates.last_received_at,
    round(
        100 * (
            0.7 * coalesce(rates.otif_rate_in_window, rates.otif_rate)
            + 0.3 * (1 - least(coalesce(rates.lead_time_cv, 0), 1))
        ),
        1
    ) as reliability_score,
    rates.late_deliveries_in_window < policy.late_deliveries_threshold as is_reliable
from rates
cross join policy
