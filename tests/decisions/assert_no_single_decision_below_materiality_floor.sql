{#-
    A decision of its own is worth at least its type's materiality floor (decision_materiality, 'default'
    for types without a row): smaller signals belong in a batch. Decisions its owner already approved,
    executed or rejected stay as they were. Returns the open single decisions below the floor.
-#}
with

decisions as (

    select * from {{ ref('fct_decisions') }}
    where is_open and decision_kind = 'single' and status not in ('approved')

),

materiality as (

    select * from {{ ref('decision_materiality') }}

)

select
    decisions.decision_id,
    decisions.decision_type,
    decisions.owner_id,
    decisions.value_at_stake,
    coalesce(own.min_value_at_stake, fallback.min_value_at_stake) as materiality_floor
from decisions
left join materiality as own on decisions.decision_type = own.decision_type
left join materiality as fallback on fallback.decision_type = 'default'
where decisions.value_at_stake < coalesce(own.min_value_at_stake, fallback.min_value_at_stake)
