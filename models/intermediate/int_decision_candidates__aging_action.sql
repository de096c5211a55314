{#-
    markdown / bundle / liquidate: stock sitting in an aging band whose action (aging_bands seed, per the
    category's aging policy) is not 'none' (fct_inventory_aging). One decision per sku × location × band:
    act on the band's quantity; value_at_stake is the band's value at risk (value × markdown_pct).
    signal_at: when the oldest stock in the band crossed into it — its original receipt date + the band's
    minimum age (receipt date + band threshold).
-#}
with

aging as (

    select * from {{ ref('fct_inventory_aging') }}
    where action != 'none' and qty > 0

),

products as (

    select * from {{ ref('int_product_policy') }}

),

candidates as (

    select
        aging.action as decision_type,
        concat_ws('|', aging.sku_id, aging.location_id, aging.aging_band) as subject_key,
        aging.sku_id,
        aging.location_id,
        cast(null as varchar) as supplier_id,
        cast(null as varchar) as constraint_id,
        aging.qty as recommended_qty,
        cast(
            aging.as_of_date
            + to_days(case aging.action when 'liquidate' then 7 when 'bundle' then 14 else 14 end) as date
        ) as due_by,
        aging.owner_id,
        products.escalation_owner_id,
        case aging.action when 'liquidate' then 'high' when 'bundle' then 'medium' else 'low' end as priority,
        aging.value_at_risk as value_at_stake,
        printf(
            '%s %g units of %s at %s: aged %s (oldest received %s, average age %.0f days); value %.2f, '
            || '%.0f%% at risk = %.2f.',
            upper(aging.action[1]) || aging.action[2:], aging.qty, aging.sku_id, aging.location_id, aging.aging_band,
            strftime(aging.oldest_receipt_date, '%Y-%m-%d'), aging.avg_age_days, aging.value,
            100 * aging.markdown_pct, aging.value_at_risk
        ) as reason,
        json_object(
            'aging_policy', aging.aging_policy,
            'aging_band', aging.aging_band,
            'band_min_age_days', aging.band_min_age_days,
            'band_max_age_days', aging.band_max_age_days,
            'markdown_pct', aging.markdown_pct,
            'qty', aging.qty,
            'value', aging.value,
            'layer_count', aging.layer_count,
            'oldest_receipt_date', aging.oldest_receipt_date,
            'avg_age_days', aging.avg_age_days,
            'value_at_risk', aging.value_at_risk
        ) as inputs,
        cast(aging.oldest_receipt_date + to_days(aging.band_min_age_days) as timestamp) as signal_at,
        aging.as_of_date
    from aging
    inner join products on aging.sku_id = products.sku_id

)

select * from candidates
