{#-
    The start of the current episode below a threshold, per sku × location: the first movement after
    which the running position (cumulative ledger quantity + position_offset_qty) has stayed at or below
    threshold_qty up to the as-of date. `subjects` is a relation with sku_id, location_id,
    position_offset_qty (e.g. on order) and threshold_qty; returns sku_id, location_id, episode_start_at.
    A subject that was never above its threshold starts at its first movement.
-#}
{% macro episode_start_below(subjects, transactions, context) -%}
    select
        sku_id,
        location_id,
        min(occurred_at) as episode_start_at
    from (
        select
            movements.*,
            max(case when movements.position_qty > movements.threshold_qty then movements.occurred_at end)
                over (partition by movements.sku_id, movements.location_id) as last_above_at
        from (
            select
                txn.sku_id,
                txn.location_id,
                txn.occurred_at,
                subject.threshold_qty,
                subject.position_offset_qty + sum(txn.quantity) over (
                    partition by txn.sku_id, txn.location_id
                    order by txn.occurred_at, txn.txn_id
                    rows between unbounded preceding and current row
                ) as position_qty
            from {{ transactions }} as txn
            inner join {{ subjects }} as subject
                on txn.sku_id = subject.sku_id and txn.location_id = subject.location_id
            inner join {{ context }} as run_context on txn.occurred_at < run_context.as_of_end_at
        ) as movements
    ) as with_last_above
    where occurred_at > coalesce(last_above_at, cast('1900-01-01' as timestamp))
    group by sku_id, location_id
{%- endmacro %}
