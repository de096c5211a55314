{#-
    Every decision this run's data calls for, one row per (type, subject), with its deterministic
    decision_id = md5(type | subject | episode start). Each type lives in its own
    int_decision_candidates__<type> model with the same sixteen columns.
-#}
{%- set candidate_models = [
    'int_decision_candidates__replenish',
    'int_decision_candidates__switch_supplier',
    'int_decision_candidates__protect_constraint',
    'int_decision_candidates__expedite',
    'int_decision_candidates__transfer',
    'int_decision_candidates__adjust_reorder_point',
    'int_decision_candidates__cycle_count',
    'int_decision_candidates__review_demand_shift',
    'int_decision_candidates__aging_action',
] %}

with

candidates as (

    {% for model in candidate_models -%}
        select
            decision_type,
            subject_key,
            sku_id,
            location_id,
            supplier_id,
            constraint_id,
            recommended_qty,
            due_by,
            owner_id,
            escalation_owner_id,
            priority,
            value_at_stake,
            reason,
            inputs,
            signal_at,
            as_of_date
        from {{ ref(model) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

identified as (

    select
        {{ decision_id('decision_type', ['subject_key'], 'signal_at') }} as decision_id,
        *
    from candidates

)

select * from identified
