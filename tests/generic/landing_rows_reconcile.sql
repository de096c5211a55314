{#-
    Every landed row of a landing table is either accepted (in the staging model under test) or
    quarantined (in stg_landing__quarantine): rows in base = accepted + quarantined.
    Fails with one row showing the three counts when they disagree.
    `requires`: a relation the reconciliation needs; while it is not built (a build of the staging
    layer alone, which selects this test because its base model is selected) there is nothing to
    reconcile yet and the test passes.
-#}
{% test landing_rows_reconcile(model, base_model, landing_table, requires=none) %}

{%- if requires is not none and execute and load_relation(requires) is none %}

    select 1 as not_built where false

{%- else %}

with

landed as (

    select count(*) as landed_rows from {{ base_model }}

),

accepted as (

    select count(*) as accepted_rows from {{ model }}

),

quarantined as (

    select count(*) as quarantined_rows
    from {{ ref('stg_landing__quarantine') }}
    where landing_table = '{{ landing_table }}'

)

select
    landed.landed_rows,
    accepted.accepted_rows,
    quarantined.quarantined_rows
from landed
cross join accepted
cross join quarantined
where landed.landed_rows != accepted.accepted_rows + quarantined.quarantined_rows

{%- endif %}

{% endtest %}
