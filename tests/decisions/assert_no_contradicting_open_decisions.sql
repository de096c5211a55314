{#-
    One SKU-location never has a replenish (a purchase proposal's line, or a replenish decision) and an aging
    action (markdown, bundle, liquidate, on their own or in a batch) open for its owner to decide at once.
    Approved decisions are committed, not open questions, and are left out. Returns the contradicting pairs.
-#}
with

lines as (

    select * from {{ ref('fct_decision_lines') }}
    where is_open and status != 'approved' and sku_id is not null and location_id is not null

),

replenish as (

    select * from lines
    where signal_type = 'replenish'

),

aging as (

    select * from lines
    where signal_type in ('markdown', 'bundle', 'liquidate')

)

select
    replenish.sku_id,
    replenish.location_id,
    replenish.decision_id as replenish_decision_id,
    aging.decision_id as aging_decision_id,
    aging.signal_type as aging_action
from replenish
inner join aging on replenish.sku_id = aging.sku_id and replenish.location_id = aging.location_id
