{#-
    cash_cut: a replenish line the available cash did not fund in full (int_decision_candidates__replenish
    funds lines in priority order and cuts the rest). One signal per cut line: the units and the value cut.
    The system makes the cut by itself (auto_execution_policy, condition cash_short); the owner may reverse
    it, and a reversed cut is ordered in full on the next run (the replenish model reads the reversal).
    Same subject and episode as the replenish line (sku|location, its signal_at), so the decision_id is
    md5('cash_cut' | sku|location | signal_at).
    priority_score: the share of the line's stockout cost the cut leaves uncovered, replenish priority
    score × cut units / needed units.
-#}
with

replenish as (

    select
        *,
        cast(json_extract(inputs, '$.unconstrained_qty') as double) as unconstrained_qty,
        cast(json_extract(inputs, '$.supplier_unit_cost') as double) as supplier_unit_cost
    from {{ ref('int_decision_candidates__replenish') }}
    where json_extract_string(inputs, '$.is_cash_limited') = 'true'

),

candidates as (

    select
        'cash_cut' as decision_type,
        subject_key,
        sku_id,
        location_id,
        supplier_id,
        constraint_id,
        unconstrained_qty - recommended_qty as recommended_qty,
        as_of_date as due_by,
        owner_id,
        escalation_owner_id,
        round(priority_score * (unconstrained_qty - recommended_qty) / unconstrained_qty, 2) as priority_score,
        round((unconstrained_qty - recommended_qty) * supplier_unit_cost, 2) as value_at_stake,
        printf(
            'Cut the order of %s at %s from %s from %g to %g units (%.2f less): the available cash %.2f − floor '
            || '%.2f does not fund it in full (funding rank %d).',
            sku_id, location_id, supplier_id, unconstrained_qty, recommended_qty,
            (unconstrained_qty - recommended_qty) * supplier_unit_cost,
            cast(json_extract(inputs, '$.available_cash') as double),
            cast(json_extract(inputs, '$.cash_floor') as double),
            cast(json_extract(inputs, '$.funding_rank') as integer)
        ) as reason,
        json_object(
            'cash_short', true,
            'unconstrained_qty', unconstrained_qty,
            'funded_qty', recommended_qty,
            'cut_qty', unconstrained_qty - recommended_qty,
            'supplier_unit_cost', supplier_unit_cost,
            'available_cash', json_extract(inputs, '$.available_cash'),
            'cash_floor', json_extract(inputs, '$.cash_floor'),
            'funding_rank', json_extract(inputs, '$.funding_rank'),
            'replenish_priority_score', priority_score
        ) as inputs,
        signal_at,
        as_of_date
    from replenish

)

select * from candidates
